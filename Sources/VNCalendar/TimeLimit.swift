/// A processing time limit (thời hạn giải quyết) as published for an administrative
/// procedure: "N ngày làm việc", "N giờ làm việc" or "N ngày".
///
/// Named `TimeLimit` rather than `Duration` to avoid clashing with `Swift.Duration`.
public enum TimeLimit: Hashable, Sendable, Codable {
    /// N working days (ngày làm việc). 0 = the same (deemed) receipt day.
    case workingDays(Int)
    /// N working hours (giờ làm việc), counted only inside working sessions.
    case workingHours(Int)
    /// N calendar days (ngày), weekends and holidays included.
    case calendarDays(Int)

    /// Largest accepted value of each kind: 3650 days (about ten years), or the same number
    /// of 8-hour working days in hours.
    public static let maximumDays = 3650

    /// Validates the value.
    /// - Throws: `CalendarError.invalidDuration` for negative or absurd values.
    public func validate() throws {
        switch self {
        case let .workingDays(n), let .calendarDays(n):
            guard n >= 0 else { throw CalendarError.invalidDuration("số ngày âm (\(n))") }
            guard n <= TimeLimit.maximumDays else {
                throw CalendarError.invalidDuration("\(n) ngày vượt quá giới hạn \(TimeLimit.maximumDays) ngày")
            }
        case let .workingHours(n):
            guard n >= 0 else { throw CalendarError.invalidDuration("số giờ âm (\(n))") }
            guard n <= TimeLimit.maximumDays * 8 else {
                throw CalendarError.invalidDuration("\(n) giờ vượt quá giới hạn \(TimeLimit.maximumDays * 8) giờ làm việc")
            }
        }
    }
}
