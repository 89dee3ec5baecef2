import Fluent
import Foundation
import Kernel
import NIOConcurrencyHelpers
import OneStop
import SQLKit
import Vapor

/// The statistics during an import run (`ObserverRun`): each batch writes its dossiers' facts,
/// and their bucket sums wait in memory, summed over the batches, until the run ends or they
/// hold `catchUpAt` buckets (decision 0020). The buckets are then short of the run's dossiers
/// until it has caught up; the sums are additive, so a change to an imported dossier meanwhile
/// (its old contribution taken away first) still comes out right.
///
/// The run is marked in `stat_runs` from its start to its end. A mark that has not been renewed
/// for `cutOffAfter` was left by a run cut off (killed, a crash): its committed facts have no
/// buckets, so the next run, or the server's start, rebuilds the aggregates from the dossiers.
final class StatisticsRun: ObserverRun {
    static let table = "stat_runs"
    /// A batch takes seconds; a run whose mark is older than this is gone.
    static let cutOffAfter: TimeInterval = 15 * 60
    /// About 150 MB of sums; a year of 400,000 dossiers makes some 1.2 million buckets. A task
    /// value, so that a test can make a run catch up every few batches.
    @TaskLocal static var catchUpAt = 500_000

    let id = UUID()
    private let sums = NIOLockedValueBox<[Aggregates.Key: Counters]>([:])

    /// Marks are dated by the machine's clock, not the application's: they measure time elapsed.
    static func begin(on db: any Database) async throws -> StatisticsRun {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
        try await repairCutOff(on: sql, logger: db.logger)
        let run = StatisticsRun()
        try await sql.insert(into: table).columns("id", "started_at", "seen_at").values(SQLBind(run.id), SQLBind(Date()), SQLBind(Date())).run()
        return run
    }

    func created(_ dossiers: [NewDossier], prepared: (any Sendable)?, on db: any Database) async throws -> any Sendable {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
        let ids = dossiers.compactMap(\.dossier.id)
        let made = (prepared as? Aggregates.Appending).flatMap { $0.dossierIDs == ids ? $0 : nil } ?? StatisticsMaintainer().appending(dossiers)
        try await made.facts.insert(on: sql)
        try await renew(on: sql)
        return made.deltas
    }

    /// Renews the run's mark. When it is gone, a repair took the run for cut off and rebuilt the
    /// aggregates since the last batch committed: that rebuild counted every dossier whose sums
    /// are held back, so they are dropped, and the mark is made again.
    private func renew(on sql: any SQLDatabase) async throws {
        let renewed = try await sql.raw("UPDATE \(ident: Self.table) SET seen_at = \(bind: Date()) WHERE id = \(bind: id) RETURNING id").all()
        guard renewed.isEmpty else { return }
        sql.logger.warning("The statistics were rebuilt during this import: what it held back was counted there")
        sums.withLockedValue { $0 = [:] }
        try await sql.insert(into: Self.table).columns("id", "started_at", "seen_at").values(SQLBind(id), SQLBind(Date()), SQLBind(Date())).run()
    }

    func committed(_ heldBack: any Sendable) -> Bool {
        guard let deltas = heldBack as? Aggregates.SortedDeltas else { return false }
        return sums.withLockedValue { sums in
            for (_, rows) in deltas.byScope {
                for (key, counters) in rows { sums[key, default: Counters()].add(counters) }
            }
            return sums.count >= Self.catchUpAt
        }
    }

    func catchUp(ending: Bool, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
        try await renew(on: sql)
        try await Aggregates.apply(sums.withLockedValue { $0 }, on: sql)
        if ending { try await sql.delete(from: Self.table).where("id", .equal, SQLBind(id)).run() }
    }

    func caughtUp() { sums.withLockedValue { $0 = [:] } }

    /// Rebuilds the aggregates when a run was cut off, unless a run is under way (its sums, still
    /// held back, would then count twice); returns whether it did.
    @discardableResult
    static func repairCutOff(on sql: any SQLDatabase, logger: Logger) async throws -> Bool {
        let (underWay, cutOff) = try await marks(on: sql)
        guard !cutOff.isEmpty else { return false }
        guard underWay.isEmpty else {
            logger.warning("An import was cut off and another is running: its statistics are repaired at the next start or import after that one, or by `tinhso statistics rebuild`")
            return false
        }
        logger.warning("An import was cut off before its statistics were complete: rebuilding them from the dossiers")
        try await Aggregates.rebuild(on: sql)
        try await sql.delete(from: table).where("id", .in, cutOff).run()
        return true
    }

    /// The runs' marks: those renewed within `cutOffAfter`, and the others.
    static func marks(on sql: any SQLDatabase, now: Date = Date()) async throws -> (underWay: [UUID], cutOff: [UUID]) {
        struct Mark: Decodable { var id: UUID; var seen_at: Date }
        let marks = try await sql.select().columns("id", "seen_at").from(table).all(decoding: Mark.self)
        let fresh = marks.filter { now.timeIntervalSince($0.seen_at) <= cutOffAfter }
        return (fresh.map(\.id), marks.filter { now.timeIntervalSince($0.seen_at) > cutOffAfter }.map(\.id))
    }

    /// Deletes the marks of runs cut off, once the aggregates have been rebuilt.
    static func forgetCutOff(on sql: any SQLDatabase, now: Date = Date()) async throws {
        try await sql.delete(from: table).where("seen_at", .lessThan, SQLBind(now.addingTimeInterval(-cutOffAfter))).run()
    }
}
