import Fluent
import Foundation
@testable import Indicators
import Kernel
import OneStop
import SQLKit
import Testing
import TestSupport
import Vapor

@Suite("Maintained aggregates equal a full recomputation")
struct AggregatePropertyTests {
    /// Random lifecycles: at random moments, a random legal action on a random dossier. After
    /// every few actions the facts and buckets maintained in the actions' transactions must equal
    /// what a recomputation from the dossiers gives, and the statistics of random periods must
    /// equal a scan of the facts.
    @Test(arguments: [11, 29, 766] as [UInt64])
    func randomLifecycles(seed: UInt64) async throws {
        try await withApp { app async throws in
            var rng = SeededRandom(seed: seed)
            let w = try await World(app)
            let sql = try #require(app.db as? any SQLDatabase)
            var clock = World.at(1, 4)
            var codes: [String] = []
            let actions: [DossierAction] = [.receive, .refuse, .startProcessing, .requestSupplement, .supplement, .propose, .approve,
                                            .returnResult, .requestWithdrawal, .stop, .rate, .apologize]
            var performed: [DossierAction] = []
            for step in 0..<90 {
                clock = clock.addingTimeInterval(TimeInterval(rng.next() % 43_200))
                if codes.count < 3 || rng.next() % 5 == 0 {
                    codes.append(try await w.submit(channel: rng.next() % 3 == 0 ? DossierChannel.direct : .online, at: clock))
                    continue
                }
                let code = codes[Int(rng.next() % UInt64(codes.count))]
                let status = try await DossierService.find(code, on: app.db).currentStatus
                // Steps forward are likelier than endings, as in life, so that dossiers get far.
                let weighted = actions.filter { Lifecycle.next(from: status, $0) != nil }.flatMap { a -> [DossierAction] in
                    Array(repeating: a, count: [.requestWithdrawal, .refuse].contains(a) ? 1 : [.apologize, .stop].contains(a) ? 2 : 6)
                }
                guard !weighted.isEmpty else { continue }
                let action = weighted[Int(rng.next() % UInt64(weighted.count))]
                var input = ActionInput()
                if action == .rate { input.rating = Int(rng.next() % 3) + 1 }
                if action == .apologize, let due = try await DossierService.find(code, on: app.db).dueAt { input.newDue = due.addingTimeInterval(4 * 86_400) }
                if action == .propose, rng.next() % 4 == 0 { input.proposal = .refuse }
                if action == .approve, rng.next() % 2 == 0 { try? await w.attachResult(code, at: clock) }
                do {
                    try await w.act(action, code, at: clock, input)
                    performed.append(action)
                } catch is OneStopError {
                    // Not allowed now (a step not open, the supplement window passed): a lifecycle's own rule.
                }
                if step % 15 == 14 { try await Self.expectConsistent(sql, seed: seed, step: step, rng: &rng) }
            }
            #expect(performed.count >= 15 && Set(performed).count >= 7, "seed \(seed): too few actions took effect: \(performed)")
            try await Self.expectConsistent(sql, seed: seed, step: 90, rng: &rng)
        }
    }

