import Foundation

/// Instants as people in Vietnam read and write them (UTC+7, no daylight saving). Formatting is
/// plain arithmetic: it runs for every row of every list and CSV export, where a formatter per
/// call would dominate, and it needs no shared mutable formatter.
public enum VietnamTime {
    static let offset = 7 * 3600

    /// Year, month, day, hour, minute, second in UTC+7.
    static func fields(_ date: Date) -> (y: Int, m: Int, d: Int, h: Int, min: Int, s: Int) {
        let t = Int((date.timeIntervalSince1970).rounded(.down)) + offset
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = t - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, secs / 3600, secs % 3600 / 60, secs % 60)
    }

    /// The Vietnam calendar day of an instant, as days since 1970-01-01: the key of daily statistics.
    public static func dayNumber(_ date: Date) -> Int {
        let t = Int((date.timeIntervalSince1970).rounded(.down)) + offset
        return t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
    }

    /// The day number of a civil date (Howard Hinnant's `days_from_civil`).
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Year, month and day of a day number.
    public static func civil(_ dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let f = fields(Date(timeIntervalSince1970: TimeInterval(dayNumber * 86_400 - offset)))
        return (f.y, f.m, f.d)
    }

    /// "2026-11-23" for a day number.
    public static func isoDay(_ dayNumber: Int) -> String {
        let c = civil(dayNumber)
        return "\(c.year)-\(two(c.month))-\(two(c.day))"
    }

    /// "23/11/2026" for a day number.
    public static func displayDay(_ dayNumber: Int) -> String {
        let c = civil(dayNumber)
        return "\(two(c.day))/\(two(c.month))/\(c.year)"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    /// "14:05 23/11/2026", or "—" for no date.
    public static func display(_ date: Date?) -> String {
        guard let date else { return "—" }
        let f = fields(date)
        return "\(two(f.h)):\(two(f.min)) \(two(f.d))/\(two(f.m))/\(f.y)"
    }

    /// ISO 8601 with the +07:00 offset: "2026-02-10T16:00:00+07:00".
    public static func iso(_ date: Date) -> String {
        let f = fields(date)
        return "\(f.y)-\(two(f.m))-\(two(f.d))T\(two(f.h)):\(two(f.min)):\(two(f.s))+07:00"
    }

    /// "20261123140500": the national portal's date format, in Vietnam time.
    public static func compact(_ date: Date) -> String {
        let f = fields(date)
        return "\(f.y)\(two(f.m))\(two(f.d))\(two(f.h))\(two(f.min))\(two(f.s))"
    }

    /// `date` to the whole millisecond. What is hashed at millisecond precision must be stored so:
    /// a `Date` read back from the database can differ from the one written by a unit in the last
    /// place, which flips the rounding of a value that lies near half a millisecond.
    public static func millisecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    /// Milliseconds since 1970, as hashes and signatures write a time.
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// Parses the national portal's `yyyyMMddHHmmss` (Vietnam time). Arithmetic, not a calendar:
    /// an import reads millions of these.
    public static func parseCompact(_ text: String) -> Date? {
        // Without allocating: the import reads six of these per dossier, millions of dossiers.
        var fields = (0, 0, 0, 0, 0, 0), value = 0, count = 0
        for b in text.utf8 {
            guard b >= 0x30, b <= 0x39, count < 14 else { return nil }
            value = value * 10 + Int(b - 0x30)
            count += 1
            switch count {
            case 4: fields.0 = value; value = 0
            case 6: fields.1 = value; value = 0
            case 8: fields.2 = value; value = 0
            case 10: fields.3 = value; value = 0
            case 12: fields.4 = value; value = 0
            case 14: fields.5 = value
            default: break
            }
        }
        guard count == 14 else { return nil }
        let (y, m, d, h, min, s) = fields
        guard (1...12).contains(m), d >= 1, h < 24, min < 60, s < 60 else { return nil }
        let day = dayNumber(year: y, month: m, day: d)
        guard civil(day).day == d else { return nil }  // no 31/02
        return Date(timeIntervalSince1970: TimeInterval(day * 86_400 - offset + h * 3600 + min * 60 + s))
    }

    /// Parses an instant that states its offset (`2026-02-10T16:00:00+07:00` or `…Z`).
    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    /// 00:00 in Vietnam of a `YYYY-MM-DD` date, or nil when the text is no such date.
    public static func startOfDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1
        else { return nil }
        var comps = DateComponents()
        comps.year = y; comps.month = m; comps.day = d
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset)!
        guard let date = calendar.date(from: comps), fields(date).d == d else { return nil }  // no 31/02
        return date
    }
}
