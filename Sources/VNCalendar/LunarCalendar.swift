import Foundation

/// Gregorian ↔ Vietnamese lunar calendar conversion (chuyển đổi dương lịch ↔ âm lịch),
/// 1900-01-01 … 2199-12-31.
///
/// Rules of the official Vietnamese calendar:
/// - civil days are counted in UTC+7 from 1968-01-01 and in UTC+8 before;
/// - a month starts on the civil day containing the true new moon (sóc);
/// - month 11 contains the winter solstice (Đông chí);
/// - when 13 months lie between two months 11, the first month without a major solar
///   term (trung khí) is the leap month (tháng nhuận) and repeats the previous number.
///
/// The astronomy is full precision (`Astronomy`: Meeus ch. 49 new moons with all
/// corrections, apparent solar longitude from full VSOP87D with nutation and aberration,
/// Espenak–Meeus ΔT). The month table for 1898–2200 is computed once, lazily and
/// thread-safely, on first use (a few hundred milliseconds); every lookup afterwards is a
/// binary search over ~3,700 month starts.
public enum LunarCalendar {

    // MARK: Public API

    /// The lunar date of a Gregorian date.
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public static func lunar(from date: GregorianDate) throws -> LunarDate {
        guard date.isSupported else { throw CalendarError.outOfRange("ngày \(date.vietnamese)") }
        let t = table
        let jd = date.julianDay
        let i = t.monthIndex(containing: jd)
        let s = t.starts[i]
        return LunarDate(year: Int(s.year), month: Int(s.month), day: jd - Int(s.jd) + 1, isLeapMonth: s.leap)
    }

    /// The Gregorian date of a lunar date.
    /// - Throws: `CalendarError.invalidLunarDate` when the lunar date does not exist (day 30
    ///   of a 29-day month, a leap month the year does not have, month ∉ 1…12), and
    ///   `CalendarError.outOfRange` when it falls outside 1900–2199.
    public static func gregorian(from lunar: LunarDate) throws -> GregorianDate {
        guard let m = try? month(year: lunar.year, month: lunar.month, isLeapMonth: lunar.isLeapMonth),
              (1...m.length).contains(lunar.day)
        else {
            if lunar.year < 1899 || lunar.year > 2200 {
                throw CalendarError.outOfRange("năm âm lịch \(lunar.year)")
            }
            throw CalendarError.invalidLunarDate(year: lunar.year, month: lunar.month, day: lunar.day,
                                                 isLeapMonth: lunar.isLeapMonth)
        }
        let date = m.firstDay.adding(days: lunar.day - 1)
        guard date.isSupported else { throw CalendarError.outOfRange("ngày âm lịch \(lunar)") }
        return date
    }

    /// The month `month` (leap or not) of a lunar year.
    /// - Throws: `CalendarError.invalidLunarDate` if the year has no such month,
    ///   `CalendarError.outOfRange` outside the computed table.
    public static func month(year: Int, month: Int, isLeapMonth: Bool = false) throws -> LunarMonth {
        let t = table
        guard (1899...2200).contains(year), let first = t.firstMonthIndex(ofYear: year) else {
            throw CalendarError.outOfRange("năm âm lịch \(year)")
        }
        var i = first
        while i < t.starts.count - 1, Int(t.starts[i].year) == year {
            let s = t.starts[i]
            if Int(s.month) == month, s.leap == isLeapMonth {
                return t.lunarMonth(at: i)
            }
            i += 1
        }
        throw CalendarError.invalidLunarDate(year: year, month: month, day: 1, isLeapMonth: isLeapMonth)
    }

    /// All months of a lunar year in order (12 or 13), from month 1 to month 12.
    /// - Throws: `CalendarError.outOfRange` for years outside 1900–2199.
    public static func months(ofYear year: Int) throws -> [LunarMonth] {
        guard (1900...2199).contains(year), let first = table.firstMonthIndex(ofYear: year) else {
            throw CalendarError.outOfRange("năm âm lịch \(year)")
        }
        var result: [LunarMonth] = []
        var i = first
        while Int(table.starts[i].year) == year {
            result.append(table.lunarMonth(at: i))
            i += 1
        }
        return result
    }

    /// The leap month number of a lunar year (tháng nhuận), or nil if it has none.
    /// - Throws: `CalendarError.outOfRange` for years outside 1900–2199.
    public static func leapMonth(ofYear year: Int) throws -> Int? {
        try months(ofYear: year).first(where: \.isLeapMonth)?.month
    }

    /// The Gregorian date of Tết Nguyên Đán (day 1 of month 1) of a lunar year.
    /// - Throws: `CalendarError.outOfRange` for years outside 1900–2199.
    public static func tet(_ year: Int) throws -> GregorianDate {
        try gregorian(from: LunarDate(year: year, month: 1, day: 1))
    }

    /// Can Chi of a civil day (computed from its Julian Day Number).
    public static func dayCanChi(_ date: GregorianDate) -> CanChi { .day(julianDay: date.julianDay) }

    /// Forces the month table to be built now (e.g. at server start) instead of on first use.
    public static func warmUp() { _ = table.starts.count }

    // MARK: Table

    /// Civil day number (JDN) of a UT Julian date in the official time zone of that instant.
    static func civilDay(universalTime jd: Double) -> Int {
        let offset = jd < switchToUTC7 ? 8.0 : 7.0
        return Int((jd + 0.5 + offset / 24).rounded(.down))
    }

