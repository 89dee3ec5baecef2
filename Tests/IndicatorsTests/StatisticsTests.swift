import Fluent
import Foundation
@testable import Indicators
import Kernel
import OneStop
import SQLKit
import Testing
import TestSupport
import Vapor

@Suite("Statistics: a small world counted by hand")
struct StatisticsTests {
    static let march = Period(first: VietnamTime.dayNumber(year: 2027, month: 3, day: 1), last: VietnamTime.dayNumber(year: 2027, month: 3, day: 31), label: "2027-03")

    /// Eight dossiers of one procedure around March 2027, each with a fate chosen to exercise one rule.
    static func buildMarch(_ w: World) async throws -> [String: String] {
        var codes: [String: String] = [:]
        // E: received in February, withdrawn in March before its due date: carried over, ended early.
        let e = try await w.submit(channel: .online, at: World.at(2, 26))
        try await w.act(.receive, e, at: World.at(2, 26, 9, 10))
        #expect(try await w.due(e) > World.at(3, 2))
        try await w.act(.requestWithdrawal, e, at: World.at(3, 1, 8))
        codes["E"] = e

        // A: entered at the counter, decided the same day (early), returned the next day.
        let a = try await w.submit(channel: .direct, at: World.at(3, 1))
        try await w.act(.startProcessing, a, at: World.at(3, 1, 9, 5))
        try await w.act(.propose, a, at: World.at(3, 1, 10))
        try await w.act(.approve, a, at: World.at(3, 1, 10, 30))
        try await w.act(.returnResult, a, at: World.at(3, 2, 8))
        codes["A"] = a

        // B: one supplement (the period restarts), an electronic result, decided on its due day: on time; returned, rated.
        let b = try await w.inProcessing(submittedAt: World.at(3, 1))
        try await w.act(.requestSupplement, b, at: World.at(3, 2))
        try await w.act(.supplement, b, at: World.at(3, 3))
        let bDue = try await w.due(b)
        try await w.attachResult(b, at: bDue.addingTimeInterval(-7200))
        try await w.act(.propose, b, at: bDue.addingTimeInterval(-5400))
        try await w.act(.approve, b, at: bDue.addingTimeInterval(-3600))
        try await w.act(.returnResult, b, at: World.at(3, 9, 10))
        try await w.act(.rate, b, at: World.at(3, 9, 11), ActionInput(rating: 3))
        codes["B"] = b

        // C: an apology with a new date, decided after the first date: late all the same.
        let c = try await w.inProcessing(submittedAt: World.at(3, 1))
        let cDue = try await w.due(c)
        try await w.act(.apologize, c, at: cDue.addingTimeInterval(-7200), ActionInput(comment: "Chờ xác minh", newDue: cDue.addingTimeInterval(5 * 86_400)))
        try await w.act(.propose, c, at: cDue.addingTimeInterval(2 * 86_400))
        try await w.act(.approve, c, at: cDue.addingTimeInterval(2 * 86_400 + 600))
        codes["C"] = c

        // D: a second supplement request: late, and still waiting at the end of March.
        let d = try await w.inProcessing(submittedAt: World.at(3, 1))
        try await w.act(.requestSupplement, d, at: World.at(3, 2))
        try await w.act(.supplement, d, at: World.at(3, 3))
        try await w.act(.requestSupplement, d, at: World.at(3, 4))
        codes["D"] = d

        // F: refused at receipt: never counted as received.
        let f = try await w.submit(channel: .online, at: World.at(3, 5))
        try await w.act(.refuse, f, at: World.at(3, 5, 10))
        codes["F"] = f

        // H: received early in March and left alone: overdue at the end of the month.
        let h = try await w.inProcessing(submittedAt: World.at(3, 2))
        codes["H"] = h

        // G: received on 30 March: open and not yet due at the end of the month.
        let g = try await w.submit(channel: .online, at: World.at(3, 30))
        try await w.act(.receive, g, at: World.at(3, 30, 9, 10))
        codes["G"] = g

        // After March, so nothing of April may leak into March's figures (but G, granted without an
        // electronic result, is no longer counted as full-online nor digitised: flags are as known now).
        try await w.act(.startProcessing, g, at: World.at(4, 1))
        try await w.act(.propose, g, at: World.at(4, 1, 10))
        try await w.act(.approve, g, at: World.at(4, 1, 11))
        w.set(World.at(4, 20))
        return codes
    }