    /// An import derives facts from the dossiers in memory, without reading them back; they
    /// must be the facts the dossiers' rows give.
    @Test func importedFactsEqualARecomputation() async throws {
        try await withApp { app async throws in
            let year = try await SyntheticYear.make(app: app, year: 2026, now: app.clock.now())
            let importer = try await DossierImporter.make(app: app, agencyMap: [:])
            var records = try (0..<400).map { ($0 + 1, try year.record($0, seed: 3)) }
            // One submitted online and not received yet: a dossier without a fact.
            let online = try #require(records.firstIndex { $0.1.KenhThucHien == 2 })
            records[online].1.TrangThaiHoSo = 1
            (records[online].1.NgayTiepNhan, records[online].1.NgayHenTra, records[online].1.NgayKetThucXuLy) = (nil, nil, nil)
            (records[online].1.NgayTra, records[online].1.NgayTuChoi, records[online].1.MucDoHaiLong) = (nil, nil, nil)
            (records[online].1.QuaTrinhXuLy, records[online].1.DanhSachHoSoBoSung, records[online].1.DanhSachGiayToKetQua) = ([], [], [])
            let (prepared, problems) = await importer.prepare(records)
            #expect(problems.isEmpty, "\(problems.prefix(3))")
            // What the import makes ahead names every dossier of the batch, also the one without a
            // fact, so that the write queue takes it instead of making it again.
            let made = StatisticsMaintainer().appending(prepared)
            #expect(prepared.filter { FactDerivation.fact(of: $0) == nil }.count == 1)
            #expect(made.dossierIDs == prepared.compactMap(\.dossier.id))
            var report = ImportReport()
            var seen = Set<UInt64>()
            try await importer.store(prepared, seen: &seen, report: &report, app: app)
            #expect(report.imported == 400)
            let sql = try #require(app.db as? any SQLDatabase)
            // The bulk row names every column of the table.
            let fact = try #require(prepared.lazy.compactMap(FactDerivation.fact(of:)).first)
            let stored = try #require(try await sql.select().column("*").from(FactStore.table).limit(1).first())
            #expect(Set(fact.row.map(\.0)) == Set(stored.allColumns))
            var rng = SeededRandom(seed: 5)
            try await Self.expectConsistent(sql, seed: 0, step: 0, rng: &rng)
        }
    }

    /// `BucketsByKey` keeps every bucket when it rebuilds the tables, and upserts go on adding to
    /// them afterwards.
    @Test func bucketsSurviveTheirTablesRebuild() async throws {
        try await withApp { app async throws in
            let year = try await SyntheticYear.make(app: app, year: 2026, now: app.clock.now())
            let importer = try await DossierImporter.make(app: app, agencyMap: [:])
            let records = try (0..<300).map { ($0 + 1, try year.record($0, seed: 4)) }
            var report = ImportReport(), seen = Set<UInt64>()
            try await importer.store(await importer.prepare(Array(records[..<150])).0, seen: &seen, report: &report, app: app)
            let sql = try #require(app.db as? any SQLDatabase)
            let before = try await Aggregates.stored(on: sql)
            #expect(before.count > 100)
            try await BucketsByKey().prepare(on: app.db)
            #expect(try await Aggregates.stored(on: sql) == before)
            if sql.dialect.name == "sqlite" {
                struct Row: Decodable { var sql: String }
                let ddl = try await sql.raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('stat_buckets', 'stat_agency_buckets', 'stat_procedure_buckets')")
                    .all(decoding: Row.self)
                #expect(ddl.count == 3 && ddl.allSatisfy { $0.sql.contains("WITHOUT ROWID") })
            }
            try await importer.store(await importer.prepare(Array(records[150...])).0, seen: &seen, report: &report, app: app)
            #expect(report.imported == 300)
            var rng = SeededRandom(seed: 6)
            try await Self.expectConsistent(sql, seed: 0, step: 1, rng: &rng)
        }
    }

    static func expectConsistent(_ sql: any SQLDatabase, seed: UInt64, step: Int, rng: inout SeededRandom) async throws {
        let (facts, buckets) = try await Aggregates.recompute(on: sql)
        let stored = try await Aggregates.stored(on: sql)
        #expect(stored == buckets, "seed \(seed), step \(step): maintained buckets differ from a recomputation")
        let storedFacts = try await FactStore.load(facts.map(\.dossierID), on: sql)
        #expect(facts.allSatisfy { storedFacts[$0.dossierID] == $0 }, "seed \(seed), step \(step): a stored fact is stale")
        let first = VietnamTime.dayNumber(year: 2026, month: 11, day: 1)
        for _ in 0..<4 {
            let a = first + Int(rng.next() % 200), b = a + Int(rng.next() % 120)
            let period = Period(first: a, last: b, label: "random")
            let fast = try await StatisticsTable.load(period, filter: StatisticsFilter(), on: sql).total
            let slow = try await StatisticsTable.scan(period, filter: StatisticsFilter(), on: sql).total
            #expect(fast == slow, "seed \(seed), step \(step), period \(VietnamTime.isoDay(a))…\(VietnamTime.isoDay(b))")
        }
    }
}
