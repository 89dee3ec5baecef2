/// The public-sector calendar of days off (lịch ngày nghỉ), 1900–2199.
///
/// For each year the schedule comes from, in order of priority:
/// 1. an administrator-edited `YearSchedule` passed in `overrides` (stored by the host app);
/// 2. the shipped official schedule (`OfficialSchedule`, 2010–2026), unless disabled;
/// 3. the Labour Code rules (`StatutoryHolidays`).
///
/// A date is a day off when it is a weekly rest day (Saturday, Sunday by default) or listed
/// in the year's `daysOff`, unless it is a make-up working day (`workingWeekends`).
/// All years are resolved once in `init` into per-day bitsets, so every query is O(1).
/// Build one calendar at start-up (or when an administrator edits a year) and share it.
public struct HolidayCalendar: Sendable {
    /// The default calendar: shipped official schedules and statutory rules, Sat/Sun rest.
    public static let official = HolidayCalendar(resolved: [:], useOfficialSchedules: true, weeklyRestDays: [6, 7])

    /// Weekly rest days (ISO weekday numbers, 6 = Saturday, 7 = Sunday).
    public let weeklyRestDays: Set<Int>
    private let schedules: [YearSchedule]          // index: year - 1900
    private let listedOff: [UInt64]                // bit per day: listed in daysOff
    private let makeUp: [UInt64]                   // bit per day: make-up working day

    static let firstDay = GregorianDate.supportedMinimum.julianDay
    static let dayCount = GregorianDate.supportedMaximum.julianDay - firstDay + 1

    /// Creates a calendar.
    /// - Parameters:
    ///   - overrides: years that replace the shipped or computed schedule (e.g. edited by an
    ///     administrator). Each is validated.
    ///   - useOfficialSchedules: whether to use the shipped 2010–2026 schedules.
    ///   - weeklyRestDays: ISO weekdays of weekly rest (used for weekends and for computing
    ///     compensatory days in statutory years).
    /// - Throws: `CalendarError` when an override is invalid.
    public init(overrides: [YearSchedule] = [], useOfficialSchedules: Bool = true,
                weeklyRestDays: Set<Int> = [6, 7]) throws {
        var byYear: [Int: YearSchedule] = [:]
        for o in overrides {
            try o.validate()
            byYear[o.year] = o
        }
        self.init(resolved: byYear, useOfficialSchedules: useOfficialSchedules, weeklyRestDays: weeklyRestDays)
    }

    private init(resolved overrides: [Int: YearSchedule], useOfficialSchedules: Bool, weeklyRestDays: Set<Int>) {
        self.weeklyRestDays = weeklyRestDays
        var schedules: [YearSchedule] = []
        schedules.reserveCapacity(300)
        let words = (HolidayCalendar.dayCount + 63) / 64
        var off = [UInt64](repeating: 0, count: words)
        var up = [UInt64](repeating: 0, count: words)
        for year in 1900...2199 {
            let s: YearSchedule
            if let o = overrides[year] {
                s = o
            } else if useOfficialSchedules, let official = OfficialSchedule.schedule(for: year) {
                s = official
            } else {
                s = YearSchedule(year: year,
                                 daysOff: (try? StatutoryHolidays.daysOff(in: year, weeklyRestDays: weeklyRestDays)) ?? [],
                                 source: "Bộ luật Lao động (tính theo quy định, chưa có thông báo chính thức)")
            }
            schedules.append(s)
            for d in s.daysOff {
                let i = d.date.julianDay - HolidayCalendar.firstDay
                off[i >> 6] |= 1 << UInt64(i & 63)
            }
            for w in s.workingWeekends {
                let i = w.date.julianDay - HolidayCalendar.firstDay
                up[i >> 6] |= 1 << UInt64(i & 63)
            }
        }
        self.schedules = schedules
        self.listedOff = off
        self.makeUp = up
    }

    // MARK: Queries

    /// Whether `date` is a day off in the public sector: a weekly rest day or a listed day off,
    /// and not a make-up working day. Dates outside 1900–2199 return `false`.
    public func isDayOff(_ date: GregorianDate) -> Bool {
        let i = date.julianDay - HolidayCalendar.firstDay
        guard i >= 0 && i < HolidayCalendar.dayCount else { return false }
        if bit(makeUp, i) { return false }
        return bit(listedOff, i) || weeklyRestDays.contains(date.isoWeekday)
    }

    /// The schedule in force for `year` (override, shipped or statutory).
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func schedule(for year: Int) throws -> YearSchedule {
        guard (1900...2199).contains(year) else { throw CalendarError.outOfRange("năm \(year)") }
        return schedules[year - 1900]
    }

    /// The listed days off of `year` (holidays, compensatory days, swaps, weekend days inside
    /// a Tết break), in date order. Ordinary weekends are not listed.
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func daysOff(_ year: Int) throws -> [DayOff] { try schedule(for: year).daysOff }

    /// The make-up working weekend days of `year` (ngày làm bù).
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func workingWeekends(_ year: Int) throws -> [MakeUpWorkday] { try schedule(for: year).workingWeekends }

    /// The listed day-off entry for a date, if any (for display: name, kind, source).
    public func dayOff(on date: GregorianDate) -> DayOff? {
        guard isListedDayOff(date) else { return nil }
        return schedules[date.year - 1900].daysOff.first { $0.date == date }
    }

    /// Whether `date` is listed as a day off (ignores ordinary weekends).
    public func isListedDayOff(_ date: GregorianDate) -> Bool {
        let i = date.julianDay - HolidayCalendar.firstDay
        guard i >= 0 && i < HolidayCalendar.dayCount else { return false }
        return bit(listedOff, i)
    }

    /// Whether `date` is a make-up working day (ngày làm bù).
    public func isMakeUpWorkday(_ date: GregorianDate) -> Bool {
        let i = date.julianDay - HolidayCalendar.firstDay
        guard i >= 0 && i < HolidayCalendar.dayCount else { return false }
        return bit(makeUp, i)
    }

    @inline(__always)
    private func bit(_ words: [UInt64], _ i: Int) -> Bool {
        words[i >> 6] & (1 << UInt64(i & 63)) != 0
    }
}
