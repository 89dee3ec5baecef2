import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Kernel
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The databases: the default one for requests, and `.groupCommit` for `GroupCommit`'s writes.
///
/// Writes get a connection of their own on a thread of their own (`WriterThread`), so a batch
/// never queues for a connection behind the pages' reads, nor for a loop behind the requests,
/// while every submission in it waits for its commit.
enum DatabaseSetup {
    static func use(_ choice: AppConfig.DatabaseChoice, on app: Application) throws {
        let logger = app.logger
        let writer = WriterThread()
        // The writer's own set of databases, on its one loop: one connection, which keeps its settings.
        let writes = Databases(threadPool: app.threadPool, on: writer.loop)
        app.lifecycle.use(WriterShutdown(writer: writer, databases: writes))
        let connection: @Sendable () -> any Database = { writes.database(.groupCommit, logger: logger, on: writer.loop)! }
        switch choice {
        case .sqlite(let path):
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            app.databases.use(.sqlite(.file(path)), as: .sqlite, isDefault: true)
            writes.use(.sqlite(.file(path)), as: .groupCommit, isDefault: true)
            app.groupCommit = GroupCommit(on: writer, prepare: { db in
                // Checkpoints move the WAL into the database file and fsync it; done on commit they
                // stall the write queue, so the writer never checkpoints and `SQLiteCheckpoints` does.
                try await (db as? any SQLDatabase)?.raw("PRAGMA wal_autocheckpoint=0").run()
                // Every write walks the indexes (dossier codes, queues, buckets): with SQLite's default
                // 2 MB cache the writer re-read their pages from the OS on every batch.
                try await (db as? any SQLDatabase)?.raw("PRAGMA cache_size=-65536").run()
            }, database: connection)
            app.lifecycle.use(SQLiteCheckpoints())
        case .postgres(let url):
            app.databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4), as: .psql, isDefault: true)
            writes.use(try .postgres(url: url, maxConnectionsPerEventLoop: 1), as: .groupCommit, isDefault: true)
            app.groupCommit = GroupCommit(on: writer, database: connection)
        }
    }
}

/// Closes the writer's connection, then its thread, at shutdown: registered first, so it runs
/// after every handler that may still write (Vapor shuts handlers down in reverse order).
private struct WriterShutdown: LifecycleHandler {
    let writer: WriterThread
    let databases: Databases

    func shutdownAsync(_ app: Application) async {
        await databases.shutdownAsync()
        await writer.shutdown()
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
