import FluentKit
import SQLKit
import Vapor

/// Group commit (ghi gộp): the application's multi-statement writes go through one queue. Writes
/// that arrive while a transaction is committing wait for it, then run together in the next
/// transaction, each inside its own savepoint, so they share one commit (one fsync) yet fail
/// alone. A caller resumes only after the transaction holding its write has committed.
///
/// Why one queue: SQLite has a single writer. Fluent opens deferred transactions, and a deferred
/// transaction that reads before it writes fails at once with "database is locked" when another
/// connection committed in between (SQLite cannot wait there without risking deadlock). With
/// every transaction of the process in one queue no two of them overlap, and a burst of intakes
/// costs one durable commit instead of one each — on PostgreSQL too.
public actor GroupCommit {
    /// A queued write: a plain transaction (`kind` nil) or one item of a `BatchableWrite`.
    private struct Pending: Sendable {
        let kind: ObjectIdentifier?
        let item: any Sendable
        let write: @Sendable ([any Sendable], any Database) async throws -> [any Sendable]
        /// The kind's `BatchableWrite.commitsItself`, and its hook for a batch written that way.
        var commitsItself = false
        var committed: (@Sendable ([any Sendable], [any Sendable]) -> Void)?
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    /// The database being written by the batch that is running, so that a write started from
    /// inside another write joins it instead of waiting for itself.
    @TaskLocal private static var current: (any Database)?

    private let database: @Sendable () -> any Database
    /// The thread batches are drained on (for tests).
    package nonisolated let writer: WriterThread
    private let maxBatch: Int
    private var prepare: (@Sendable (any Database) async throws -> Void)?
    private var pending: [Pending] = []
    private var draining = false

    /// - Parameters:
    ///   - writer: the thread batches are drained on (their building, the statements, resuming the writers);
    ///     `database` must give connections on its loop.
    ///   - prepare: run once on the writer's connection before its first batch (connection settings).
    public init(maxBatch: Int = 256, on writer: WriterThread, prepare: (@Sendable (any Database) async throws -> Void)? = nil,
                database: @escaping @Sendable () -> any Database) {
        self.maxBatch = maxBatch
        self.writer = writer
        self.prepare = prepare
        self.database = database
    }

    /// Writes queued behind the batch being written (a test waits on it for a batch to form).
    public var waiting: Int { pending.count }

    /// Runs `work` in a transaction shared with concurrent writes; its effects are durable when this returns.
    /// If `work` throws, its effects are rolled back and the others' are not.
    public nonisolated func transaction<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if let db = Self.current { return try await db.transaction(work) }
        return try cast(await enqueue(kind: nil, item: ()) { _, db in [try await work(db)] })
    }

    /// Writes `item` together with the other items of its type queued at the same moment, in one
    /// `W.write` call; durable when this returns.
    public nonisolated func write<W: BatchableWrite>(_ item: W) async throws -> W.Output {
        if let db = Self.current { return try await db.transaction { try await W.write([item], on: $0)[0] } }
        let committed: @Sendable ([any Sendable], [any Sendable]) -> Void = { items, outputs in
            W.committed(items.compactMap { $0 as? W }, outputs.compactMap { $0 as? W.Output })
        }
        return try cast(await enqueue(kind: ObjectIdentifier(W.self), item: item, commitsItself: W.commitsItself, committed: committed) { items, db in
            try await W.write(items.compactMap { $0 as? W }, on: db)
        })
    }

    private nonisolated func cast<T>(_ value: any Sendable) throws -> T {
        guard let typed = value as? T else { throw Abort(.internalServerError, reason: "group commit returned \(type(of: value))") }
        return typed
    }

    private func enqueue(kind: ObjectIdentifier?, item: any Sendable, commitsItself: Bool = false,
                         committed: (@Sendable ([any Sendable], [any Sendable]) -> Void)? = nil,
                         write: @escaping @Sendable ([any Sendable], any Database) async throws -> [any Sendable]) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(kind: kind, item: item, write: write, commitsItself: commitsItself, committed: committed, continuation: continuation))
            if !draining {
                draining = true
                // On the writer's thread: on the server's loops every await of a batch queued behind
                // the requests that feed it (a task's priority does not reorder a loop's queue).
                Task(executorPreference: writer) { await self.drain() }
            }
        }
    }

    private func drain() async {
        if let prepare {
            self.prepare = nil
            do { try await prepare(database()) } catch { Logger(label: "tinhso.group-commit").warning("preparing the writer connection failed: \(error)") }
        }
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            // The actor is free while this awaits: the next batch gathers meanwhile.
            let outcomes = await Self.run(batch, on: database())
            for (item, outcome) in zip(batch, outcomes) { item.continuation.resume(with: outcome) }
        }
        draining = false
    }

    /// One transaction for the batch. Consecutive items of one `BatchableWrite` type are written by
    /// one call; if that call fails they are written again one by one, so only the bad one fails.
    private static func run(_ batch: [Pending], on database: any Database) async -> [Result<any Sendable, any Error>] {
        // The usual batch under load is one run of one type (message-log records, intakes). On the
        // loaded bench machine each statement's round trip took about 0.9 ms of a 9 ms log batch,
        // so such a run is written without a savepoint (two statements fewer), or, when it commits
        // itself, without a transaction (BEGIN and COMMIT fewer). If it fails, it is written again
        // below, item by item, each in a savepoint.
        let sameKind = batch[0].kind != nil && batch.allSatisfy { $0.kind == batch[0].kind }
        if sameKind, batch[0].commitsItself {
            let items = batch.map(\.item)
            let values = try? await $current.withValue(database) { try await batch[0].write(items, database) }
            if let values, values.count == batch.count {
                batch[0].committed?(items, values)
                return values.map { .success($0) }
            }
        }
        let oneRun = batch.count > 1 && sameKind && !batch[0].commitsItself
        // A batch that failed whole is then written one item at a time.
        let failedWhole = sameKind && (oneRun || batch[0].commitsItself)
        if oneRun {
            let values = try? await database.transaction { db in
                try await $current.withValue(db) { try await batch[0].write(batch.map(\.item), db) }
            }
            if let values, values.count == batch.count { return values.map { .success($0) } }
        }
        do {
            return try await database.transaction { db in
                guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "group commit needs an SQL database") }
                var outcomes: [Result<any Sendable, any Error>] = []
                var start = 0
                while start < batch.count {
                    let kind = batch[start].kind
                    var end = start + 1
                    while kind != nil, end < batch.count, batch[end].kind == kind { end += 1 }
                    let run = Array(batch[start..<end])
                    // A run that just failed whole is not tried whole again.
                    if !failedWhole, run.count > 1, case .success(let values) = try await attempt(run, in: db, sql) {
                        outcomes += values.map { .success($0) }
                    } else {
                        for item in run { outcomes.append(try await attempt([item], in: db, sql).map { $0[0] }) }
                    }
                    start = end
                }
                return outcomes
            }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// Writes `items` inside a savepoint, rolled back if they fail. Throws only when the
    /// transaction itself is unusable (the savepoint cannot be rolled back): the whole batch fails.
    private static func attempt(_ items: [Pending], in db: any Database, _ sql: any SQLDatabase) async throws -> Result<[any Sendable], any Error> {
        try await sql.raw("SAVEPOINT group_commit").run()
        do {
            let values = try await $current.withValue(db) { try await items[0].write(items.map(\.item), db) }
            guard values.count == items.count else {
                throw Abort(.internalServerError, reason: "batch write returned \(values.count) results for \(items.count) items")
            }
            try await sql.raw("RELEASE SAVEPOINT group_commit").run()
            return .success(values)
        } catch {
            try await sql.raw("ROLLBACK TO SAVEPOINT group_commit").run()
            try await sql.raw("RELEASE SAVEPOINT group_commit").run()
            return .failure(error)
        }
    }
}

