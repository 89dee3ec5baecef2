/// The public-sector holiday schedule of one year (lịch nghỉ lễ, tết của một năm):
/// the days off beyond ordinary weekends, and the weekend days worked instead.
///
/// Codable so that a host application can store an administrator-edited year and pass it
/// to `HolidayCalendar(overrides:)`, where it replaces the shipped or computed schedule of
/// that year entirely. Dates of both lists must lie inside `year` (a swap across New Year
/// puts the day off in one year and the make-up day in the next).
public struct YearSchedule: Codable, Hashable, Sendable {
    /// Gregorian year.
    public var year: Int
    /// Days off other than ordinary weekly rest days.
    public var daysOff: [DayOff]
    /// Weekend days that are working days (ngày làm bù).
    public var workingWeekends: [MakeUpWorkday]
    /// Main decisions for the year.
    public var source: String?
    /// Remarks, in particular what could not be verified.
    public var note: String?

    public init(year: Int, daysOff: [DayOff], workingWeekends: [MakeUpWorkday] = [],
                source: String? = nil, note: String? = nil) {
        self.year = year
        self.daysOff = daysOff.sorted { $0.date < $1.date }
        self.workingWeekends = workingWeekends.sorted { $0.date < $1.date }
        self.source = source
        self.note = note
    }

    /// Checks that the year is supported, every date lies in it, no date is listed twice and
    /// no day is both off and a make-up working day.
    /// - Throws: `CalendarError.invalidSchedule` or `.outOfRange`.
    public func validate() throws {
        guard (1900...2199).contains(year) else { throw CalendarError.outOfRange("năm \(year)") }
        var seen = Set<GregorianDate>()
        for d in daysOff {
            guard d.date.year == year else {
                throw CalendarError.invalidSchedule("ngày nghỉ \(d.date.vietnamese) không thuộc năm \(year)")
            }
            guard seen.insert(d.date).inserted else {
                throw CalendarError.invalidSchedule("ngày \(d.date.vietnamese) bị lặp")
            }
        }
        for w in workingWeekends {
            guard w.date.year == year else {
                throw CalendarError.invalidSchedule("ngày làm bù \(w.date.vietnamese) không thuộc năm \(year)")
            }
            guard seen.insert(w.date).inserted else {
                throw CalendarError.invalidSchedule("ngày \(w.date.vietnamese) vừa nghỉ vừa làm bù hoặc bị lặp")
            }
        }
    }
}