    /// The March world built, and its statistics for the world's procedure.
    static func marchOfTheProcedure(_ app: Application) async throws -> (sql: any SQLDatabase, filter: StatisticsFilter, total: Statistics) {
        _ = try await Self.buildMarch(try await World(app))
        let sql = try #require(app.db as? any SQLDatabase)
        let filter = StatisticsFilter(procedureCode: World.procedure)
        return (sql, filter, try await StatisticsTable.load(Self.march, filter: filter, on: sql).total)
    }

    @Test func everyFigureOfMarchMatchesTheHandCount() async throws {
        try await withApp { app async throws in
            let (sql, filter, s) = try await Self.marchOfTheProcedure(app)
            let expected: [Figure: Int64] = [
                .carriedOver: 1, .received: 6, .receivedDirect: 1, .receivedOnline: 5, .receivedPostal: 0, .notReceived: 1,
                .ended: 4, .early: 2, .onTime: 1, .late: 1, .inTime: 3, .granted: 3, .refused: 0, .stopped: 0, .withdrawn: 1, .returned: 2,
                .open: 3, .openLate: 2, .openOnTime: 1, .waiting: 1, .lateOrOverdue: 3,
                .onlineFull: 3, .withFees: 0, .paidOnline: 0, .electronicResult: 1, .digitised: 3, .reused: 0, .personalStore: 1,
                .vneid: 0, .unsatisfied: 0,
            ]
            for figure in Figure.allCases {
                #expect(figure.value(s) == expected[figure], "\(figure.rawValue): \(figure.value(s)) ≠ \(expected[figure] ?? -1)")
            }
            #expect(s.flow(.ratedVerySatisfied) == 1 && s.ratings == 1)
            // Carried over + received = ended + open at the end.
            #expect(s.carriedOver + s.received == s.ended + s.openAtEnd)

            // The scan of every fact agrees, and every figure's drill-down lists exactly as many dossiers.
            #expect(try await StatisticsTable.scan(Self.march, filter: filter, on: sql).total == s)
            for figure in Figure.allCases {
                let listed = try await Figure.dossiers(figure, period: Self.march, filter: filter, page: 1, perPage: 100, on: sql)
                #expect(Int64(listed.total) == figure.value(s), "drill-down of \(figure.rawValue)")
                #expect(listed.facts.count == listed.total)
            }
            // The dossiers that cost 766 points: the rest of each indicator's denominator.
            let notDigitised = try await Figure.dossiers(.digitised, negated: true, period: Self.march, filter: filter, page: 1, perPage: 100, on: sql)
            #expect(notDigitised.total == 3 && notDigitised.facts.allSatisfy { !$0.digitised })
            let noResult = try await Figure.dossiers(.electronicResult, negated: true, period: Self.march, filter: filter, page: 1, perPage: 100, on: sql)
            #expect(noResult.total == 2)
            let page2 = try await Figure.dossiers(.received, period: Self.march, filter: filter, page: 2, perPage: 4, on: sql)
            #expect(page2.total == 6 && page2.facts.count == 2)
        }
    }

    @Test func averageProcessingTimeLeavesOutTheSupplementPause() async throws {
        try await withApp { app async throws in
            let w = try await World(app)
            let codes = try await Self.buildMarch(w)
            let sql = try #require(app.db as? any SQLDatabase)
            let facts = try await FactStore.load(try await codes.values.asyncMap { try await DossierService.find($0, on: app.db).requireID() }, on: sql)
            let byCode = Dictionary(uniqueKeysWithValues: facts.values.map { ($0.code, $0) })
            let a = try #require(byCode[codes["A"]!]), b = try #require(byCode[codes["B"]!])
            #expect(a.processingSeconds == 5400)  // 09:00 → 10:30
            let bDue = try await w.due(codes["B"]!)
            // 09:10 on 1 March to an hour before the due date, less the day waiting for the supplement.
            #expect(b.processingSeconds == Int64(bDue.addingTimeInterval(-3600).timeIntervalSince(World.at(3, 1, 9, 10)) - 86_400))
            #expect(b.supplementEpisodes.count == 1 && b.timeliness == .onTime)
            #expect(byCode[codes["D"]!]?.lateSinceDay == VietnamTime.dayNumber(year: 2027, month: 3, day: 4))
            #expect(byCode[codes["F"]!]?.receivedDay == nil && byCode[codes["F"]!]?.notReceivedDay != nil)
        }
    }

