/// A date of the Vietnamese lunisolar calendar (ngày âm lịch).
///
/// `year` is the lunar year number that coincides with the Gregorian year in which
/// its first month begins (Tết). A leap month (tháng nhuận) repeats the number of the
/// month before it and has `isLeapMonth == true`.
public struct LunarDate: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Lunar year, e.g. 2026 (năm Bính Ngọ).
    public let year: Int
    /// Lunar month 1…12 (tháng).
    public let month: Int
    /// Day of the lunar month 1…30 (ngày).
    public let day: Int
    /// Whether the month is the leap month of the year (tháng nhuận).
    public let isLeapMonth: Bool

    /// A lunar date value; not validated. Use `LunarCalendar.gregorian(from:)` to validate.
    public init(year: Int, month: Int, day: Int, isLeapMonth: Bool = false) {
        self.year = year
        self.month = month
        self.day = day
        self.isLeapMonth = isLeapMonth
    }

    /// Can Chi of the year, e.g. "Bính Ngọ".
    public var yearCanChi: CanChi { .year(year) }
    /// Can Chi of the month.
    public var monthCanChi: CanChi { .month(month, lunarYear: year) }

    /// Vietnamese form, e.g. "1/1/2026" or "15/4 nhuận/2020".
    public var description: String {
        "\(day)/\(month)\(isLeapMonth ? " nhuận" : "")/\(year)"
    }
}