/// A write many callers make at once that is cheaper written for all of them together (the intake
/// of new dossiers: one code reservation and one multi-row insert per table instead of one each).
public protocol BatchableWrite: Sendable {
    associatedtype Output: Sendable
    /// Writes every item, returning one output per item in order; throws if any cannot be written.
    static func write(_ batch: [Self], on db: any Database) async throws -> [Output]
    /// Whether `write` is one statement, which the database commits by itself (SQLite and
    /// PostgreSQL both do outside a transaction): a batch of only this kind is then written with
    /// no transaction around it. Should it fail, it is written again one item at a time, each in
    /// a savepoint of one transaction, as other kinds are.
    static var commitsItself: Bool { get }
    /// Called after a batch written on its own (`commitsItself`) is durable; not for one written in
    /// another write's transaction, nor one item at a time after a failure.
    static func committed(_ batch: [Self], _ outputs: [Output])
}

extension BatchableWrite {
    public static var commitsItself: Bool { false }
    public static func committed(_ batch: [Self], _ outputs: [Output]) {}
}

extension Application {
    private struct GroupCommitKey: StorageKey { typealias Value = GroupCommit }

    /// Every multi-statement write of the application (see `GroupCommit`). Set up by `configure`.
    public var groupCommit: GroupCommit {
        get {
            guard let g = storage[GroupCommitKey.self] else { fatalError("app.groupCommit used before configure set it") }
            return g
        }
        set { storage[GroupCommitKey.self] = newValue }
    }
}

extension DatabaseID {
    /// The connections `GroupCommit` writes on, apart from the ones requests read on.
    public static let groupCommit = DatabaseID(string: "group-commit")
}