    @Test func theServiceIndexOfMarch() async throws {
        try await withApp { app async throws in
            let w = try await World(app)
            _ = try await Self.buildMarch(w)
            let api = TestClient(app)
            let r = try await api.get("/api/v1/indicators/766?from=2027-03-01&to=2027-03-31&procedure=\(World.procedure)")
            #expect(r.status == .ok, "\(r.body)")
            let dto = try r.decode(ServiceIndexDTO.self)
            let byID = Dictionary(uniqueKeysWithValues: dto.indicators.map { ($0.id, $0) })
            // 2.1: (3 ended on time + 1 open within its time) / (4 ended + 3 open).
            #expect(byID["2.1"]?.numerator == 4 && byID["2.1"]?.denominator == 7)
            #expect(byID["2.1"]?.points == 11.43)
            // Toàn trình: 3 of the 6 received (B, D, H); 12 points × 1/2.
            #expect(byID["3.3"]?.rate == 0.5 && byID["3.3"]?.points == 6)
            // Electronic results: 1 of 3 granted.
            #expect(byID["4.1"]?.points == 2)
            // Digitised 3 of 6 against a target of 80 %: 4 × 0.5 / 0.8.
            #expect(byID["4.2"]?.points == 2.5)
            #expect(byID["4.3"]?.points == 0 && byID["4.3"]?.rate == 0)
            // 5.4: 100 % − (1 late of 4 ended + 0 dissatisfied) = 75 % against 90 %.
            #expect(byID["5.4"]?.rate == 0.75 && byID["5.4"]?.points == 5)
            // Unmeasured indicators say why and earn nothing.
            #expect(byID["5.2"]?.unmeasured != nil && byID["5.2"]?.points == 0)
            #expect(dto.groups.map(\.maxPoints).reduce(0, +) == 100)
            #expect(abs(dto.total - dto.indicators.map(\.points).reduce(0, +)) < 0.01)
        }
    }

    @Test func theTT01ScoresOfMarch() async throws {
        try await withApp { app async throws in
            let w = try await World(app)
            _ = try await Self.buildMarch(w)
            let r = try await TestClient(app).get("/api/v1/indicators/tt01-2018?period=2027-03&procedure=\(World.procedure)")
            #expect(r.status == .ok, "\(r.body)")
            let score = try #require(try r.decode(UnitScoresDTO.self).score)
            // Four dossiers ended: A and E early, B on time after one supplement, C late; B, C and E were online.
            #expect(score.dossiers == 4)
            #expect(score.indices.map(\.score) == [1.3, 1.3, 1.8, 1.8, 2, 2, 1.3, 2, 1])
            #expect(score.total == 14.5 && score.grade == .good)
        }
    }

    @Test func dailySnapshotsFillTheirHistoryOnce() async throws {
        try await withApp { app async throws in
            let w = try await World(app)
            _ = try await Self.buildMarch(w)
            let now = World.at(4, 20)
            #expect(try await IndexSnapshots.runOnce(app: app, now: now) == IndexSnapshots.backfillDays)
            #expect(try await IndexSnapshots.runOnce(app: app, now: now) == 0)
            #expect(try await IndexSnapshots.runOnce(app: app, now: now.addingTimeInterval(86_400)) == 1)
            let sql = try #require(app.db as? any SQLDatabase)
            let today = VietnamTime.dayNumber(now)
            let history = try await IndexSnapshots.history(agency: nil, in: 0...(today + 10), on: sql)
            #expect(history.count == IndexSnapshots.backfillDays + 1)
            // The snapshot of 20 April is the index of the year to that day; the trend is the period's last 90 days.
            app.clock = TestClock(now)
            let api = try await TestClient(app).get("/api/v1/indicators/766?from=2027-01-01&to=2027-04-20")
            let dto = try api.decode(ServiceIndexDTO.self)
            #expect(history.first { $0.day == today }?.total == dto.total)
            #expect(dto.history.count == history.filter { $0.day >= today - 89 && $0.day <= today }.count && !dto.history.isEmpty)
            let january = try await TestClient(app).get("/api/v1/indicators/766?period=2027-01").decode(ServiceIndexDTO.self)
            #expect(january.history.allSatisfy { $0.date.hasPrefix("2027-01") })
            // Days whose figures changed (an import of old dossiers) are taken again from the aggregates.
            try await sql.update(IndexSnapshots.table).set("total", to: SQLBind(2.0)).run()
            #expect(try await IndexSnapshots.retake(app: app, now: now) == IndexSnapshots.backfillDays)
            let retaken = try await IndexSnapshots.history(agency: nil, in: 0...today, on: sql)
            #expect(retaken.count == IndexSnapshots.backfillDays && retaken.last?.total == dto.total)
            // The public dashboard shows the trend and the rankings, and refreshes itself.
            let board = try await TestClient(app).get("/bang-dieu-khien")
            #expect(board.status == .ok && board.headers.first(name: "Refresh") == "300")
            #expect(board.body.contains("polyline") && board.body.contains("Xếp hạng sở, ngành") && board.body.contains("Thủ tục trễ hạn nhiều nhất"))
            let csv = try await TestClient(app).get("/bang-dieu-khien?bang=csv")
            #expect(csv.body.contains("\"Hạng\",\"Mã cơ quan\"") && csv.body.contains("Sở Tài chính"))
        }
    }

