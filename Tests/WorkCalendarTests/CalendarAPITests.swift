import Foundation
import Testing
import TestSupport
import Vapor

@Suite("Calendar API, pages and administration")
struct CalendarAPITests {
    struct LunarDay: Decodable, Equatable {
        struct Lunar: Decodable, Equatable { var day: Int; var month: Int; var year: Int; var leap: Bool }
        struct Names: Decodable, Equatable { var day: String; var month: String; var year: String }
        var date: String; var lunar: Lunar; var canChi: Names
    }
    struct Holidays: Decodable {
        struct Day: Decodable { var date: String; var name: String; var kind: String }
        struct Weekend: Decodable { var date: String; var name: String }
        var year: Int; var daysOff: [Day]; var workingWeekends: [Weekend]; var basis: String
    }
    struct Due: Decodable, Equatable { var receivedAt: String; var countFrom: String; var due: String }
    struct Count: Decodable { var count: Int }
    struct Envelope: Decodable { struct Body: Decodable { var code: String; var message: String }; var error: Body }

    @Test func lunarDates() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let tet = try await client.get("/api/v1/calendar/lunar?date=2026-02-17").decode(LunarDay.self)
            #expect(tet.lunar == .init(day: 1, month: 1, year: 2026, leap: false))
            #expect(tet.canChi.year == "Bính Ngọ")
            #expect(tet.canChi.month == "Canh Dần")
            struct Range: Decodable { var days: [LunarDay] }
            let range = try await client.get("/api/v1/calendar/lunar?from=2026-01-01&to=2026-12-31").decode(Range.self)
            #expect(range.days.count == 365)
            #expect(range.days.filter { $0.lunar.day == 1 }.count >= 12)
            let tooLong = try await client.get("/api/v1/calendar/lunar?from=2026-01-01&to=2027-01-02")
            #expect(tooLong.status == .badRequest)
            #expect(try tooLong.decode(Envelope.self).error.code == "calendar.range-too-long")
            for bad in ["date=2026-02-30", "date=hom-nay", "date=1800-01-01", "from=2026-02-01&to=2026-01-01", ""] {
                let r = try await client.get("/api/v1/calendar/lunar?\(bad)")
                #expect(r.status == .badRequest, "\(bad)")
                #expect(!(try r.decode(Envelope.self).error.message.isEmpty))
            }
        }
    }

    @Test func solarDates() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let tet = try await client.get("/api/v1/calendar/solar?year=2026&month=1&day=1").decode(LunarDay.self)
            #expect(tet.date == "2026-02-17")
            let gioTo = try await client.get("/api/v1/calendar/solar?year=2026&month=3&day=10").decode(LunarDay.self)
            #expect(gioTo.date == "2026-04-26")
            // 2025 has a leap sixth month; 2026 has none.
            let leap = try await client.get("/api/v1/calendar/solar?year=2025&month=6&day=1&leap=true").decode(LunarDay.self)
            #expect(leap.lunar.leap)
            let noLeap = try await client.get("/api/v1/calendar/solar?year=2026&month=6&day=1&leap=true")
            #expect(noLeap.status == .badRequest)
            #expect(try noLeap.decode(Envelope.self).error.code == "calendar.invalid-lunar-date")
            #expect(try await client.get("/api/v1/calendar/solar?year=2026&month=13&day=1").status == .badRequest)
            #expect(try await client.get("/api/v1/calendar/solar?year=2026&month=1").status == .badRequest)
            #expect(try await client.get("/api/v1/calendar/solar?year=2026&month=1&day=1&leap=maybe").status == .badRequest)
        }
    }

    @Test func holidaysOfAYear() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let h = try await client.get("/api/v1/calendar/holidays?year=2026").decode(Holidays.self)
            #expect(h.basis == "official")
            let dates = Set(h.daysOff.map(\.date))
            #expect(dates.isSuperset(of: ["2026-01-01", "2026-01-02", "2026-02-16", "2026-02-20", "2026-04-27", "2026-08-31", "2026-09-02", "2026-11-24"]))
            #expect(Set(h.daysOff.map(\.kind)).isSubset(of: ["holiday", "compensatory", "swap"]))
            #expect(h.daysOff.first { $0.date == "2026-01-02" }?.kind == "swap")
            #expect(h.workingWeekends.map(\.date).contains("2026-01-10"))
            let future = try await client.get("/api/v1/calendar/holidays?year=2031").decode(Holidays.self)
            #expect(future.basis == "statutory")
            #expect(future.daysOff.contains { $0.date == "2031-09-02" })
            #expect(try await client.get("/api/v1/calendar/holidays?year=1800").status == .badRequest)
            #expect(try await client.get("/api/v1/calendar/holidays").status == .badRequest)
        }
    }

    @Test func dueDates() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            func due(_ query: String) async throws -> Due {
                try await client.get("/api/v1/calendar/due?\(query)").decode(Due.self)
            }
            // Tuesday after 15:00, 3 working days across the Tết break of 14–22/02/2026.
            #expect(try await due("receivedAt=2026-02-10T16:00:00%2B07:00&workingDays=3")
                == Due(receivedAt: "2026-02-10T16:00:00+07:00", countFrom: "2026-02-12T07:00:00+07:00", due: "2026-02-23T17:00:00+07:00"))
            // An unencoded "+" arrives as a space and is still understood; UTC input is answered in +07:00.
            #expect(try await due("receivedAt=2026-02-10T16:00:00+07:00&workingDays=3").due == "2026-02-23T17:00:00+07:00")
            #expect(try await due("receivedAt=2026-03-02T02:00:00Z&workingDays=1").due == "2026-03-03T17:00:00+07:00")
            // Working hours stay inside sessions: 09:00 + 4 h = 2.5 h before lunch (to 11:30) + 1.5 h from 13:30 → 15:00.
            #expect(try await due("receivedAt=2026-03-02T09:00:00%2B07:00&workingHours=4").due == "2026-03-02T15:00:00+07:00")
            // 10 calendar days ending on Sunday 15/03 move to Monday's end.
            #expect(try await due("receivedAt=2026-03-05T10:00:00%2B07:00&calendarDays=10").due == "2026-03-16T17:00:00+07:00")
            for (bad, code) in [
                ("receivedAt=2026-03-02T09:00:00%2B07:00", "calendar.duration-missing"),
                ("receivedAt=2026-03-02T09:00:00%2B07:00&workingDays=1&workingHours=2", "calendar.duration-ambiguous"),
                ("receivedAt=2026-03-02T09:00:00%2B07:00&workingDays=-1", "calendar.invalid-duration"),
                ("receivedAt=2026-03-02T09:00:00%2B07:00&workingDays=100000", "calendar.invalid-duration"),
                ("receivedAt=2026-03-02&workingDays=1", "request.bad-parameter"),
                ("receivedAt=2026-03-02T09:00:00%2B07:00&workingDays=abc", "request.bad-parameter"),
            ] {
                let r = try await client.get("/api/v1/calendar/due?\(bad)")
                #expect(r.status == .badRequest, "\(bad)")
                #expect(try r.decode(Envelope.self).error.code == code, "\(bad)")
            }
            let unknown = try await client.get("/api/v1/calendar/due?receivedAt=2026-03-02T09:00:00%2B07:00&workingDays=1&agency=H99")
            #expect(unknown.status == .notFound)
        }
    }

    @Test func workingDaysBetweenDates() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            // February 2026: 20 weekdays, five of them in the Tết break.
            #expect(try await client.get("/api/v1/calendar/working-days?from=2026-02-01&to=2026-02-28").decode(Count.self).count == 15)
            #expect(try await client.get("/api/v1/calendar/working-days?from=2026-03-02&to=2026-03-02").decode(Count.self).count == 0)
            #expect(try await client.get("/api/v1/calendar/working-days?from=2026-03-02").status == .badRequest)
        }
    }

    @Test func administratorsEditSchedulesAndWorkingTime() async throws {
        try await withApp { app async throws in
            let admin = TestClient(app)
            try await admin.login("admin", password: "tinhso2026")
            #expect(try await admin.get("/quan-tri/lich/2027").status == .ok)
            let bad = try await admin.post("/quan-tri/lich/2027", form: [("daysOff", "2027-02-30 | holiday | Sai ngày"), ("workingWeekends", ""), ("action", "save")])
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("dòng 1"))
            let saved = try await admin.post("/quan-tri/lich/2027", form: [
                ("daysOff", "2027-01-01 | holiday | Tết Dương lịch\n2027-02-05 | holiday | Tết Âm lịch (29 tháng Chạp)\n2027-02-12 | swap | Nghỉ hoán đổi"),
                ("workingWeekends", "2027-02-20 | Làm bù cho ngày 12/02/2027"), ("source", "Thông báo thử nghiệm"), ("action", "save"),
            ])
            #expect(saved.status == .seeOther)
            let client = TestClient(app)
            let h = try await client.get("/api/v1/calendar/holidays?year=2027").decode(Holidays.self)
            #expect(h.basis == "override")
            #expect(h.daysOff.map(\.date) == ["2027-01-01", "2027-02-05", "2027-02-12"])
            #expect(h.workingWeekends.map(\.date) == ["2027-02-20"])
            // The make-up Saturday is a working day for deadlines.
            #expect(try await client.get("/api/v1/calendar/working-days?from=2027-02-19&to=2027-02-20").decode(Count.self).count == 1)
            #expect(try await admin.post("/quan-tri/lich/2027", form: [("action", "reset")]).status == .seeOther)
            #expect(try await client.get("/api/v1/calendar/holidays?year=2027").decode(Holidays.self).basis == "statutory")

            // A centre open on Saturday mornings: a dossier received Friday after 15:00 counts from Saturday.
            let query = "/api/v1/calendar/due?receivedAt=2026-03-06T16:00:00%2B07:00&workingDays=1&agency=H42.30"
            let before = try await client.get(query).decode(Due.self)
            #expect(before.due == "2026-03-10T17:00:00+07:00")
            #expect(try await admin.post("/quan-tri/lich", form: [("agencyCode", "H42.30"), ("mode", "saturday")]).status == .seeOther)
            let after = try await client.get(query).decode(Due.self)
            #expect(after.countFrom == "2026-03-09T07:00:00+07:00")
            #expect(after != before)
            let missing = try await admin.post("/quan-tri/lich", form: [("agencyCode", "H99"), ("mode", "saturday")])
            #expect(missing.body.contains("Không tìm thấy cơ quan"))
            #expect(try await TestClient(app).get("/quan-tri/lich").status == .seeOther)
        }
    }

    @Test func monthPage() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let feb = try await client.get("/lich?nam=2026&thang=2")
            #expect(feb.status == .ok)
            #expect(feb.body.contains("Tết Âm lịch (mùng 1)"))
            #expect(feb.body.contains("Bính Ngọ"))
            #expect(feb.body.contains("<span class=\"lunar\" title=\"Âm lịch\">1/1</span>"))
            let jan = try await client.get("/lich?nam=2026&thang=1")
            #expect(jan.body.contains("Làm bù"))
            #expect(try await client.get("/lich?nam=2026&thang=13").status == .badRequest)
            #expect(try await client.get("/lich?nam=2300&thang=1").status == .badRequest)
        }
    }
}
