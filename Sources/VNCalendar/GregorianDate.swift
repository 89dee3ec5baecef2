import Foundation

/// A civil date of the Gregorian calendar (ngày dương lịch), without time or time zone.
///
/// Dates are identified by their Julian Day Number (`julianDay`), which makes day
/// arithmetic trivial. Instants (`Date`) map to dates in Vietnam's civil time, fixed
/// UTC+7 (Asia/Ho_Chi_Minh; no tzdata is used). Encodes as `"YYYY-MM-DD"`.
public struct GregorianDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Year, e.g. 2026.
    public let year: Int
    /// Month 1…12.
    public let month: Int
    /// Day of month 1…31.
    public let day: Int

    /// First supported date, 1900-01-01.
    public static let supportedMinimum = GregorianDate(uncheckedJulianDay: 2415021)
    /// Last supported date, 2199-12-31.
    public static let supportedMaximum = GregorianDate(uncheckedJulianDay: 2524593)

    /// Creates a date, validating that it exists (not range-checked against 1900–2199).
    /// - Throws: `CalendarError.invalidGregorianDate`.
    public init(year: Int, month: Int, day: Int) throws {
        guard (1...12).contains(month), day >= 1,
              day <= GregorianDate.daysInMonth(year: year, month: month),
              (-4000...100_000).contains(year)
        else { throw CalendarError.invalidGregorianDate(year: year, month: month, day: day) }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Creates a date from a Julian Day Number, checking the supported range 1900–2199.
    /// - Throws: `CalendarError.outOfRange`.
    public init(julianDay: Int) throws {
        guard (GregorianDate.supportedMinimum.julianDay...GregorianDate.supportedMaximum.julianDay)
            .contains(julianDay)
        else { throw CalendarError.outOfRange("ngày Julius \(julianDay)") }
        self.init(uncheckedJulianDay: julianDay)
    }

    /// Creates a date from a Julian Day Number without range check.
    init(uncheckedJulianDay jd: Int) {
        // Fliegel & Van Flandern.
        var l = jd + 68569
        let n = 4 * l / 146097
        l -= (146097 * n + 3) / 4
        let i = 4000 * (l + 1) / 1461001
        l = l - 1461 * i / 4 + 31
        let j = 80 * l / 2447
        day = l - 2447 * j / 80
        l = j / 11
        month = j + 2 - 12 * l
        year = 100 * (n - 49) + i + l
    }

    /// The date of an instant in Vietnam's civil time (UTC+7).
    public init(_ instant: Date) {
        self.init(uncheckedJulianDay: GregorianDate.julianDay(of: instant))
    }

    /// Parses `"YYYY-MM-DD"`.
    /// - Throws: `CalendarError.invalidGregorianDate` when the text is not a valid date.
    public init(iso text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { throw CalendarError.invalidGregorianDate(year: 0, month: 0, day: 0) }
        try self.init(year: y, month: m, day: d)
    }

    /// Julian Day Number (số ngày Julius) of the date: the day count used internally.
    public var julianDay: Int {
        let a = (14 - month) / 12
        let y = year + 4800 - a
        let m = month + 12 * a - 3
        return day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday (thứ Hai … Chủ nhật).
    public var isoWeekday: Int { julianDay % 7 + 1 }

    /// Whether the date lies in the supported range 1900-01-01 … 2199-12-31.
    public var isSupported: Bool {
        self >= GregorianDate.supportedMinimum && self <= GregorianDate.supportedMaximum
    }

    /// The date `days` days later (or earlier when negative). No range check.
    public func adding(days: Int) -> GregorianDate {
        GregorianDate(uncheckedJulianDay: julianDay + days)
    }

    /// Midnight at the start of the date in UTC+7, as an instant.
    public var startInstant: Date {
        Date(timeIntervalSince1970: Double(julianDay - 2440588) * 86400 - Double(GregorianDate.vietnamOffset))
    }

    /// `"YYYY-MM-DD"`.
    public var iso: String {
        let y = String(year)
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        return "\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)-\(m)-\(d)"
    }

    /// Vietnamese short form `"dd/mm/yyyy"`.
    public var vietnamese: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        return "\(d)/\(m)/\(year)"
    }

    public var description: String { iso }

    public static func < (a: GregorianDate, b: GregorianDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(iso: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }

    /// Days in a Gregorian month.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Gregorian leap year rule.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// UTC offset of Vietnam civil time, seconds (+7 h).
    static let vietnamOffset = 7 * 3600

    /// Julian Day Number of the UTC+7 civil date of an instant.
    @inline(__always)
    static func julianDay(of instant: Date) -> Int {
        let s = instant.timeIntervalSince1970 + Double(vietnamOffset)
        return Int((s / 86400).rounded(.down)) + 2440588
    }
}