    @Test func figuresChangeOnlyWithTheirPeriod() async throws {
        try await withApp { app async throws in
            let w = try await World(app)
            _ = try await Self.buildMarch(w)
            let sql = try #require(app.db as? any SQLDatabase)
            let filter = StatisticsFilter(procedureCode: World.procedure)
            let april = try Period.parse(period: "2027-04", from: nil, to: nil, today: VietnamTime.dayNumber(World.at(4, 20)))
            let s = try await StatisticsTable.load(april, filter: filter, on: sql).total
            // April starts with March's three open dossiers; G is decided early on 1 April; nothing is received.
            #expect(s.carriedOver == 3 && s.received == 0 && s.ended == 1 && s.flow(.endedEarly) == 1 && s.openAtEnd == 2)
            #expect(april.last == VietnamTime.dayNumber(World.at(4, 20)))  // a running month ends today
            // A year, a quarter and a custom range all give what the scan of the facts gives.
            for (p, from, to) in [("2027", nil, nil), ("2027-Q1", nil, nil), (nil, "2027-02-20", "2027-03-15")] as [(String?, String?, String?)] {
                let period = try Period.parse(period: p, from: from, to: to, today: VietnamTime.dayNumber(World.at(4, 20)))
                let fast = try await StatisticsTable.load(period, filter: filter, on: sql)
                let slow = try await StatisticsTable.scan(period, filter: filter, on: sql)
                #expect(fast.total == slow.total, "\(period.label)")
                #expect(fast.byAgency.filter { !$0.value.through.isZero } == slow.byAgency.filter { !$0.value.through.isZero }, "\(period.label)")
                #expect(fast.byProcedure.filter { !$0.value.through.isZero } == slow.byProcedure.filter { !$0.value.through.isZero }, "\(period.label)")
                // The whole province, from the per-agency and per-procedure tables and from the pairs.
                let small = try await StatisticsTable.load(period, filter: StatisticsFilter(), on: sql)
                let pairs = try await StatisticsTable.load(period, filter: StatisticsFilter(), pairs: true, on: sql)
                #expect(small.byAgency.filter { !$0.value.through.isZero } == pairs.byAgency.filter { !$0.value.through.isZero })
                #expect(small.byProcedure.filter { !$0.value.through.isZero } == pairs.byProcedure.filter { !$0.value.through.isZero })
            }
        }
    }

