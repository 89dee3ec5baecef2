import Foundation
import Kernel
import VNCalendar
import Vapor

/// `tinhso calendar lunar 2026-02-17` · `tinhso calendar holidays 2026` ·
/// `tinhso calendar due 2026-02-10T16:00:00+07:00 --working-days 5 [--agency H42.30]`.
public struct CalendarCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "action", help: "lunar, holidays or due")
        var action: String
        @Argument(name: "value", help: "a date (lunar), a year (holidays) or an ISO 8601 instant with offset (due)")
        var value: String
        @Option(name: "working-days") var workingDays: Int?
        @Option(name: "working-hours") var workingHours: Int?
        @Option(name: "calendar-days") var calendarDays: Int?
        @Option(name: "agency", help: "agency electronic identifier, for its working time")
        var agency: String?
        public init() {}
    }

    public var help: String { "Lunar dates, the year's days off and deadlines in working days" }
    public init() {}

    struct Failure: Error, CustomStringConvertible { var description: String }

    public func run(using context: CommandContext, signature s: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        do {
            switch s.action {
            case "lunar":
                let day = try LunarDayDTO(try CalendarAPI.parseDate(s.value, name: "date"))
                context.console.print("\(day.date): ngày \(day.lunar.day) tháng \(day.lunar.month)\(day.lunar.leap ? " nhuận" : "") năm \(day.lunar.year) âm lịch — ngày \(day.canChi.day), tháng \(day.canChi.month), năm \(day.canChi.year)")
            case "holidays":
                guard let year = Int(s.value) else { throw Failure(description: "Cần năm, ví dụ: tinhso calendar holidays 2026") }
                let calendar = try await app.workCalendar.holidayCalendar(on: app.db)
                let h = try await CalendarQueries.holidays(year: year, calendar: calendar, on: app.db)
                for d in h.daysOff { context.console.print("\(d.date)  nghỉ  \(d.name) [\(d.kind)]") }
                for w in h.workingWeekends { context.console.print("\(w.date)  làm   \(w.name)") }
            case "due":
                guard let receivedAt = VietnamTime.parse(s.value) else {
                    throw Failure(description: "Thời điểm tiếp nhận cần dạng ISO 8601 có múi giờ, ví dụ 2026-02-10T16:00:00+07:00")
                }
                let limits = [s.workingDays.map(TimeLimit.workingDays), s.workingHours.map(TimeLimit.workingHours),
                              s.calendarDays.map(TimeLimit.calendarDays)].compactMap { $0 }
                guard limits.count == 1 else { throw WorkCalendarError.durationMissing }
                let calculator = try await app.workCalendar.calculator(agencyCode: s.agency, on: app.db)
                let d = try WorkCalendarError.wrap { try calculator.deadline(receivedAt: receivedAt, limit: limits[0]) }
                context.console.print("Tiếp nhận: \(VietnamTime.iso(receivedAt))\nTính từ:   \(VietnamTime.iso(d.countFrom))\nHạn:       \(VietnamTime.iso(d.due))")
            default:
                throw Failure(description: "Dùng: tinhso calendar lunar|holidays|due …")
            }
        } catch let e as WorkCalendarError {
            throw Failure(description: e.message)
        }
    }
}
