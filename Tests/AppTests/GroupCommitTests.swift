import App
import Fluent
import Foundation
import Kernel
import NIOConcurrencyHelpers
import SQLKit
import Testing
import TestSupport
import Vapor

/// A batchable write of one row into a scratch table (unique `key`), counting how it was called.
struct ScratchRow: BatchableWrite {
    static let calls = Calls()
    let key: String

    static func write(_ batch: [ScratchRow], on db: any Database) async throws -> [String] {
        calls.record(batch.count)
        let insert = (db as! any SQLDatabase).insert(into: "scratch_rows").columns("key")
        for row in batch { insert.values(SQLBind(row.key)) }
        try await insert.run()
        return batch.map(\.key)
    }

    final class Calls: Sendable {
        private let sizes = NIOLockedValueBox<[Int]>([])
        func record(_ n: Int) { sizes.withLockedValue { $0.append(n) } }
        var all: [Int] { sizes.withLockedValue { $0 } }
        func reset() { sizes.withLockedValue { $0 = [] } }
    }
}

/// The same row as one statement that commits itself (as the message log's batches are).
struct LoneStatementRow: BatchableWrite {
    static let calls = ScratchRow.Calls()
    static let committedBatches = ScratchRow.Calls()
    static var commitsItself: Bool { true }
    let key: String

    static func write(_ batch: [LoneStatementRow], on db: any Database) async throws -> [String] {
        calls.record(batch.count)
        return try await ScratchRow.write(batch.map { ScratchRow(key: $0.key) }, on: db)
    }

    static func committed(_ batch: [LoneStatementRow], _ outputs: [String]) { committedBatches.record(outputs.count) }
}

struct Refused: Error {}

/// A write that notes where its batch ran: on the writer's thread or not, before and after a
/// statement. One that commits itself, as the message log's: a transaction's body runs in a task
/// of Fluent's own (`makeFutureWithTask`), which does not keep the writer's executor.
struct WhereWritten: BatchableWrite {
    static let seen = NIOLockedValueBox<[Bool]>([])
    static var commitsItself: Bool { true }
    let writer: WriterThread

    static func write(_ batch: [WhereWritten], on db: any Database) async throws -> [Int] {
        let loop = batch[0].writer.loop
        seen.withLockedValue { $0.append(loop.inEventLoop) }
        _ = try await (db as! any SQLDatabase).raw("SELECT 1 AS one").all()
        seen.withLockedValue { $0.append(loop.inEventLoop && db.eventLoop.inEventLoop) }
        return batch.map { _ in 1 }
    }
}

@Suite("Group commit: concurrent writes share a commit and fail alone", .serialized)
struct GroupCommitTests {
    static func scratchTable(_ app: Application) async throws {
        try await (app.db as! any SQLDatabase).raw("CREATE TABLE scratch_rows (key VARCHAR(40) PRIMARY KEY)").run()
    }

    static func keys(_ app: Application) async throws -> Set<String> {
        struct Row: Decodable { var key: String }
        return Set(try await (app.db as! any SQLDatabase).select().column("key").from("scratch_rows").all(decoding: Row.self).map(\.key))
    }

