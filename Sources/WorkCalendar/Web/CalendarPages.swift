import Foundation
import Kernel
import VNCalendar
import Vapor
import WebUI

/// The month view (lịch tháng): solar and lunar dates, days off and make-up working days.
struct CalendarPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.calendar.route, use: month)
    }

    static let weekdays = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]

    @Sendable func month(_ req: Request) async throws -> Response {
        let today = GregorianDate(req.now)
        let year = try CalendarAPI.int(req, "nam") ?? today.year
        let month = try CalendarAPI.int(req, "thang") ?? today.month
        guard (1...12).contains(month) else { throw RequestError.badParameter(name: "thang", reason: "phải từ 1 đến 12") }
        let first = try WorkCalendarError.wrap { try GregorianDate(year: year, month: month, day: 1) }
        let calendar = try await req.application.workCalendar.holidayCalendar(on: req.db)
        let length = GregorianDate.daysInMonth(year: year, month: month)
        let lead = first.isoWeekday - 1
        var cells: [HTML] = Array(repeating: "<td class=\"empty\"></td>", count: lead)
        var listed: [HTML] = []
        for offset in 0..<length {
            let date = first.adding(days: offset)
            let lunar = try WorkCalendarError.wrap { try LunarCalendar.lunar(from: date) }
            let lunarText = lunar.day == 1 ? "\(lunar.day)/\(lunar.month)\(lunar.isLeapMonth ? " nhuận" : "")" : "\(lunar.day)"
            let dayOff = calendar.dayOff(on: date)
            let makeUp = try WorkCalendarError.wrap { try calendar.workingWeekends(year) }.first { $0.date == date }
            let off = calendar.isDayOff(date)
            var classes = off ? "off" : "work"
            var note: HTML = .empty
            if let makeUp {
                classes = "makeup"
                note = "<span class=\"note\">Làm bù</span>"
                listed.append("<li><strong>\(date.vietnamese)</strong>: \(makeUp.name) (ngày làm việc)</li>")
            } else if let dayOff, dayOff.kind != .weekend {
                classes = "holiday"
                note = "<span class=\"note\">\(dayOff.name)</span>"
                listed.append("<li><strong>\(date.vietnamese)</strong>: \(dayOff.name)</li>")
            }
            if date == today { classes += " today" }
            cells.append("""
            <td class="\(classes)"><span class="solar">\(date.day)</span><span class="lunar" title="Âm lịch">\(lunarText)</span>\(note)</td>
            """)
        }
        while cells.count % 7 != 0 { cells.append("<td class=\"empty\"></td>") }
        let rows = stride(from: 0, to: cells.count, by: 7).map { "<tr>\(HTML.join(Array(cells[$0..<$0 + 7])))</tr>" as HTML }
        let prev = month == 1 ? (year - 1, 12) : (year, month - 1)
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        func link(_ ym: (Int, Int)) -> String { SiteURL.calendar.with(query: [("nam", String(ym.0)), ("thang", String(ym.1))]) }
        let lunarYear = try WorkCalendarError.wrap { try LunarCalendar.lunar(from: first.adding(days: length - 1)) }
        let main: HTML = """
        <h1>Lịch làm việc tháng \(month)/\(year)</h1>
        <p>Năm \(lunarYear.yearCanChi.name) (âm lịch). Ngày nghỉ theo lịch nghỉ lễ, Tết của cán bộ, công chức, viên chức; ô màu đỏ là ngày nghỉ lễ, Tết, nghỉ bù hoặc hoán đổi; ô viền xanh là ngày làm bù.</p>
        <nav class="pager" aria-label="Chuyển tháng"><a rel="prev" href="\(link(prev))">← Tháng \(prev.1)/\(prev.0)</a><a rel="next" href="\(link(next))">Tháng \(next.1)/\(next.0) →</a></nav>
        <div class="table-wrap"><table class="month">
        <caption class="visually-hidden">Tháng \(month) năm \(year), mỗi ô ghi ngày dương lịch và ngày âm lịch</caption>
        <thead><tr>\(Self.weekdays.html { "<th scope=\"col\">\($0)</th>" })</tr></thead>
        <tbody>\(rows)</tbody></table></div>
        <h2>Ngày nghỉ, ngày làm bù trong tháng</h2>
        \(listed.isEmpty ? "<p>Không có ngày nghỉ lễ, Tết hay ngày làm bù.</p>" : "<ul>\(listed)</ul>")
        <p><a href="/api/v1/calendar/holidays?year=\(year)">Dữ liệu ngày nghỉ năm \(year) (JSON)</a></p>
        """
        return Layout.page(req, title: "Lịch làm việc \(month)/\(year)", main: main)
    }
}
