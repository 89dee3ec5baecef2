import Kernel
import VNCalendar
import Vapor

public enum WorkCalendarError: DomainError {
    case calendar(CalendarError)
    case rangeTooLong(days: Int)
    case durationMissing
    case durationAmbiguous
    case agencyNotFound(String)

    public var status: HTTPResponseStatus {
        switch self {
        case .agencyNotFound: .notFound
        default: .badRequest
        }
    }

    public var code: String {
        switch self {
        case .calendar(let e):
            switch e {
            case .invalidGregorianDate: "calendar.invalid-date"
            case .invalidLunarDate: "calendar.invalid-lunar-date"
            case .outOfRange: "calendar.out-of-range"
            case .invalidDuration: "calendar.invalid-duration"
            case .invalidWorkingTime: "calendar.invalid-working-time"
            case .invalidSchedule: "calendar.invalid-schedule"
            }
        case .rangeTooLong: "calendar.range-too-long"
        case .durationMissing: "calendar.duration-missing"
        case .durationAmbiguous: "calendar.duration-ambiguous"
        case .agencyNotFound: "calendar.agency-not-found"
        }
    }

    public var message: String {
        switch self {
        case .calendar(let e): e.message
        case .rangeTooLong(let days): "Khoảng thời gian tối đa 366 ngày (đang yêu cầu \(days) ngày)."
        case .durationMissing: "Cần một trong các tham số workingDays, workingHours hoặc calendarDays."
        case .durationAmbiguous: "Chỉ được dùng một trong các tham số workingDays, workingHours, calendarDays."
        case .agencyNotFound(let code): "Không tìm thấy cơ quan có mã “\(code)”."
        }
    }

    /// Runs `body`, turning the calendar's errors into this module's.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as CalendarError { throw WorkCalendarError.calendar(e) }
    }
}
