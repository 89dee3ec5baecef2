import Fluent
import Foundation
import Kernel
import VNCalendar
import Vapor

/// `/api/v1/calendar/…`: the lunar calendar, days off and deadlines, for integrators and the
/// other modules' pages.
struct CalendarAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let calendar = routes.grouped("calendar")
        calendar.get("lunar", use: lunar)
        calendar.get("solar", use: solar)
        calendar.get("holidays", use: holidays)
        calendar.get("due", use: due)
        calendar.get("working-days", use: workingDays)
    }

    static func date(_ req: Request, _ name: String) throws -> GregorianDate {
        guard let text = try req.queryString(name) else {
            throw RequestError.badParameter(name: name, reason: "cần ngày dạng YYYY-MM-DD")
        }
        return try parseDate(text, name: name)
    }

    static func parseDate(_ text: String, name: String) throws -> GregorianDate {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { throw RequestError.badParameter(name: name, reason: "cần ngày dạng YYYY-MM-DD") }
        return try WorkCalendarError.wrap { try GregorianDate(year: y, month: m, day: d) }
    }

    static func int(_ req: Request, _ name: String) throws -> Int? {
        guard let text = try req.queryString(name) else { return nil }
        guard let n = Int(text) else { throw RequestError.badParameter(name: name, reason: "phải là số nguyên") }
        return n
    }

    @Sendable func lunar(_ req: Request) async throws -> Response {
        if try req.queryString("date") != nil {
            return try await LunarDayDTO(Self.date(req, "date")).encodeResponse(for: req)
        }
        let from = try Self.date(req, "from"), to = try Self.date(req, "to")
        let span = to.julianDay - from.julianDay + 1
        guard span >= 1 else { throw RequestError.badParameter(name: "to", reason: "phải không trước ngày from") }
        guard span <= 366 else { throw WorkCalendarError.rangeTooLong(days: span) }
        let days = try (0..<span).map { try LunarDayDTO(from.adding(days: $0)) }
        return try await LunarRangeDTO(days: days).encodeResponse(for: req)
    }

    @Sendable func solar(_ req: Request) async throws -> LunarDayDTO {
        guard let year = try Self.int(req, "year"), let month = try Self.int(req, "month"), let day = try Self.int(req, "day") else {
            throw RequestError.badParameter(name: "year, month, day", reason: "cần đủ năm, tháng, ngày âm lịch")
        }
        let leapText = try req.queryString("leap") ?? "false"
        guard let leap = ["true": true, "1": true, "false": false, "0": false][leapText] else {
            throw RequestError.badParameter(name: "leap", reason: "phải là true hoặc false")
        }
        let date = try WorkCalendarError.wrap {
            try LunarCalendar.gregorian(from: LunarDate(year: year, month: month, day: day, isLeapMonth: leap))
        }
        return try LunarDayDTO(date)
    }

    @Sendable func holidays(_ req: Request) async throws -> HolidaysDTO {
        guard let year = try Self.int(req, "year") else { throw RequestError.badParameter(name: "year", reason: "cần năm, ví dụ 2026") }
        let calendar = try await req.application.workCalendar.holidayCalendar(on: req.db)
        return try await CalendarQueries.holidays(year: year, calendar: calendar, on: req.db)
    }

    @Sendable func due(_ req: Request) async throws -> DueDTO {
        guard let text = try req.queryString("receivedAt") else {
            throw RequestError.badParameter(name: "receivedAt", reason: "cần thời điểm ISO 8601 có múi giờ, ví dụ 2026-02-10T16:00:00+07:00")
        }
        // A "+" left unencoded in a query string arrives as a space.
        guard let receivedAt = VietnamTime.parse(text.replacingOccurrences(of: " ", with: "+")) else {
            throw RequestError.badParameter(name: "receivedAt", reason: "cần thời điểm ISO 8601 có múi giờ, ví dụ 2026-02-10T16:00:00+07:00")
        }
        let limits: [TimeLimit] = try [
            Self.int(req, "workingDays").map(TimeLimit.workingDays),
            Self.int(req, "workingHours").map(TimeLimit.workingHours),
            Self.int(req, "calendarDays").map(TimeLimit.calendarDays),
        ].compactMap { $0 }
        guard let limit = limits.first else { throw WorkCalendarError.durationMissing }
        guard limits.count == 1 else { throw WorkCalendarError.durationAmbiguous }
        let calculator = try await req.application.workCalendar.calculator(agencyCode: req.queryString("agency"), on: req.db)
        let deadline = try WorkCalendarError.wrap { try calculator.deadline(receivedAt: receivedAt, limit: limit) }
        return DueDTO(receivedAt: VietnamTime.iso(receivedAt), countFrom: VietnamTime.iso(deadline.countFrom),
                      due: VietnamTime.iso(deadline.due))
    }

    @Sendable func workingDays(_ req: Request) async throws -> CountDTO {
        let from = try Self.date(req, "from"), to = try Self.date(req, "to")
        let calculator = try await req.application.workCalendar.calculator(agencyCode: req.queryString("agency"), on: req.db)
        return CountDTO(count: try WorkCalendarError.wrap { try calculator.workingDays(from: from, to: to) })
    }
}

enum CalendarQueries {
    static func holidays(year: Int, calendar: HolidayCalendar, on db: any Database) async throws -> HolidaysDTO {
        let schedule = try WorkCalendarError.wrap { try calendar.schedule(for: year) }
        let overridden = try await ScheduleOverride.query(on: db).filter(\.$year == year).count() > 0
        // Weekend days inside a Tết break are listed in the data for Saturday-working agencies;
        // the public answer lists only the days that change an ordinary week.
        let days = schedule.daysOff.filter { $0.kind != .weekend }.sorted { $0.date < $1.date }
        return HolidaysDTO(
            year: year,
            daysOff: days.map { .init(date: $0.date.iso, name: $0.name, kind: $0.kind.rawValue, source: $0.source) },
            workingWeekends: schedule.workingWeekends.sorted { $0.date < $1.date }.map { .init(date: $0.date.iso, name: $0.name, source: $0.source) },
            basis: overridden ? "override" : (OfficialSchedule.schedule(for: year) != nil ? "official" : "statutory"))
    }
}