    /// TT 01/2018 scores each ended dossier on six indices; the unit's scores are their averages.
    @Test func eachDossiersTT01ScoresAverageToItsUnitsIndices() async throws {
        try await withApp { app async throws in
            let (sql, filter, s) = try await Self.marchOfTheProcedure(app)
            let catalog = try await CatalogProcedure.current(app, on: sql).filter { $0.code == World.procedure }
            let unit = try #require(UnitScore.compute(s, procedures: catalog, published: Set(catalog.filter(\.complete).map(\.code)),
                                                            endedByProcedure: [World.procedure: s.ended]))
            let ended = try await Figure.dossiers(.ended, period: Self.march, filter: filter, page: 1, perPage: 100, on: sql).facts
            let complete = try #require(catalog.first).complete
            let scores = try ended.map { try #require(UnitScore.dossierScores($0, complete: complete)) }
            #expect(scores.count == 4)
            for (i, number) in UnitScore.dossierIndexNumbers.enumerated() {
                let average = (Double(scores.reduce(0) { $0 + $1[i] }) / Double(scores.count) * 10).rounded() / 10
                #expect(unit.indices.first { $0.number == number }?.score == average, "index \(number): \(scores.map { $0[i] })")
            }
            // By hand: two ended early, one on time, one late: index 1 scores 2, 2, 1, 0.
            #expect(scores.map { $0[0] }.sorted() == [0, 1, 2, 2])
            // An open dossier has no score yet.
            let open = try await Figure.dossiers(.open, period: Self.march, filter: filter, page: 1, perPage: 100, on: sql).facts
            let stillOpen = open.filter { $0.endDay == nil }
            #expect(!stillOpen.isEmpty && stillOpen.allSatisfy { UnitScore.dossierScores($0, complete: complete) == nil })
            // The list shows each ended dossier's total out of 12; its CSV, each index.
            let client = TestClient(app)
            try await client.login("lanhdao.taichinh", password: "tinhso2026")
            let list = try await client.get("/thong-ke/ho-so?ky=2027-03&thu-tuc=\(World.procedure)&chi-tieu=ended")
            let totals = scores.map { "<td>\($0.reduce(0, +))/12</td>" }
            #expect(list.status == .ok && totals.allSatisfy(list.body.contains) && list.body.contains("Điểm TT 01"))
            let csv = try await client.get("/thong-ke/ho-so?ky=2027-03&thu-tuc=\(World.procedure)&chi-tieu=ended&bang=csv")
            #expect(csv.body.contains("\"TT 01 chỉ số 7\"") && csv.body.split(whereSeparator: \.isNewline).count == 5, "\(csv.body)")
        }
    }

    @Test func thePagesShowTheFiguresWithTheirDossiers() async throws {
        try await withApp { app async throws in
            let w = try await World(app)
            let codes = try await Self.buildMarch(w)
            let client = TestClient(app)
            #expect(try await client.get("/thong-ke").status == .seeOther)  // officials only
            try await client.login("lanhdao.taichinh", password: "tinhso2026")
            let page = try await client.get("/thong-ke?ky=2027-03&thu-tuc=\(World.procedure)")
            #expect(page.status == .ok)
            #expect(page.body.contains("<svg") && page.body.contains("Kỳ báo cáo 01/03/2027 – 31/03/2027"))
            #expect(page.body.contains("chi-tieu=open-late") && page.body.contains(#"name="xa""#))
            // Every figure opens its dossiers: "Đúng, trước hạn" and its rate too.
            #expect(page.body.contains("chi-tieu=in-time"))
            // So does the wall, for an official; for the public, whose lists are closed, it shows numbers only.
            let wall = try await client.get("/bang-dieu-khien").body
            #expect(wall.contains("chi-tieu=in-time") && wall.contains("chi-tieu=open-late") && wall.contains("href=\"/thong-ke/chi-so-766?"))
            let publicWall = try await TestClient(app).get("/bang-dieu-khien").body
            #expect(publicWall.contains("Đúng và trước hạn") && !publicWall.contains("chi-tieu="))
            let late = try await client.get("/thong-ke/ho-so?ky=2027-03&thu-tuc=\(World.procedure)&chi-tieu=open-late")
            #expect(late.status == .ok && late.body.contains(codes["D"]!) && late.body.contains(codes["H"]!) && !late.body.contains(codes["G"]!))
            #expect(late.body.contains("· toàn tỉnh · thủ tục \(World.procedure)"))
            // Progress is told at the period's end: G, received on 30 March, is within its time there.
            let open = try await client.get("/thong-ke/ho-so?ky=2027-03&thu-tuc=\(World.procedure)&chi-tieu=open")
            func row(_ code: String) -> Substring? { open.body.range(of: code).map { open.body[$0.lowerBound...].prefix { $0 != "\n" } } }
            #expect(row(codes["G"]!)?.contains("<td>Trong hạn</td>") == true && row(codes["H"]!)?.contains("<td>Quá hạn</td>") == true, "\(row(codes["G"]!) ?? "")")
            // The officials of the deciding agency open the dossier; others see its line without a link.
            #expect(open.body.contains("href=\"/ho-so/\(codes["G"]!)\""))
            let police = TestClient(app)
            try await police.login("chuyenvien.congan", password: "tinhso2026")
            let seen = try await police.get("/thong-ke/ho-so?ky=2027-03&thu-tuc=\(World.procedure)&chi-tieu=open")
            #expect(seen.body.contains(codes["G"]!) && !seen.body.contains("href=\"/ho-so/\(codes["G"]!)\""))
            let csv = try await client.get("/thong-ke?ky=2027-03&thu-tuc=\(World.procedure)&bang=tong-hop")
            #expect(csv.headers.contentType?.subType == "csv")
            #expect(csv.body.contains("\"Tiếp nhận trong kỳ\",\"received\",\"6\""))
            #expect(csv.body.contains("\"Tiếp nhận trong kỳ — trực tiếp\",\"received-direct\",\"1\"") && csv.body.contains("\"average-days\""))
            let index = try await client.get("/thong-ke/chi-so-766?ky=2027-03&thu-tuc=\(World.procedure)")
            #expect(index.status == .ok && index.body.contains("Hồ sơ làm mất điểm") && index.body.contains("11,43/20"))
            // 2.1 loses on the dossiers ended late and on those overdue at the end: D, H and the one ended late.
            #expect(index.body.contains("chi-tieu=late-or-overdue"))
            let costing = try await client.get("/thong-ke/ho-so?ky=2027-03&thu-tuc=\(World.procedure)&chi-tieu=late-or-overdue")
            #expect(costing.body.contains(codes["D"]!) && costing.body.contains(codes["H"]!) && costing.body.contains("3 kết quả"))
            // The province's People's Committee is the province: it is not ranked against its own departments.
            let ranked = try await client.get("/thong-ke/chi-so-766?ky=2027-03")
            #expect(ranked.body.contains("Xếp hạng các cơ quan") && !ranked.body.contains(">Ủy ban nhân dân tỉnh Phú Thọ</a>"))
            // Every table of the page downloads as CSV.
            for (table, header) in [("xep-hang", "\"Hạng\",\"Mã cơ quan\""), ("tt01", "\"Chỉ số\",\"Nội dung\""), ("tt01-don-vi", "\"Mã cơ quan\",\"Cơ quan\",\"Hồ sơ\"")] {
                let csv = try await client.get("/thong-ke/chi-so-766?ky=2027-03&bang=\(table)")
                #expect(csv.headers.contentType?.subType == "csv" && csv.body.contains(header) && ranked.body.contains("bang=\(table)"), "\(table)")
            }
            #expect(try await client.get("/thong-ke/chi-so-766?ky=2027-03&bang=nope").status == .badRequest)
            // The officials of one agency, scored on the dossiers they acted on: the desk received all four
            // that ended in March, so its score is the unit's; the citizen's own submissions count for no one.
            let agencyPage = "/thong-ke/chi-so-766?ky=2027-03&co-quan=H42.03&thu-tuc=\(World.procedure)"
            #expect(try await client.get(agencyPage).body.contains("can-bo=1"), "officials are scored when asked: it reads the trail")
            let officials = try await client.get(agencyPage + "&can-bo=1")
            #expect(officials.body.contains("Cán bộ, công chức") && officials.body.contains("4 hồ sơ kết thúc trong kỳ"), "\(officials.status) \(officials.body.suffix(3000))")
            let rows = try await client.get(agencyPage + "&bang=tt01-can-bo").body.split(whereSeparator: \.isNewline).dropFirst()
                .map { $0.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } }
            let unitTotal = try #require(officials.body.range(of: "4 hồ sơ kết thúc trong kỳ: <strong>").map { officials.body[$0.upperBound...].prefix { $0 != "/" } })
            let desk = try #require(rows.first { $0.count >= 4 && $0[1] == "4" }, "\(rows)")
            #expect("\(desk[2]),\(desk[3])".hasPrefix(String(unitTotal)) || desk[2] == String(unitTotal), "\(desk) vs \(unitTotal)")
            #expect(!rows.contains { $0.first?.contains("Nguyễn Văn An") == true }, "the citizen is not an official")
            let token = try await TokenFactory.token(app, scopes: "dossiers:read", login: "lanhdao.taichinh")
            let api = try await TestClient(app).request(.GET, "/api/v1/indicators/tt01-2018?period=2027-03&agency=H42.03&procedure=\(World.procedure)",
                                                        headers: ["Authorization": "Bearer \(token)"]).decode(UnitScoresDTO.self)
            #expect(api.officers?.count == rows.count && api.officers?.contains { $0.score.dossiers == 4 } == true)
            let anonymous = try await TestClient(app).get("/api/v1/indicators/tt01-2018?period=2027-03&agency=H42.03&procedure=\(World.procedure)").decode(UnitScoresDTO.self)
            #expect(anonymous.score != nil && anonymous.officers == nil, "an official's grade is not public")
            let bad = try await client.get("/thong-ke?ky=2027-13")
            #expect(bad.status == .badRequest && bad.body.contains("Kỳ báo cáo không hợp lệ"))
        }
    }

    @Test func badPeriodsAreExplained() async throws {
        try await withApp { app async throws in
            let api = TestClient(app)
            struct Envelope: Decodable { struct Body: Decodable { var code: String; var message: String }; var error: Body }
            for query in ["period=2026-13", "from=2026-05-01&to=2026-04-01", "from=2026-05-01", "period=1999", "period=2031",
                          "from=2026-02-30&to=2026-03-01", "period=abc", "from=1990-01-01&to=2026-01-01"] {
                let r = try await api.get("/api/v1/statistics?\(query)")
                #expect(r.status == .badRequest, "\(query)")
                #expect(try r.decode(Envelope.self).error.code == "indicators.bad-period", "\(query)")
            }
            #expect(try await api.get("/api/v1/statistics?agency=H99.99").status == .notFound)
            #expect(try await api.get("/api/v1/statistics?commune=99999").status == .badRequest)
            // A commune's People's Committee and what is under it.
            let sql = try #require(app.db as? any SQLDatabase)
            struct Row: Decodable { var admin_unit_code: String }
            let commune = try #require(try await sql.select().column("admin_unit_code").from("agencies").where("level", .equal, "commune")
                .limit(1).first(decoding: Row.self)).admin_unit_code
            #expect(try await api.get("/api/v1/statistics?commune=\(commune)&period=2026").status == .ok)
            // By commune: each commune's figures are those asked for with that commune alone.
            let year = try await SyntheticYear.make(app: app, year: 2026, now: app.clock.now())
            let importer = try await DossierImporter.make(app: app, agencyMap: [:])
            let (prepared, _) = await importer.prepare(try (0..<200).map { ($0 + 1, try year.record($0, seed: 5)) })
            var report = ImportReport(), seen = Set<UInt64>()
            try await importer.store(prepared, seen: &seen, report: &report, app: app)
            let communes = try await api.get("/api/v1/statistics?period=2026&groupBy=commune").decode(StatisticsDTO.self).groups ?? []
            #expect(communes.count > 3 && report.imported == 200)
            for g in communes.prefix(3) {
                let alone = try await api.get("/api/v1/statistics?period=2026&commune=\(g.code)").decode(StatisticsDTO.self)
                #expect(alone.total.counts == g.figures.counts && g.figures.counts["received"] ?? 0 > 0, "\(g.code)")
            }
            #expect(try await api.get("/api/v1/statistics?groupBy=month").status == .badRequest)
            // Unknown codes and flags are refused, not counted as zeros.
            #expect(try await api.get("/api/v1/statistics?procedure=9.99999").status == .badRequest)
            #expect(try await api.get("/api/v1/statistics?field=NOPE").status == .badRequest)
            #expect(try await api.get("/api/v1/indicators/766?ranking=yes").status == .badRequest)
            let ok = try await api.get("/api/v1/statistics?period=2026&groupBy=agency")
            #expect(ok.status == .ok)
            let dto = try ok.decode(StatisticsDTO.self)
            #expect(Set(dto.total.counts.keys) == Set(Figure.allCases.map(\.rawValue)))
            #expect((dto.groups ?? []).contains { $0.name.contains("Sở Tài chính") })
            // The units are ranked only when asked: it reads the larger table.
            #expect(try await api.get("/api/v1/indicators/766?period=2026").decode(ServiceIndexDTO.self).ranking == nil)
            let ranked = try await api.get("/api/v1/indicators/766?period=2026&ranking=true").decode(ServiceIndexDTO.self)
            #expect(ranked.ranking?.contains { $0.name.contains("Sở Tài chính") } == true)
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
