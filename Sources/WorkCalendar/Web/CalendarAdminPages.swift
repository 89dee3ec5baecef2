import Directory
import Fluent
import Foundation
import Kernel
import VNCalendar
import Vapor
import WebUI

/// Administrators keep the calendar current: a year's schedule when the government announces it,
/// and the agencies that open on Saturday mornings.
struct CalendarAdminPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped(RequireViewer.admin)
        admin.get(SiteURL.adminCalendar.route, use: overview)
        admin.post(SiteURL.adminCalendar.route, use: saveAgencyTime)
        admin.get(SiteURL.adminCalendarYear(year: ":year").route, use: editYear)
        admin.post(SiteURL.adminCalendarYear(year: ":year").route, use: saveYear)
    }

    @Sendable func overview(_ req: Request) async throws -> Response {
        try await overviewPage(req, errors: [])
    }

    func overviewPage(_ req: Request, errors: [String]) async throws -> Response {
        let overridden = Set(try await ScheduleOverride.query(on: req.db).all().map(\.year))
        let thisYear = GregorianDate(req.now).year
        let years = Array((2010...(thisYear + 2)).reversed())
        let saturday = try await AgencyWorkingTime.query(on: req.db).sort(\.$agencyCode).all()
        let main: HTML = """
        <h1>Quản trị lịch làm việc</h1>
        <h2>Lịch nghỉ lễ, Tết theo năm</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Năm</th><th scope="col">Nguồn</th><th scope="col">Thao tác</th></tr></thead>
        <tbody>\(years.html { y in
            let basis = overridden.contains(y) ? "Quản trị viên nhập" : (OfficialSchedule.schedule(for: y) != nil ? "Văn bản đã ban hành (dữ liệu kèm phần mềm)" : "Tính theo Bộ luật Lao động (chưa có văn bản)")
            return "<tr><td>\(y)</td><td>\(basis)</td><td><a href=\"\(SiteURL.adminCalendarYear(year: String(y)).path)\">Xem, sửa</a></td></tr>"
        })</tbody></table></div>
        <h2>Cơ quan làm việc sáng thứ Bảy</h2>
        \(Components.errorSummary(errors))
        <ul>\(saturday.html { "<li><code>\($0.agencyCode)</code></li>" })</ul>
        <form method="post" action="\(SiteURL.adminCalendar.path)" class="narrow">
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Mã định danh cơ quan", name: "agencyCode", required: true))
        \(Components.select("Thời gian làm việc", name: "mode", options: [("saturday", "Thứ Hai – Thứ Sáu và sáng thứ Bảy (07:00–11:30)"), ("standard", "Thứ Hai – Thứ Sáu (tiêu chuẩn)")], selected: "saturday"))
        <button type="submit">Lưu</button>
        </form>
        """
        return Layout.page(req, title: "Quản trị lịch", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    struct AgencyTimeForm: Content {
        var agencyCode: String?
        var mode: String?
    }

    @Sendable func saveAgencyTime(_ req: Request) async throws -> Response {
        let f = try req.content.decode(AgencyTimeForm.self)
        let code = (f.agencyCode ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        guard try await Agency.query(on: req.db).filter(\.$code == code).count() > 0 else {
            return try await overviewPage(req, errors: [WorkCalendarError.agencyNotFound(code).message])
        }
        let existing = try await AgencyWorkingTime.query(on: req.db).filter(\.$agencyCode == code).first()
        if f.mode == "saturday" {
            let time = try WorkCalendarError.wrap { try WorkingTime(saturdayMorning: .init(7, 0, to: 11, 30)) }
            let record = existing ?? AgencyWorkingTime()
            record.agencyCode = code
            record.workingTime = String(decoding: try JSONEncoder().encode(time), as: UTF8.self)
            record.updatedAt = req.now
            try await record.save(on: req.db)
        } else if let existing {
            try await existing.delete(on: req.db)
        }
        await req.application.workCalendar.invalidate()
        return req.redirect(to: SiteURL.adminCalendar.path)
    }

    static func year(_ req: Request) throws -> Int {
        guard let y = Int(try req.pathParameter("year")), VNCalendar.supportedYears.contains(y) else {
            throw RequestError.badParameter(name: "year", reason: "năm từ 1900 đến 2199")
        }
        return y
    }

    struct YearForm: Content {
        var daysOff: String?
        var workingWeekends: String?
        var source: String?
        var note: String?
        var action: String?
    }

    @Sendable func editYear(_ req: Request) async throws -> Response {
        let year = try Self.year(req)
        let calendar = try await req.application.workCalendar.holidayCalendar(on: req.db)
        let s = try WorkCalendarError.wrap { try calendar.schedule(for: year) }
        let form = YearForm(
            daysOff: s.daysOff.map { "\($0.date.iso) | \($0.kind.rawValue) | \($0.name)" }.joined(separator: "\n"),
            workingWeekends: s.workingWeekends.map { "\($0.date.iso) | \($0.name)" }.joined(separator: "\n"),
            source: s.source, note: s.note)
        let overridden = try await ScheduleOverride.query(on: req.db).filter(\.$year == year).count() > 0
        return yearPage(req, year: year, form: form, overridden: overridden, errors: [])
    }

    func yearPage(_ req: Request, year: Int, form f: YearForm, overridden: Bool, errors: [String]) -> Response {
        let main: HTML = """
        <p><a href="\(SiteURL.adminCalendar.path)">← Quản trị lịch</a></p>
        <h1>Lịch nghỉ lễ, Tết năm \(year)</h1>
        <p>\(overridden ? "Đang dùng lịch do quản trị viên nhập." : "Đang dùng lịch mặc định (văn bản đã ban hành hoặc tính theo Bộ luật Lao động). Lưu sẽ thay thế lịch mặc định của năm này.")</p>
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.adminCalendarYear(year: String(year)).path)">
        \(Components.csrfField(req.csrfToken))
        \(Components.textArea("Ngày nghỉ (mỗi dòng: YYYY-MM-DD | loại | tên)", name: "daysOff", value: f.daysOff, rows: 16,
                              hint: "Loại: holiday (nghỉ lễ, Tết), compensatory (nghỉ bù), swap (nghỉ hoán đổi), weekend (thứ Bảy, Chủ nhật trong đợt nghỉ Tết)"))
        \(Components.textArea("Ngày làm bù (mỗi dòng: YYYY-MM-DD | tên)", name: "workingWeekends", value: f.workingWeekends, rows: 4))
        \(Components.field("Văn bản quyết định", name: "source", value: f.source, hint: "Ví dụ: Thông báo số …/TB-BNV ngày …"))
        \(Components.field("Ghi chú", name: "note", value: f.note))
        <button type="submit" name="action" value="save">Lưu lịch năm \(year)</button>
        \(if: overridden, HTML("<button type=\"submit\" name=\"action\" value=\"reset\" class=\"secondary\">Trở về lịch mặc định</button>"))
        </form>
        """
        return Layout.page(req, title: "Lịch năm \(year)", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    @Sendable func saveYear(_ req: Request) async throws -> Response {
        let year = try Self.year(req)
        let f = try req.content.decode(YearForm.self)
        let existing = try await ScheduleOverride.query(on: req.db).filter(\.$year == year).first()
        if f.action == "reset" {
            try await existing?.delete(on: req.db)
            await req.application.workCalendar.invalidate()
            return req.redirect(to: SiteURL.adminCalendarYear(year: String(year)).path)
        }
        let schedule: YearSchedule
        do {
            schedule = try Self.parse(year: year, form: f)
            try schedule.validate()
        } catch let e as CalendarError {
            return yearPage(req, year: year, form: f, overridden: existing != nil, errors: [e.message])
        }
        let record = existing ?? ScheduleOverride()
        record.year = year
        record.schedule = String(decoding: try JSONEncoder().encode(schedule), as: UTF8.self)
        record.updatedAt = req.now
        record.updatedBy = req.viewer?.userID
        try await record.save(on: req.db)
        await req.application.workCalendar.invalidate()
        return req.redirect(to: SiteURL.calendar.with(query: [("nam", String(year)), ("thang", "1")]))
    }

    /// Reads the "date | kind | name" lines; a line that cannot be read names its number.
    static func parse(year: Int, form f: YearForm) throws -> YearSchedule {
        func lines(_ text: String?) -> [(Int, [String])] {
            (text ?? "").split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, line in
                let t = line.trimmingCharacters(in: .whitespacesAndNewlines)
                return t.isEmpty ? nil : (i + 1, t.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) })
            }
        }
        func date(_ text: String, line: Int) throws -> GregorianDate {
            do { return try CalendarAPI.parseDate(text, name: "date") } catch {
                throw CalendarError.invalidSchedule("dòng \(line): ngày “\(text)” không hợp lệ")
            }
        }
        let source = f.source.flatMap { $0.isEmpty ? nil : $0 }
        let daysOff = try lines(f.daysOff).map { n, parts -> DayOff in
            guard parts.count >= 3, let kind = DayOff.Kind(rawValue: parts[1]), !parts[2].isEmpty else {
                throw CalendarError.invalidSchedule("dòng \(n) của ngày nghỉ cần dạng YYYY-MM-DD | loại | tên")
            }
            return DayOff(date: try date(parts[0], line: n), name: parts[2], kind: kind, source: source)
        }
        let weekends = try lines(f.workingWeekends).map { n, parts -> MakeUpWorkday in
            guard parts.count >= 2, !parts[1].isEmpty else {
                throw CalendarError.invalidSchedule("dòng \(n) của ngày làm bù cần dạng YYYY-MM-DD | tên")
            }
            return MakeUpWorkday(date: try date(parts[0], line: n), name: parts[1], source: source)
        }
        return YearSchedule(year: year, daysOff: daysOff, workingWeekends: weekends, source: source,
                            note: f.note.flatMap { $0.isEmpty ? nil : $0 })
    }
}
