import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Kernel
import Vapor

/// The databases: the default one for requests, and `.groupCommit` for `GroupCommit`'s writes.
///
/// Writes get connections of their own, so a batch never queues for a connection behind the
/// pages' reads while every submission in it waits for its commit.
enum DatabaseSetup {
    static func use(_ choice: AppConfig.DatabaseChoice, on app: Application) throws {
        switch choice {
        case .sqlite(let path):
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            app.databases.use(.sqlite(.file(path)), as: .sqlite, isDefault: true)
            app.databases.use(.sqlite(.file(path)), as: .groupCommit, isDefault: false)
        case .postgres(let url):
            app.databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4), as: .psql, isDefault: true)
            app.databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 1), as: .groupCommit, isDefault: false)
        }
        let (databases, logger) = (app.databases, app.logger)
        app.groupCommit = GroupCommit { databases.database(.groupCommit, logger: logger, on: databases.eventLoopGroup.any())! }
    }
}
