import Fluent
import Foundation
@testable import Indicators
import Kernel
@testable import OneStop
import SQLKit
import Testing
import TestSupport
import Vapor

/// During an import run the statistics' bucket sums are held back and added when the run catches
/// up (`StatisticsRun`, decision 0020); a run cut off is repaired by rebuilding.
@Suite("Import runs hold the bucket sums back")
struct StatisticsRunTests {
    static func records(_ app: Application, _ range: Range<Int>, seed: UInt64) async throws -> [(Int, NationalDossierPayload)] {
        let year = try await SyntheticYear.make(app: app, year: 2026, now: app.clock.now())
        return try range.map { ($0 + 1, try year.record($0, seed: seed)) }
    }

    static func marks(_ sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(StatisticsRun.table).first()?.decode(column: "n", as: Int.self) ?? -1
    }

    /// Writes `records` as one batch of `runs`, as `DossierImporter.run` does.
    static func write(_ records: [(Int, NationalDossierPayload)], runs: ObserverRuns, app: Application) async throws {
        let importer = try await DossierImporter.make(app: app, agencyMap: [:])
        let (prepared, problems) = await importer.prepare(records)
        #expect(problems.isEmpty, "\(problems.prefix(3))")
        let (existing, due) = try await importer.write(await DossierImporter.Batch.make(prepared, app: app), runs: runs, app: app)
        #expect(existing.isEmpty && !due)
    }

    /// A run begun and given one batch of 100 dossiers, then left: its mark made an hour old.
    static func runLeftAfterOneBatch(_ app: Application, seed: UInt64) async throws -> ObserverRuns {
        let runs = try await app.groupCommit.transaction { db in try await ObserverRuns.begin(app.dossierObservers, on: db) }
        let run = try #require(runs.runs.lazy.compactMap { $0 as? StatisticsRun }.first)
        try await write(try await records(app, 0..<100, seed: seed), runs: runs, app: app)
        let sql = try #require(app.db as? any SQLDatabase)
        try await sql.update(StatisticsRun.table).set("seen_at", to: Date().addingTimeInterval(-3600)).where("id", .equal, run.id).run()
        return runs
    }