    /// 1968-01-01 00:00 in UTC+8 (1967-12-31 16:00 UTC), as a Julian date: the switch of the
    /// official calendar from the UTC+8 to the UTC+7 meridian.
    static let switchToUTC7 = 2439856.5 - 8.0 / 24

    struct Start: Sendable {
        let jd: Int32
        let year: Int16
        let month: Int8
        let leap: Bool
    }

    struct Table: Sendable {
        /// Month starts in order, lunar month 11 of 1897 … month 10 of 2201.
        let starts: [Start]
        /// Index of month 1 of each lunar year, from `firstYear`.
        let yearFirst: [Int]
        let firstYear: Int

        func monthIndex(containing jd: Int) -> Int {
            var lo = 0, hi = starts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) >> 1
                if Int(starts[mid].jd) <= jd { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }

        func firstMonthIndex(ofYear year: Int) -> Int? {
            let i = year - firstYear
            return yearFirst.indices.contains(i) ? yearFirst[i] : nil
        }

        func lunarMonth(at i: Int) -> LunarMonth {
            let s = starts[i]
            return LunarMonth(year: Int(s.year), month: Int(s.month), isLeapMonth: s.leap,
                              firstDay: GregorianDate(uncheckedJulianDay: Int(s.jd)),
                              length: Int(starts[i + 1].jd - s.jd))
        }
    }

    /// The month table, built once on first use.
    static let table: Table = buildTable(fromYear: 1897, toYear: 2201)

    /// Julian date (UT) of the midnight that starts civil day `jdn` in the official zone.
    static func civilMidnight(_ jdn: Int) -> Double {
        let offset = jdn >= 2439857 ? 7.0 : 8.0  // 1968-01-01
        return Double(jdn) - 0.5 - offset / 24
    }

    /// Apparent solar longitude at the start of civil day `jdn`.
    static func solarLongitude(atStartOf jdn: Int) -> Double {
        Astronomy.apparentSolarLongitude(jde: Astronomy.jde(fromUniversalTime: civilMidnight(jdn)))
    }

    /// Builds month starts for the suis from month 11 of `fromYear` to month 11 of `toYear`.
    ///
    /// A major term (trung khí, solar longitude 30°·n) falls in month i, which covers the
    /// civil days [start_i, start_i+1), exactly when the Sun's longitude enters a new 30°
    /// sector between the midnights that open those two days. So the table needs the
    /// longitude only at each month's first midnight, one VSOP87 evaluation per month.
    /// (`SolarTerm.instant(in:)` solves the term instants themselves by iteration; the test
    /// suite checks the two agree for every year.)
    static func buildTable(fromYear: Int, toYear: Int) -> Table {
        // New-moon civil days from before Đông chí of `fromYear` to after that of `toYear`.
        let firstDay = (try! GregorianDate(year: fromYear, month: 11, day: 1)).julianDay
        let lastDay = (try! GregorianDate(year: toYear + 1, month: 2, day: 1)).julianDay
        var k = Int(((Double(firstDay) - 2451550.1) / 29.530588861).rounded(.down))
        var newMoons: [Int] = []
        while true {
            let day = civilDay(universalTime: Astronomy.universalTime(fromJDE: Astronomy.newMoon(k)))
            newMoons.append(day)
            if day > lastDay { break }
            k += 1
        }
        // 30° sector of the Sun at the start of each month, and the number of major terms
        // (0, 1 or 2) in each month.
        let sectors = newMoons.map { Int(solarLongitude(atStartOf: $0) / 30) }
        let n = newMoons.count - 1
        var majorCount = [Int](repeating: 0, count: n)
        var month11: [Int] = []  // indices of months containing Đông chí (270°, sector 9)
        for i in 0..<n {
            let c = (sectors[i + 1] - sectors[i] + 12) % 12
            majorCount[i] = c
            if c > 0 && (9 - sectors[i] - 1 + 12) % 12 < c { month11.append(i) }
        }
        // month11[0] is month 11 of `fromYear`.
        var starts: [Start] = []
        for j in 0..<(month11.count - 1) {
            let a = month11[j], b = month11[j + 1]
            let year = fromYear + j
            var leapIndex = -1
            if b - a == 13 {
                for i in (a + 1)..<b where majorCount[i] == 0 {
                    leapIndex = i
                    break
                }
            }
            var month = 11, lunarYear = year
            for i in a..<b {
                let leap = i == leapIndex
                if i > a && !leap {
                    month += 1
                    if month == 13 { month = 1; lunarYear += 1 }
                }
                starts.append(Start(jd: Int32(newMoons[i]), year: Int16(lunarYear), month: Int8(month), leap: leap))
            }
        }
        // Sentinel: the last month 11, so every month before it has a known length.
        let last = month11[month11.count - 1]
        starts.append(Start(jd: Int32(newMoons[last]), year: Int16(fromYear + month11.count - 1),
                            month: 11, leap: false))
        var yearFirst: [Int] = []
        for (i, s) in starts.enumerated() where s.month == 1 && !s.leap {
            yearFirst.append(i)
        }
        return Table(starts: starts, yearFirst: yearFirst, firstYear: fromYear + 1)
    }
}

extension GregorianDate {
    /// The lunar date (ngày âm lịch) of this date.
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func lunar() throws -> LunarDate { try LunarCalendar.lunar(from: self) }

    /// Can Chi of the day.
    public var canChi: CanChi { .day(julianDay: julianDay) }
}
