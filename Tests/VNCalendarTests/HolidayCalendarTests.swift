import Foundation
import Testing
@testable import VNCalendar

@Suite("Holidays and official schedules")
struct HolidayCalendarTests {
    private func date(_ y: Int, _ m: Int, _ d: Int) -> GregorianDate { try! GregorianDate(year: y, month: m, day: d) }
    private let calendar = HolidayCalendar.official

    @Test("Shipped schedules cover 2010–2026 and are valid")
    func shippedYears() throws {
        #expect(Set(OfficialSchedule.years.keys) == Set(2010...2026))
        for (_, s) in OfficialSchedule.years {
            try s.validate()
            #expect(s.source?.isEmpty == false)
            #expect(s.daysOff.allSatisfy { $0.source?.isEmpty == false })
        }
    }

    @Test("Each shipped year has the statutory holidays", arguments: Array(2010...2026))
    func statutoryHolidaysPresent(year: Int) throws {
        let s = try #require(OfficialSchedule.schedule(for: year))
        let holidays = Set(s.daysOff.filter { $0.kind == .holiday }.map(\.date))
        for fixed in [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)] {
            #expect(holidays.contains(fixed), "\(fixed)")
        }
        let gioTo = try LunarCalendar.gregorian(from: LunarDate(year: year, month: 3, day: 10))
        #expect(holidays.contains(gioTo))
        if year >= 2021 {
            #expect(holidays.contains(date(year, 9, 1)) != holidays.contains(date(year, 9, 3)))
        }
        #expect(holidays.contains(date(year, 11, 24)) == (year >= 2026))
        // Tết: 4 days up to 2013, 5 days from 2014, including mùng 1–3.
        let tet = s.daysOff.filter { $0.kind == .holiday && $0.name.hasPrefix("Tết Âm lịch") }
        #expect(tet.count == (year <= 2013 ? 4 : 5))
        let first = try LunarCalendar.tet(year)
        for i in 0..<3 { #expect(tet.contains { $0.date == first.adding(days: i) }) }
        // The lunar labels ("29 tháng Chạp", "mùng 2"…) match the lunar calendar.
        for t in tet {
            let l = try t.date.lunar()
            let label = l.month == 1 ? "mùng \(l.day)" : "\(l.day) tháng Chạp"
            #expect(t.name == "Tết Âm lịch (\(label))", "\(t.date): \(t.name) vs \(label)")
        }
        #expect(holidays.count == 5 + tet.count + (year >= 2021 ? 1 : 0) + (year >= 2026 ? 1 : 0))
    }

    @Test("Compensatory days follow art. 111.3 in every shipped year", arguments: Array(2010...2026))
    func compensatoryRule(year: Int) throws {
        let s = try #require(OfficialSchedule.schedule(for: year))
        let holidays = s.daysOff.filter { $0.kind == .holiday }
        let expected = Set(StatutoryHolidays.compensatoryDays(for: holidays).map(\.date))
        let actual = Set(s.daysOff.filter { $0.kind == .compensatory }.map(\.date))
        #expect(actual == expected)
    }