    /// Writes `items` as one batch: the queue is held with a transaction until they all wait
    /// behind it (waiting on the queue, not on a clock: CI machines stall).
    static func gathered<W: BatchableWrite>(_ items: [W], _ app: Application) async throws -> [Result<W.Output, any Error>] {
        let released = NIOLockedValueBox(false)
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let gate = Task {
            try await app.groupCommit.transaction { _ in
                signal.yield()
                while !released.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            }
        }
        for await _ in started { break }
        let results = await withTaskGroup(of: Result<W.Output, any Error>.self) { group in
            for item in items {
                group.addTask {
                    do { return .success(try await app.groupCommit.write(item)) } catch { return .failure(error) }
                }
            }
            let deadline = Date().addingTimeInterval(60)
            while await app.groupCommit.waiting < items.count, Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
            released.withLockedValue { $0 = true }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try await gate.value
        return results
    }

    @Test func aBatchThatCommitsItselfGoesAloneAndIsToldOnlyWhenItWasWrittenWhole() async throws {
        try await withApp { app async throws in
            try await Self.scratchTable(app)
            LoneStatementRow.calls.reset()
            LoneStatementRow.committedBatches.reset()
            let whole = try await Self.gathered((0..<10).map { LoneStatementRow(key: "w\($0)") }, app)
            #expect(whole.allSatisfy { if case .success = $0 { true } else { false } })
            #expect(LoneStatementRow.calls.all == [10] && LoneStatementRow.committedBatches.all == [10])
            // A duplicate fails the lone statement, so nothing of it is written, and the rows go
            // again one by one in a transaction: all but the duplicate, and no `committed`.
            LoneStatementRow.calls.reset()
            LoneStatementRow.committedBatches.reset()
            let keys = (0..<10).map { $0 == 4 ? "w2" : "d\($0)" }
            let results = try await Self.gathered(keys.map(LoneStatementRow.init), app)
            #expect(results.filter { if case .success = $0 { true } else { false } }.count == 9)
            #expect(LoneStatementRow.calls.all.first == 10 && LoneStatementRow.calls.all.dropFirst().allSatisfy { $0 == 1 })
            #expect(LoneStatementRow.committedBatches.all.isEmpty)
            #expect(try await Self.keys(app) == Set((0..<10).map { "w\($0)" } + (0..<10).filter { $0 != 4 }.map { "d\($0)" }))
        }
    }

    @Test func aFailingTransactionLeavesTheOthersOfItsBatchCommitted() async throws {
        try await withApp { app async throws in
            try await Self.scratchTable(app)
            let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
                for i in 0..<40 {
                    group.addTask {
                        do {
                            try await app.groupCommit.transaction { db in
                                try await (db as! any SQLDatabase).insert(into: "scratch_rows").columns("key").values(SQLBind("t\(i)")).run()
                                if i % 5 == 0 { throw Refused() }  // after its insert: the rollback must undo it
                            }
                            return (i, true)
                        } catch is Refused {
                            return (i, false)
                        } catch {
                            Issue.record("unexpected \(error)")
                            return (i, false)
                        }
                    }
                }
                return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes.count == 40)
            #expect(outcomes.filter { $0.value }.count == 32)
            #expect(try await Self.keys(app) == Set((0..<40).filter { $0 % 5 != 0 }.map { "t\($0)" }))
        }
    }

    @Test func batchableWritesAreWrittenTogetherAndABadOneIsRetriedAlone() async throws {
        try await withApp { app async throws in
            try await Self.scratchTable(app)
            ScratchRow.calls.reset()
            let keys = (0..<20).map { $0 == 7 ? "b3" : "b\($0)" }  // b3 twice: one of the two must fail
            let results = try await Self.gathered(keys.map(ScratchRow.init), app)
            #expect(results.filter { if case .success = $0 { true } else { false } }.count == 19)
            #expect(try await Self.keys(app) == Set((0..<20).filter { $0 != 7 }.map { "b\($0)" }))
            // One combined call that failed on the duplicate, then one call per row.
            let calls = ScratchRow.calls.all
            #expect(calls.contains { $0 > 1 })
            #expect(calls.filter { $0 == 1 }.count >= 20)
        }
    }

    @Test func batchesAreWrittenOnTheWritersOwnThreadAndConnection() async throws {
        try await withApp { app async throws in
            let writer = app.groupCommit.writer
            WhereWritten.seen.withLockedValue { $0 = [] }
            // Written from a task of the caller's, which is not on the writer's thread.
            #expect(!writer.loop.inEventLoop)
            let results = try await Self.gathered((0..<5).map { _ in WhereWritten(writer: writer) }, app)
            #expect(results.allSatisfy { if case .success = $0 { true } else { false } })
            let seen = WhereWritten.seen.withLockedValue { $0 }
            #expect(!seen.isEmpty && seen.allSatisfy { $0 })
        }
    }

    @Test(.timeLimit(.minutes(1))) func aWriteStartedInsideAWriteJoinsIt() async throws {
        try await withApp { app async throws in
            try await Self.scratchTable(app)
            try await app.groupCommit.transaction { db in
                try await (db as! any SQLDatabase).insert(into: "scratch_rows").columns("key").values(SQLBind("outer")).run()
                // Queued behind its own batch this would wait forever; it joins the running transaction instead.
                _ = try await app.groupCommit.write(ScratchRow(key: "inner"))
            }
            #expect(try await Self.keys(app) == ["outer", "inner"])
        }
    }
}