    /// The facts go in with their batch, the buckets only when the run catches up. A dossier
    /// changed in between (its old contribution taken away before it was added) comes out right.
    @Test func bucketsWaitForTheEndOfTheRun() async throws {
        try await withApp { app async throws in
            let sql = try #require(app.db as? any SQLDatabase)
            let before = try await Aggregates.stored(on: sql)
            let runs = try await app.groupCommit.transaction { db in try await ObserverRuns.begin(app.dossierObservers, on: db) }
            #expect(try await Self.marks(sql) == 1)
            try await Self.write(try await Self.records(app, 0..<120, seed: 8), runs: runs, app: app)
            try await Self.write(try await Self.records(app, 120..<240, seed: 8), runs: runs, app: app)
            #expect(try await Aggregates.stored(on: sql) == before, "the buckets were written before the run caught up")
            let facts = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(FactStore.table).first()?.decode(column: "n", as: Int.self)
            #expect((facts ?? 0) >= 200)

            struct Row: Decodable { var id: UUID; var rating: Int? }
            let returned = try #require(try await sql.select().columns("id", "rating").from(Dossier.schema)
                .where("source", .equal, "import").where("status", .equal, DossierStatus.returned.rawValue).first(decoding: Row.self))
            let factBefore = try await FactStore.load([returned.id], on: sql)[returned.id]
            try await app.groupCommit.transaction { db in
                try await (db as! any SQLDatabase).update(Dossier.schema).set("rating", to: returned.rating == 1 ? 3 : 1).where("id", .equal, returned.id).run()
                try await StatisticsMaintainer().dossiersChanged([returned.id], on: db)
            }
            #expect(try await FactStore.load([returned.id], on: sql)[returned.id] != factBefore, "the change did not reach the fact")

            try await DossierImporter.catchUp(runs, ending: true, app: app)
            #expect(try await Self.marks(sql) == 0)
            var rng = SeededRandom(seed: 9)
            try await AggregatePropertyTests.expectConsistent(sql, seed: 8, step: 0, rng: &rng)
        }
    }

    /// A whole run through `DossierImporter.run`, catching up every few batches along the way.
    @Test func aRunThatCatchesUpOnTheWay() async throws {
        try await withApp { app async throws in
            let encoder = JSONEncoder.national
            var data = Data()
            for (_, r) in try await Self.records(app, 0..<300, seed: 10) { data.append(try encoder.encode(r)); data.append(0x0A) }
            let path = NSTemporaryDirectory() + "run-\(UUID().uuidString).jsonl"
            try data.write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let importer = try await DossierImporter.make(app: app, agencyMap: [:])
            let report = try await StatisticsRun.$catchUpAt.withValue(400) { try await importer.run(path: path, app: app, batchSize: 40) }
            #expect(report.imported == 300 && report.problems.isEmpty)
            let sql = try #require(app.db as? any SQLDatabase)
            #expect(try await Self.marks(sql) == 0)
            var rng = SeededRandom(seed: 11)
            try await AggregatePropertyTests.expectConsistent(sql, seed: 10, step: 0, rng: &rng)
        }
    }

    /// A batch that fails inside a run rolls back with the sums its first part had handed back:
    /// they are never added. The one-by-one retry writes the others, names the bad line, and the
    /// buckets come out equal to a recomputation (the first part's dossiers counted once).
    @Test func aBatchThatFailsInARunHoldsNothingOfItsOwnBack() async throws {
        try await withApp { app async throws in
            let sql = try #require(app.db as? any SQLDatabase)
            let importer = try await DossierImporter.make(app: app, agencyMap: [:])
            let (prepared, problems) = await importer.prepare(try await Self.records(app, 0..<400, seed: 16))
            #expect(problems.isEmpty, "\(problems.prefix(3))")
            // The second part's last dossier repeats a step number of its trail: its insert fails
            // after the first part's rows and sums were made in the same transaction.
            let bad = try #require(prepared.last(where: { $0.events.count > 1 }))
            bad.events[1].seq = bad.events[0].seq
            #expect(try #require(prepared.firstIndex { $0.dossier.code == bad.dossier.code }) >= 200)
            let observers = app.dossierObservers
            func part(_ some: ArraySlice<NewDossier>) -> DossierImporter.Batch.Part {
                let some = Array(some)
                return .init(dossiers: some, rows: DossierImporter.rows(of: some, asCopyText: app.writesPostgreSQL), observed: observers.prepare(created: some))
            }
            let batch = DossierImporter.Batch(parts: [part(prepared[..<200]), part(prepared[200...])])
            let runs = try await app.groupCommit.transaction { db in try await ObserverRuns.begin(observers, on: db) }
            var report = ImportReport()
            try await importer.store(batch, runs: runs, report: &report, app: app)
            #expect(report.imported == 399)
            #expect(report.problems.map(\.line) == [bad.line])
            try await DossierImporter.catchUp(runs, ending: true, app: app)
            #expect(try await Self.marks(sql) == 0)
            var rng = SeededRandom(seed: 17)
            try await AggregatePropertyTests.expectConsistent(sql, seed: 16, step: 0, rng: &rng)
        }
    }

    /// A run cut off leaves facts without buckets and its mark: the server's start (or the next
    /// run's) rebuilds the aggregates, but not while another run is under way (its held-back
    /// sums would count twice).
    @Test func aRunCutOffIsRepaired() async throws {
        try await withApp { app async throws in
            let sql = try #require(app.db as? any SQLDatabase)
            // Killed after its first batch, while another run goes on.
            _ = try await Self.runLeftAfterOneBatch(app, seed: 12)
            let other = StatisticsRun()
            try await sql.insert(into: StatisticsRun.table).columns("id", "started_at", "seen_at").values(SQLBind(other.id), SQLBind(Date()), SQLBind(Date())).run()
            let cutOff = try await Aggregates.stored(on: sql)

            try await Indicators.repairAfterCutOffImports(app)
            #expect(try await Aggregates.stored(on: sql) == cutOff, "rebuilt while another run was under way")
            #expect(try await Self.marks(sql) == 2)

            try await app.groupCommit.transaction { db in try await other.catchUp(ending: true, on: db) }
            try await Indicators.repairAfterCutOffImports(app)
            #expect(try await Self.marks(sql) == 0)
            #expect(try await Aggregates.stored(on: sql) != cutOff)
            var rng = SeededRandom(seed: 13)
            try await AggregatePropertyTests.expectConsistent(sql, seed: 12, step: 0, rng: &rng)
        }
    }

    /// A live run taken for cut off (its mark aged, say by a stopped clock): the repair rebuilds
    /// the aggregates and removes its mark. The run's next batch finds the mark gone and drops
    /// what it held back, which the rebuild counted; nothing counts twice.
    @Test func aRunTakenForCutOffDropsWhatTheRebuildCounted() async throws {
        try await withApp { app async throws in
            let sql = try #require(app.db as? any SQLDatabase)
            let runs = try await Self.runLeftAfterOneBatch(app, seed: 14)
            try await Indicators.repairAfterCutOffImports(app)
            #expect(try await Self.marks(sql) == 0)
            try await Self.write(try await Self.records(app, 100..<200, seed: 14), runs: runs, app: app)
            #expect(try await Self.marks(sql) == 1)
            try await DossierImporter.catchUp(runs, ending: true, app: app)
            #expect(try await Self.marks(sql) == 0)
            var rng = SeededRandom(seed: 15)
            try await AggregatePropertyTests.expectConsistent(sql, seed: 14, step: 0, rng: &rng)
        }
    }
}