    @Test("Swaps are weekdays paired with worked weekend days; breaks are contiguous")
    func swapsArePaired() throws {
        for year in 2010...2026 {
            let s = try #require(OfficialSchedule.schedule(for: year))
            for d in s.daysOff where d.kind == .swap {
                #expect(d.date.isoWeekday <= 5)
                let made = try #require(d.madeUpOn)
                #expect(made.isoWeekday >= 6)
                let partner = try calendar.workingWeekends(made.year).first { $0.date == made }
                #expect(partner?.replaces == d.date, "\(d.date)")
                #expect(!calendar.isDayOff(made))
            }
            for w in s.workingWeekends { #expect(w.date.isoWeekday >= 6 && w.replaces != nil) }
            for d in s.daysOff where d.kind == .weekend { #expect(d.date.isoWeekday >= 6) }
            for d in s.daysOff where d.kind == .compensatory { #expect(d.date.isoWeekday <= 5) }
            // The Tết break has no working day inside it.
            let tetDays = s.daysOff.filter { $0.name.hasPrefix("Tết Âm lịch") }.map(\.date)
            var d = tetDays.min()!
            while d <= tetDays.max()! { #expect(calendar.isDayOff(d), "\(d)"); d = d.adding(days: 1) }
        }
    }

    @Test("2026: Tết 14–22/02, swaps 02/01 and 31/08, Giỗ Tổ 26/04 → 27/04, 24/11")
    func year2026() throws {
        var d = date(2026, 2, 14)
        while d <= date(2026, 2, 22) { #expect(calendar.isDayOff(d)); d = d.adding(days: 1) }
        #expect(!calendar.isDayOff(date(2026, 2, 13)))
        #expect(!calendar.isDayOff(date(2026, 2, 23)))
        #expect(calendar.isDayOff(date(2026, 1, 1)) && calendar.isDayOff(date(2026, 1, 2)))
        #expect(!calendar.isDayOff(date(2026, 1, 10)))  // Saturday worked back
        #expect(calendar.isDayOff(date(2026, 4, 26)) && calendar.isDayOff(date(2026, 4, 27)))
        #expect(calendar.isDayOff(date(2026, 8, 31)) && calendar.isDayOff(date(2026, 9, 1)))
        #expect(calendar.isDayOff(date(2026, 9, 2)) && !calendar.isDayOff(date(2026, 9, 3)))
        #expect(!calendar.isDayOff(date(2026, 8, 22)))
        #expect(calendar.isDayOff(date(2026, 11, 24)))
        #expect(try calendar.workingWeekends(2026).map(\.date) == [date(2026, 1, 10), date(2026, 8, 22)])
        #expect(calendar.dayOff(on: date(2026, 2, 17))?.name == "Tết Âm lịch (mùng 1)")
        #expect(calendar.dayOff(on: date(2026, 2, 17))?.source == "TB 9441/TB-BNV ngày 16/10/2025")
        #expect(calendar.dayOff(on: date(2026, 1, 2))?.kind == .swap)
        #expect(calendar.isDayOff(date(2026, 3, 7)) && !calendar.isDayOff(date(2026, 3, 6)))
    }

    @Test("Known earlier schedules")
    func earlierYears() throws {
        // 2011: Saturday and Sunday 29–30/01 worked, 31/01–07/02 off.
        #expect(!calendar.isDayOff(date(2011, 1, 29)) && !calendar.isDayOff(date(2011, 1, 30)))
        for day in 31...31 { #expect(calendar.isDayOff(date(2011, 1, day))) }
        for day in 1...7 { #expect(calendar.isDayOff(date(2011, 2, day))) }
        // 2012 → 2013 New Year swap across years.
        #expect(calendar.isDayOff(date(2012, 12, 31)) && !calendar.isDayOff(date(2013, 1, 5)))
        // 2015: Friday 02/01 off, Saturday 27/12/2014 worked.
        #expect(calendar.isDayOff(date(2015, 1, 2)) && !calendar.isDayOff(date(2014, 12, 27)))
        // 2024: 27/04–01/05 off, Saturday 04/05 worked.
        for day in 27...30 { #expect(calendar.isDayOff(date(2024, 4, day))) }
        #expect(!calendar.isDayOff(date(2024, 5, 4)))
        // 2025: Tết 25/01–02/02.
        for day in 25...31 { #expect(calendar.isDayOff(date(2025, 1, day))) }
        #expect(!calendar.isDayOff(date(2025, 1, 24)) && !calendar.isDayOff(date(2025, 2, 3)))
    }

    @Test("Statutory rules for a year without a schedule (2027)")
    func statutory2027() throws {
        let days = try StatutoryHolidays.daysOff(in: 2027)
        let holidays = days.filter { $0.kind == .holiday }.map(\.date)
        // Tết 2027: mùng 1 = Saturday 06/02; last day 05/02 + mùng 1–4.
        #expect(holidays.contains(date(2027, 2, 5)) && holidays.contains(date(2027, 2, 9)))
        let comp = days.filter { $0.kind == .compensatory }.map(\.date)
        #expect(comp.contains(date(2027, 2, 10)) && comp.contains(date(2027, 2, 11)))
        #expect(holidays.contains(date(2027, 9, 3)))  // 02/9 is a Thursday
        #expect(holidays.contains(date(2027, 11, 24)))
        #expect(holidays.contains(try LunarCalendar.gregorian(from: LunarDate(year: 2027, month: 3, day: 10))))
        #expect(calendar.isDayOff(date(2027, 2, 10)))
        #expect(try calendar.schedule(for: 2027).source?.contains("Bộ luật Lao động") == true)
        // Regimes: 4-day Tết and no Giỗ Tổ before 2007, one-day 02/9 before 2021.
        let y2000 = try StatutoryHolidays.daysOff(in: 2000).filter { $0.kind == .holiday }
        #expect(y2000.count == 1 + 4 + 3)
        let y2019 = try StatutoryHolidays.daysOff(in: 2019).filter { $0.kind == .holiday }
        #expect(y2019.count == 1 + 5 + 1 + 3)
        #expect(throws: CalendarError.self) { try StatutoryHolidays.daysOff(in: 2200) }
    }

    @Test("Administrator overrides replace a year")
    func overrides() throws {
        let custom = YearSchedule(year: 2027, daysOff: [
            DayOff(date: date(2027, 2, 4), name: "Tết Âm lịch", kind: .holiday, source: "QĐ thử"),
            DayOff(date: date(2027, 2, 12), name: "Nghỉ hoán đổi", kind: .swap, source: "QĐ thử",
                   madeUpOn: date(2027, 2, 20)),
        ], workingWeekends: [MakeUpWorkday(date: date(2027, 2, 20), name: "Làm bù", source: "QĐ thử",
                                           replaces: date(2027, 2, 12))], source: "QĐ thử")
        let json = try JSONEncoder().encode(custom)
        let decoded = try JSONDecoder().decode(YearSchedule.self, from: json)
        #expect(decoded == custom)
        let cal = try HolidayCalendar(overrides: [decoded])
        #expect(cal.isDayOff(date(2027, 2, 4)) && cal.isDayOff(date(2027, 2, 12)))
        #expect(!cal.isDayOff(date(2027, 2, 20)))
        #expect(!cal.isDayOff(date(2027, 2, 10)))  // statutory compensatory day replaced
        #expect(try cal.schedule(for: 2027) == custom)
        #expect(cal.isDayOff(date(2026, 2, 17)))  // other years untouched
        // Overriding a shipped year.
        let cal2 = try HolidayCalendar(overrides: [YearSchedule(year: 2026, daysOff: [])])
        #expect(!cal2.isDayOff(date(2026, 2, 17)))
        // Without shipped schedules, 2026 follows the statutory rules (no 14/02, no swap).
        let statutory = try HolidayCalendar(useOfficialSchedules: false)
        #expect(!statutory.isDayOff(date(2026, 1, 2)) && statutory.isDayOff(date(2026, 2, 16)))
        // Invalid overrides.
        #expect(throws: CalendarError.self) {
            try HolidayCalendar(overrides: [YearSchedule(year: 2027, daysOff: [
                DayOff(date: date(2028, 1, 1), name: "x", kind: .holiday)])])
        }
        #expect(throws: CalendarError.self) {
            try HolidayCalendar(overrides: [YearSchedule(year: 2027, daysOff: [
                DayOff(date: date(2027, 1, 1), name: "x", kind: .holiday),
                DayOff(date: date(2027, 1, 1), name: "y", kind: .holiday)])])
        }
        #expect(throws: CalendarError.self) { try HolidayCalendar(overrides: [YearSchedule(year: 2300, daysOff: [])]) }
    }

    @Test("The shipped JSON decodes with the public decoder")
    func decodeFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/VNCalendar/Resources/official-schedules.json")
        let years = try OfficialSchedule.decode(Data(contentsOf: url))
        #expect(years == OfficialSchedule.years)
        #expect(throws: (any Error).self) { try OfficialSchedule.decode(Data("{}".utf8)) }
    }
}
