import Foundation
import Testing
@testable import VNCalendar

@Suite("Lunar calendar")
struct LunarCalendarTests {
    private func date(_ y: Int, _ m: Int, _ d: Int) -> GregorianDate { try! GregorianDate(year: y, month: m, day: d) }

    @Test("Solar → lunar → solar round trip for every day 1900-01-31 … 2199-12-31")
    func roundTripEveryDay() throws {
        let first = date(1900, 1, 31).julianDay, last = date(2199, 12, 31).julianDay
        var previous: LunarDate?
        var failures = 0
        for jd in first...last {
            let g = try GregorianDate(julianDay: jd)
            let l = try LunarCalendar.lunar(from: g)
            if try LunarCalendar.gregorian(from: l) != g { failures += 1 }
            // Consecutive days: day + 1, or day 1 of the next month after day 29/30.
            if let p = previous {
                if l.day == 1 {
                    if !(p.day == 29 || p.day == 30) { failures += 1 }
                } else if !(l.day == p.day + 1 && l.month == p.month && l.year == p.year
                            && l.isLeapMonth == p.isLeapMonth) {
                    failures += 1
                }
            }
            previous = l
        }
        #expect(failures == 0)
        #expect(last - first + 1 == 109_543)
    }

    @Test("Month table agrees with the independent PyEphem reference on every month start")
    func monthStartsMatchReference() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/month-starts-1900-2199.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        var expected: [(GregorianDate, Int, Int, Bool)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ")
            let d = try GregorianDate(iso: String(f[0]))
            if d.isSupported { expected.append((d, Int(f[1])!, Int(f[2])!, f[3] == "1")) }
        }
        #expect(expected.count > 3_700)
        var mismatches: [String] = []
        for (d, y, m, leap) in expected {
            let l = try LunarCalendar.lunar(from: d)
            if !(l.day == 1 && l.year == y && l.month == m && l.isLeapMonth == leap) {
                mismatches.append("\(d): \(l) vs \(m)/\(y)\(leap ? "L" : "")")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
        // Conversely, no month start in range that the reference does not list.
        let fromTable = try (1900...2199).flatMap { try LunarCalendar.months(ofYear: $0) }
            .map(\.firstDay).filter { $0 >= expected[0].0 && $0 <= expected[expected.count - 1].0 }
        #expect(Set(fromTable).isSubset(of: Set(expected.map(\.0))))
    }

    @Test("Known facts: Tết, time-zone switch and 1985")
    func knownFacts() throws {
        #expect(try LunarCalendar.tet(2026) == date(2026, 2, 17))
        #expect(try LunarCalendar.lunar(from: date(2026, 2, 17)) == LunarDate(year: 2026, month: 1, day: 1))
        // 1985: Vietnam (UTC+7) celebrated Tết a month before China (2/20).
        #expect(try LunarCalendar.tet(1985) == date(1985, 1, 21))
        // 1968: Tết on 29/1 in UTC+7 (the new moon was at 23:29 UTC+7), 30/1 in UTC+8.
        #expect(try LunarCalendar.tet(1968) == date(1968, 1, 29))
        #expect(try LunarCalendar.lunar(from: date(1900, 1, 31)) == LunarDate(year: 1900, month: 1, day: 1))
        #expect(try LunarCalendar.lunar(from: date(1900, 1, 1)) == LunarDate(year: 1899, month: 12, day: 1))
        // 2007 and 2030: Vietnam one day before China.
        #expect(try LunarCalendar.tet(2007) == date(2007, 2, 17))
        #expect(try LunarCalendar.tet(2030) == date(2030, 2, 2))
    }

    /// Hồ Ngọc Đức's published 1900–2199 tables (amlich TK20/TK21/TK22) agree with this
    /// module on every month start except six, all new moons within minutes of local
    /// midnight, where PyEphem sides with this module (Meeus ch. 49 with all corrections).
    @Test("Cross-check with Hồ Ngọc Đức's published table: the six differing month starts")
    func differencesFromPublishedTable() throws {
        // (this module's day 1, Hồ Ngọc Đức's day 1, lunar year, month)
        let cases: [(GregorianDate, GregorianDate, Int, Int)] = [
            (date(1906, 4, 24), date(1906, 4, 23), 1906, 4),    // new moon 00:06 UTC+8
            (date(1914, 11, 18), date(1914, 11, 17), 1914, 10), // 00:02 UTC+8
            (date(1916, 2, 4), date(1916, 2, 3), 1916, 1),      // Tết 1916, 00:05 UTC+8
            (date(1920, 11, 11), date(1920, 11, 10), 1920, 10), // 00:05 UTC+8
            (date(1925, 1, 24), date(1925, 1, 25), 1925, 1),    // Tết 1925, 22:45 UTC+8
            (date(2054, 5, 8), date(2054, 5, 7), 2054, 4),      // 00:00:29 UTC+7 (ΔT predicted)
        ]
        for (ours, theirs, year, month) in cases {
            #expect(try LunarCalendar.lunar(from: ours) == LunarDate(year: year, month: month, day: 1))
            #expect(try LunarCalendar.lunar(from: theirs).day != 1 || theirs > ours)
        }
        // A sample of month starts where both tables agree.
        for (iso, y, m, leap) in [("1945-02-13", 1945, 1, false), ("1984-11-23", 1984, 11, false),
                                  ("1985-03-21", 1985, 2, true), ("2033-12-22", 2033, 11, true),
                                  ("2100-02-09", 2100, 1, false), ("2199-01-26", 2199, 1, false)] {
            #expect(try LunarCalendar.lunar(from: GregorianDate(iso: iso)) == LunarDate(year: y, month: m, day: 1, isLeapMonth: leap))
        }
    }

    @Test("UTC+8 before 1968, UTC+7 from 1968")
    func timeZoneSwitch() throws {
        // The same astronomy with the pre-1968 meridian would put Tết 1968 on 30/1.
        let k = Int(((Double(date(1968, 1, 29).julianDay) - 2451550.1) / 29.530588861).rounded())
        let ut = Astronomy.universalTime(fromJDE: Astronomy.newMoon(k))
        #expect(Int((ut + 0.5 + 7.0 / 24).rounded(.down)) == date(1968, 1, 29).julianDay)
        #expect(Int((ut + 0.5 + 8.0 / 24).rounded(.down)) == date(1968, 1, 30).julianDay)
        #expect(LunarCalendar.civilDay(universalTime: ut) == date(1968, 1, 29).julianDay)
    }

    @Test("Tết 2000–2030", arguments: [
        (2000, "2000-02-05"), (2001, "2001-01-24"), (2002, "2002-02-12"), (2003, "2003-02-01"),
        (2004, "2004-01-22"), (2005, "2005-02-09"), (2006, "2006-01-29"), (2007, "2007-02-17"),
        (2008, "2008-02-07"), (2009, "2009-01-26"), (2010, "2010-02-14"), (2011, "2011-02-03"),
        (2012, "2012-01-23"), (2013, "2013-02-10"), (2014, "2014-01-31"), (2015, "2015-02-19"),
        (2016, "2016-02-08"), (2017, "2017-01-28"), (2018, "2018-02-16"), (2019, "2019-02-05"),
        (2020, "2020-01-25"), (2021, "2021-02-12"), (2022, "2022-02-01"), (2023, "2023-01-22"),
        (2024, "2024-02-10"), (2025, "2025-01-29"), (2026, "2026-02-17"), (2027, "2027-02-06"),
        (2028, "2028-01-26"), (2029, "2029-02-13"), (2030, "2030-02-02"),
    ])
    func tet(year: Int, iso: String) throws {
        #expect(try LunarCalendar.tet(year) == GregorianDate(iso: iso))
    }

    @Test("Leap months", arguments: [
        (2001, 4), (2004, 2), (2006, 7), (2009, 5), (2012, 4), (2014, 9), (2017, 6), (2020, 4),
        (2023, 2), (2025, 6), (2028, 5), (2031, 3), (2033, 11), (2036, 6), (1985, 2),
    ])
    func leapMonth(year: Int, month: Int) throws {
        #expect(try LunarCalendar.leapMonth(ofYear: year) == month)
        let months = try LunarCalendar.months(ofYear: year)
        #expect(months.count == 13)
        let i = months.firstIndex(where: \.isLeapMonth)!
        #expect(months[i - 1].month == month && !months[i - 1].isLeapMonth)
    }

    @Test("Years without a leap month have 12 months", arguments: [1984, 2024, 2026, 2027])
    func commonYear(year: Int) throws {
        #expect(try LunarCalendar.leapMonth(ofYear: year) == nil)
        #expect(try LunarCalendar.months(ofYear: year).count == 12)
    }

    @Test("Every year has 12 or 13 months of 29 or 30 days, and 7 leap years in 19")
    func yearStructure() throws {
        var leapYears = 0
        for y in 1900...2199 {
            let months = try LunarCalendar.months(ofYear: y)
            #expect(months.count == 12 || months.count == 13)
            #expect(months.allSatisfy { $0.length == 29 || $0.length == 30 })
            #expect(months.filter(\.isLeapMonth).count == (months.count == 13 ? 1 : 0))
            if months.count == 13 { leapYears += 1 }
        }
        #expect((108...113).contains(leapYears))  // 300 · 7/19 ≈ 110.5
    }

    @Test("Major terms by iteration agree with the month table (no major term in leap months)")
    func solarTermsAgreeWithTable() throws {
        for year in 1900...2199 {
            for term in SolarTerm.allCases where term.isMajor {
                let day = try term.date(in: year)
                guard day.isSupported else { continue }
                let l = try LunarCalendar.lunar(from: day)
                #expect(!l.isLeapMonth, "\(term.name) \(year) in leap month \(l)")
                if term == .dongChi { #expect(l.month == 11, "Đông chí \(year) in \(l)") }
            }
        }
    }

    @Test("Solar term instants")
    func solarTermInstants() throws {
        // Đông chí 2025: 2025-12-21 15:03 UTC (22:03 UTC+7) per published almanacs.
        let ws = try SolarTerm.dongChi.instant(in: 2025)
        let expected = Date(timeIntervalSince1970: 1766329380)  // 2025-12-21T15:03:00Z
        #expect(abs(ws.timeIntervalSince(expected)) < 120)
        #expect(try SolarTerm.dongChi.date(in: 2025) == date(2025, 12, 21))
        #expect(SolarTerm.lapXuan.name == "Lập xuân" && SolarTerm.lapXuan.longitude == 315)
    }

    @Test("Invalid lunar dates throw")
    func invalidLunarDates() throws {
        // 2026 has no leap month.
        #expect(throws: CalendarError.invalidLunarDate(year: 2026, month: 5, day: 1, isLeapMonth: true)) {
            try LunarCalendar.gregorian(from: LunarDate(year: 2026, month: 5, day: 1, isLeapMonth: true))
        }
        // A 29-day month has no day 30.
        let short = try LunarCalendar.months(ofYear: 2026).first { $0.length == 29 }!
        #expect(throws: CalendarError.self) {
            try LunarCalendar.gregorian(from: LunarDate(year: 2026, month: short.month, day: 30))
        }
        #expect(throws: CalendarError.self) { try LunarCalendar.gregorian(from: LunarDate(year: 2026, month: 13, day: 1)) }
        #expect(throws: CalendarError.self) { try LunarCalendar.gregorian(from: LunarDate(year: 2026, month: 1, day: 0)) }
        #expect(throws: CalendarError.self) { try LunarCalendar.gregorian(from: LunarDate(year: 2250, month: 1, day: 1)) }
        #expect(throws: CalendarError.self) { try LunarCalendar.lunar(from: date(1899, 12, 31)) }
        #expect(throws: CalendarError.self) { try LunarCalendar.lunar(from: date(2200, 1, 1)) }
        #expect(throws: CalendarError.self) { try GregorianDate(year: 2026, month: 2, day: 29) }
        let e = CalendarError.invalidLunarDate(year: 2026, month: 5, day: 1, isLeapMonth: true)
        #expect(e.message == "Ngày âm lịch không tồn tại: ngày 1 tháng 5 nhuận năm 2026.")
        // A leap month does exist in 2025 (6 nhuận).
        #expect(try LunarCalendar.gregorian(from: LunarDate(year: 2025, month: 6, day: 1, isLeapMonth: true))
                == date(2025, 7, 25))
    }

    @Test("Can Chi")
    func canChi() throws {
        #expect(CanChi.year(2026).name == "Bính Ngọ")
        #expect(CanChi.year(2025).name == "Ất Tỵ")
        #expect(CanChi.year(1985).name == "Ất Sửu")
        #expect(CanChi.year(1968).name == "Mậu Thân")
        #expect(CanChi.year(2000).name == "Canh Thìn")
        #expect(CanChi.month(1, lunarYear: 2026).name == "Canh Dần")
        #expect(CanChi.month(1, lunarYear: 2025).name == "Mậu Dần")
        #expect(CanChi.month(11, lunarYear: 2025).name == "Mậu Tý")
        // Day: 2000-01-01 was a Mậu Ngọ day; 60-day cycle.
        #expect(date(2000, 1, 1).canChi.name == "Mậu Ngọ")
        #expect(date(2000, 3, 1).canChi.name == "Mậu Ngọ")
        #expect(date(2026, 2, 17).canChi.name == "Nhâm Tuất")  // mùng 1 Tết Bính Ngọ
        #expect(try date(2026, 2, 17).lunar().yearCanChi.name == "Bính Ngọ")
        #expect(CanChi.firstHour(ofDay: date(2000, 1, 1).julianDay).name == "Nhâm Tý")
    }

    @Test("Gregorian date basics")
    func gregorian() throws {
        #expect(GregorianDate.supportedMinimum == date(1900, 1, 1))
        #expect(GregorianDate.supportedMaximum == date(2199, 12, 31))
        #expect(date(2026, 2, 17).isoWeekday == 2)  // Tuesday
        #expect(date(2026, 2, 17).iso == "2026-02-17" && date(2026, 2, 17).vietnamese == "17/02/2026")
        let instant = Date(timeIntervalSince1970: 1771261200)  // 2026-02-16T17:00:00Z = 17/02 00:00 +7
        #expect(GregorianDate(instant) == date(2026, 2, 17))
        #expect(GregorianDate(instant.addingTimeInterval(-1)) == date(2026, 2, 16))
        #expect(date(2026, 2, 17).startInstant == instant)
        let json = try JSONEncoder().encode([date(2026, 2, 17)])
        #expect(String(decoding: json, as: UTF8.self) == "[\"2026-02-17\"]")
        #expect(try JSONDecoder().decode([GregorianDate].self, from: json) == [date(2026, 2, 17)])
    }
}
