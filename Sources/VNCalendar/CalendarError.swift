/// Errors thrown by the VNCalendar module (lỗi lịch / tính hạn).
///
/// Every case has a Vietnamese `message` suitable for showing to a user.
public enum CalendarError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A Gregorian date that does not exist, e.g. 2026-02-30 (ngày dương lịch không tồn tại).
    case invalidGregorianDate(year: Int, month: Int, day: Int)
    /// A lunar date that does not exist, e.g. day 30 of a 29-day month or a leap month the
    /// year does not have (ngày âm lịch không tồn tại).
    case invalidLunarDate(year: Int, month: Int, day: Int, isLeapMonth: Bool)
    /// A date or instant outside the supported range 1900-01-01 … 2199-12-31
    /// (ngoài phạm vi hỗ trợ).
    case outOfRange(String)
    /// A negative, zero-length-where-forbidden or absurd (> 3650 days) time limit
    /// (thời hạn không hợp lệ).
    case invalidDuration(String)
    /// Invalid working-time configuration (cấu hình thời gian làm việc không hợp lệ).
    case invalidWorkingTime(String)
    /// Invalid schedule data (dữ liệu lịch nghỉ không hợp lệ).
    case invalidSchedule(String)

    /// A human-readable Vietnamese message.
    public var message: String {
        switch self {
        case let .invalidGregorianDate(y, m, d):
            return "Ngày dương lịch không tồn tại: \(d)/\(m)/\(y)."
        case let .invalidLunarDate(y, m, d, leap):
            return "Ngày âm lịch không tồn tại: ngày \(d) tháng \(m)\(leap ? " nhuận" : "") năm \(y)."
        case let .outOfRange(what):
            return "Ngoài phạm vi hỗ trợ (01/01/1900 – 31/12/2199): \(what)."
        case let .invalidDuration(what):
            return "Thời hạn không hợp lệ: \(what)."
        case let .invalidWorkingTime(what):
            return "Cấu hình thời gian làm việc không hợp lệ: \(what)."
        case let .invalidSchedule(what):
            return "Dữ liệu lịch nghỉ không hợp lệ: \(what)."
        }
    }

    public var description: String { message }
}
