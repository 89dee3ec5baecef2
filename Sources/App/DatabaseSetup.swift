import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Kernel
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The databases: the default one for requests, and `.groupCommit` for `GroupCommit`'s writes.
///
/// Writes get connections of their own, so a batch never queues for a connection behind the
/// pages' reads while every submission in it waits for its commit.
enum DatabaseSetup {
    static func use(_ choice: AppConfig.DatabaseChoice, on app: Application) throws {
        let (databases, logger) = (app.databases, app.logger)
        switch choice {
        case .sqlite(let path):
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            app.databases.use(.sqlite(.file(path)), as: .sqlite, isDefault: true)
            app.databases.use(.sqlite(.file(path)), as: .groupCommit, isDefault: false)
            // One event loop, so one connection (the SQLite pool has one per loop) that keeps its settings.
            let writerLoop = app.eventLoopGroup.next()
            app.groupCommit = GroupCommit(prepare: { db in
                // Checkpoints move the WAL into the database file and fsync it; done on commit they
                // stall the write queue, so the writer never checkpoints and `SQLiteCheckpoints` does.
                try await (db as? any SQLDatabase)?.raw("PRAGMA wal_autocheckpoint=0").run()
                // Every write walks the indexes (dossier codes, queues, buckets): with SQLite's default
                // 2 MB cache the writer re-read their pages from the OS on every batch.
                try await (db as? any SQLDatabase)?.raw("PRAGMA cache_size=-65536").run()
            }) { databases.database(.groupCommit, logger: logger, on: writerLoop)! }
            app.lifecycle.use(SQLiteCheckpoints())
        case .postgres(let url):
            app.databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4), as: .psql, isDefault: true)
            app.databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 1), as: .groupCommit, isDefault: false)
            app.groupCommit = GroupCommit { databases.database(.groupCommit, logger: logger, on: databases.eventLoopGroup.any())! }
        }
    }
}

/// Checkpoints the SQLite WAL every second from a reader's connection (PASSIVE: it never blocks
/// the writer), so the write queue's commits only append to the WAL.
final class SQLiteCheckpoints: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ app: Application) async throws {
        let (databases, logger) = (app.databases, app.logger)
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    guard let sql = databases.database(.sqlite, logger: logger, on: databases.eventLoopGroup.any()) as? any SQLDatabase else { return }
                    do { try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").run() } catch { logger.warning("WAL checkpoint failed: \(error)") }
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task.withLockedValue { $0?.cancel() }
    }
}
