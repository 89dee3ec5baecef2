import Directory
import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor
import WebUI

/// Thống kê: the one-stop's figures for any period, agency, commune, field and procedure, each
/// linked to the dossiers it counts; the QĐ 766 index with its gaps; CSV of every table. For
/// officials (the drill-down lists dossiers, though never their applicants).
struct StatisticsPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let officials = routes.grouped(RequireViewer.official)
        officials.get(SiteURL.statistics.route, use: overview)
        officials.get(SiteURL.statisticsDossiers.route, use: dossiers)
        officials.get(SiteURL.serviceIndex.route, use: serviceIndex)
        routes.get(SiteURL.dashboard.route, use: dashboard)
    }

    static func parse(_ req: Request, units: Units) async throws -> StatisticsRequest {
        try await StatisticsRequest.parse(req, names: .page, units: units)
    }

    /// What a statistics page starts from: the agencies, the fields, and the request, or the
    /// page's empty form with the problem explained.
    struct Start {
        var units: Units
        var fields: [(String, String)]
        var request: StatisticsRequest
    }

    enum Parsed {
        case ready(Start)
        case invalid(Response)
    }

    static func start(_ req: Request, page: SiteURL, title: String, heading: String) async throws -> Parsed {
        let units = try await Units.current(req.application, on: req.db)
        let fields = try await fieldOptions(req.db)
        do { return .ready(Start(units: units, fields: fields, request: try await parse(req, units: units))) } catch let e as any DomainError {
            return .invalid(Layout.page(req, title: title, status: e.status,
                                        main: "<h1>\(heading)</h1>\(form(page, nil, units: units, fields: fields, error: e.message))"))
        }
    }

    static func percent(_ n: Int64, _ d: Int64) -> String {
        d == 0 ? "—" : Components.decimal(Double(n) / Double(d) * 100, 2) + "%"
    }

    static func percent(_ r: Double?) -> String {
        r.map { Components.decimal($0 * 100, 2) + "%" } ?? "—"
    }

    static func number(_ n: Int64) -> String { Components.count(Int(n)) }

    static func drill(_ r: StatisticsRequest, _ figure: Figure, negated: Bool = false, agency: String? = nil, procedure: String? = nil) -> String {
        var q = r.query(.page).filter { $0.0 != "co-quan" && $0.0 != "thu-tuc" }
        q += [("co-quan", agency ?? r.agency), ("thu-tuc", procedure ?? r.procedure), ("chi-tieu", figure.rawValue), ("ngoai-tru", negated ? "1" : nil)]
        return SiteURL.statisticsDossiers.with(query: q)
    }

    /// Summary cards; a card with `href` opens what its number counts.
    static func cards(_ items: [(what: String, value: String, href: String?)]) -> HTML {
        """
        <div class="cards">\(items.html { card -> HTML in
            let value: HTML = card.href.map { "<a href=\"\($0)\">\(card.value)</a>" } ?? "\(card.value)"
            return "<div class=\"card\"><span class=\"value\">\(value)</span><span class=\"what\">\(card.what)</span></div>"
        })</div>
        """
    }

    /// The filter form every statistics page starts with.
    static func form(_ action: SiteURL, _ r: StatisticsRequest?, units: Units, fields: [(String, String)], error: String?) -> HTML {
        let custom = r?.period.label.contains("..") == true
        let agencies = [("", "Toàn tỉnh")] + units.all.map { ($0.code, $0.name) }
        // A commune by its 2025 administrative code, named by its People's Committee.
        let communes = units.communes.map { ($0.code, $0.name) }
        return """
        \(Components.errorSummary(error.map { [$0] } ?? []))
        <form method="get" action="\(action.path)" class="filters">
        \(Components.field("Kỳ báo cáo", name: "ky", value: custom ? nil : r?.period.label, hint: "Năm 2026, quý 2026-Q4, tháng 2026-11 hoặc ngày 2026-11-23; để trống: từ đầu năm đến nay"))
        <details\(HTML(unsafeRaw: custom ? " open" : ""))><summary>Khoảng ngày tùy chọn</summary>
        \(Components.field("Từ ngày", name: "tu", type: "date", value: custom ? r.map { VietnamTime.isoDay($0.period.first) } : nil))
        \(Components.field("Đến ngày", name: "den", type: "date", value: custom ? r.map { VietnamTime.isoDay($0.period.last) } : nil))
        </details>
        \(Components.select("Cơ quan (gồm đơn vị trực thuộc)", name: "co-quan", options: agencies, selected: r?.agency))
        \(Components.select("Xã, phường (các cơ quan cấp xã)", name: "xa", options: [("", "Tất cả")] + communes, selected: r?.commune))
        \(Components.select("Lĩnh vực", name: "linh-vuc", options: [("", "Tất cả")] + fields, selected: r?.field))
        \(Components.field("Mã thủ tục", name: "thu-tuc", value: r?.procedure, hint: "Ví dụ 1.001193"))
        <button type="submit">Xem</button>
        </form>
        """
    }

    static func fieldOptions(_ db: any Database) async throws -> [(String, String)] {
        try await ProcedureField.query(on: db).sort(\.$code).all().map { ($0.code, "\($0.code) · \($0.name)") }
    }

    @Sendable func overview(_ req: Request) async throws -> Response {
        let sql = try StatisticsService.sql(req.db)
        let start: Start
        switch try await Self.start(req, page: .statistics, title: "Thống kê", heading: "Thống kê giải quyết thủ tục hành chính") {
        case .ready(let s): start = s
        case .invalid(let page): return page
        }
        let (units, fields, r) = (start.units, start.fields, start.request)
        let table = try await StatisticsTable.load(r.period, filter: r.filter, on: sql)
        let total = table.total
        let byAgency = table.byAgency.sorted { ($0.value.received, $1.key) > ($1.value.received, $0.key) }
        let names = try await StatisticsService.procedureNames(req.application, on: sql)
        // The most delayed procedures first.
        let byProcedure = table.byProcedure
            .sorted { ($0.value.flow(.endedLate) + $0.value.lateAtEnd, $0.value.received, $1.key) > ($1.value.flow(.endedLate) + $1.value.lateAtEnd, $1.value.received, $0.key) }

        if let csv = try req.queryString("bang") {
            return try Self.csv(csv, r, total: total, byAgency: byAgency, byProcedure: byProcedure, units: units, names: names)
        }
        let dto = FiguresDTO(total)
        let rates: [(String, Double?)] = [("Đúng và trước hạn", dto.rates.onTime), ("Trực tuyến", dto.rates.online), ("Toàn trình", dto.rates.fullOnline),
                                          ("Thanh toán trực tuyến", dto.rates.paidOnline), ("Kết quả điện tử", dto.rates.electronicResult),
                                          ("Số hóa", dto.rates.digitised), ("Tái sử dụng", dto.rates.reused)]
        // Each card opens the dossiers its number counts (a rate: those in its numerator), where one figure does.
        let cardFigures: [String: Figure] = ["Tiếp nhận": .received, "Đúng và trước hạn": .inTime, "Trực tuyến": .receivedOnline, "Toàn trình": .onlineFull,
                                             "Thanh toán trực tuyến": .paidOnline, "Kết quả điện tử": .electronicResult, "Số hóa": .digitised, "Tái sử dụng": .reused]
        let cards = [("Tiếp nhận", Self.number(total.received))] + (rates + [("Hài lòng", dto.rates.satisfied)]).map { ($0.0, Self.percent($0.1)) }
        let csvBase = r.query(.page)
        let main: HTML = """
        <h1>Thống kê giải quyết thủ tục hành chính</h1>
        <p>Kỳ báo cáo \(r.period.display)\(r.scope(units)). Số liệu tính trực tiếp từ hồ sơ; đến hết ngày \(VietnamTime.displayDay(r.period.last)).
        <a href="\(SiteURL.serviceIndex.with(query: csvBase))">Chỉ số phục vụ (QĐ 766) →</a></p>
        \(Self.form(.statistics, r, units: units, fields: fields, error: nil))
        \(Self.cards(cards.map { ($0.0, $0.1, cardFigures[$0.0].map { Self.drill(r, $0) }) }))
        \(Charts.bars(title: "Các tỷ lệ chính trong kỳ", rates.map { Charts.Bar(label: $0.0, value: $0.1 ?? 0, scale: 1, text: Self.percent($0.1)) }))
        <h2>Số liệu tổng hợp</h2>
        <p><a href="\(SiteURL.statistics.with(query: csvBase + [("bang", "tong-hop")]))">Tải về CSV</a></p>
        <div class="table-wrap"><table><thead><tr><th scope="col">Chỉ tiêu</th><th scope="col" class="num">Số hồ sơ</th></tr></thead><tbody>
        \(Figure.allCases.html { f in "<tr><th scope=\"row\">\(f.label)</th><td class=\"num\"><a href=\"\(Self.drill(r, f))\">\(Self.number(f.value(total)))</a></td></tr>" })
        <tr><th scope="row">Thời gian giải quyết trung bình</th><td class="num">\(dto.averageProcessingDays.map { Components.decimal($0, 1) + " ngày" } ?? "—")</td></tr>
        </tbody></table></div>
        <h2>Theo cơ quan giải quyết</h2>
        <p><a href="\(SiteURL.statistics.with(query: csvBase + [("bang", "co-quan")]))">Tải về CSV</a></p>
        \(Self.groupTable(byAgency.map { (units.name($0.key), $0.key, $0.value) }, r, byAgency: true))
        <h2>Theo thủ tục (trễ hạn nhiều nhất trước)</h2>
        <p>\(if: byProcedure.count > 50, HTML("50 thủ tục đầu trong \(byProcedure.count); tệp CSV có đủ. "))<a href="\(SiteURL.statistics.with(query: csvBase + [("bang", "thu-tuc")]))">Tải về CSV</a></p>
        \(Self.groupTable(byProcedure.prefix(50).map { (names[$0.key] ?? $0.key, $0.key, $0.value) }, r, byAgency: false))
        """
        return Layout.page(req, title: "Thống kê", main: main)
    }

    static let groupColumns = ["Tiếp nhận", "Kết thúc", "Đúng, trước hạn", "Trễ hạn", "Đang giải quyết", "Quá hạn", "Tỷ lệ đúng hạn", "TB ngày"]

    static func groupValues(_ s: Statistics) -> [String] {
        [number(s.received), number(s.ended), number(s.flow(.endedEarly) + s.flow(.endedOnTime)), number(s.flow(.endedLate)),
         number(s.openAtEnd), number(s.lateAtEnd), percent(s.flow(.endedEarly) + s.flow(.endedOnTime), s.ended),
         s.averageProcessingSeconds.map { Components.decimal($0 / 86_400, 1) } ?? "—"]
    }

    static func groupTable(_ rows: [(String, String, Statistics)], _ r: StatisticsRequest, byAgency: Bool) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"muted\">Không có hồ sơ trong kỳ.</p>" }
        func link(_ code: String, _ f: Figure, _ text: String) -> HTML {
            "<a href=\"\(drill(r, f, agency: byAgency ? code : nil, procedure: byAgency ? nil : code))\">\(text)</a>"
        }
        return """
        <div class="table-wrap"><table><thead><tr><th scope="col">\(byAgency ? "Cơ quan" : "Thủ tục")</th>\(groupColumns.html { "<th scope=\"col\" class=\"num\">\($0)</th>" })</tr></thead><tbody>
        \(rows.html { name, code, s in
            let v = groupValues(s)
            return """
            <tr><th scope="row">\(name)<br><small class="muted">\(code)</small></th>
            <td class="num">\(link(code, .received, v[0]))</td><td class="num">\(link(code, .ended, v[1]))</td>
            <td class="num">\(link(code, .inTime, v[2]))</td><td class="num">\(link(code, .late, v[3]))</td><td class="num">\(link(code, .open, v[4]))</td>
            <td class="num">\(link(code, .openLate, v[5]))</td><td class="num">\(v[6])</td><td class="num">\(v[7])</td></tr>
            """
        })
        </tbody></table></div>
        """
    }

    static func csv(_ which: String, _ r: StatisticsRequest, total: Statistics, byAgency: [(key: String, value: Statistics)],
                    byProcedure: [(key: String, value: Statistics)], units: Units, names: [String: String]) throws -> Response {
        let stamp = r.period.label.replacingOccurrences(of: "..", with: "_")
        switch which {
        case "tong-hop":
            // A spreadsheet row stands alone: "— trực tiếp" becomes "Tiếp nhận trong kỳ — trực tiếp".
            var parent = ""
            var rows: [[String]] = Figure.allCases.map { f in
                if !f.label.hasPrefix("— ") { parent = f.label }
                return [f.label.hasPrefix("— ") ? parent + " " + f.label : f.label, f.rawValue, String(f.value(total))]
            }
            rows.append(["Thời gian giải quyết trung bình (ngày)", "average-days",
                         total.averageProcessingSeconds.map { Components.decimal($0 / 86_400, 1) } ?? ""])
            return CSV.response(filename: "thong-ke-\(stamp).csv", header: ["Chỉ tiêu", "Mã", "Số hồ sơ"], rows: rows)
        case "co-quan":
            return CSV.response(filename: "thong-ke-co-quan-\(stamp).csv", header: ["Mã cơ quan", "Cơ quan"] + groupColumns,
                                rows: byAgency.map { [$0.key, units.name($0.key)] + groupValues($0.value) })
        case "thu-tuc":
            return CSV.response(filename: "thong-ke-thu-tuc-\(stamp).csv", header: ["Mã thủ tục", "Thủ tục"] + groupColumns,
                                rows: byProcedure.map { [$0.key, names[$0.key] ?? $0.key] + groupValues($0.value) })
        default:
            throw RequestError.badParameter(name: "bang", reason: "phải là một trong: tong-hop, co-quan, thu-tuc")
        }
    }

    /// The dossiers behind one figure.
    @Sendable func dossiers(_ req: Request) async throws -> Response {
        let sql = try StatisticsService.sql(req.db)
        let units = try await Units.current(req.application, on: req.db)
        let r = try await Self.parse(req, units: units)
        guard let figure = try req.queryEnum(Figure.self, "chi-tieu") else {
            throw RequestError.badParameter(name: "chi-tieu", reason: "cần chọn một chỉ tiêu")
        }
        let negated = try req.queryString("ngoai-tru") == "1"
        let page = max(1, min(10_000, Int(try req.queryString("page") ?? "1") ?? 1))
        let perPage = 50
        // 3.3's dossiers that cost points are those of the procedures offered fully online (its denominator).
        let procedures = figure == .onlineFull && negated
            ? try await CatalogProcedure.current(req.application, on: sql).filter { $0.onlineLevel == .full }.map(\.code) : nil
        let (facts, total) = try await Figure.dossiers(figure, negated: negated, period: r.period, filter: r.filter, procedures: procedures,
                                                       page: page, perPage: perPage, on: sql)
        let asOf = min(r.period.last, VietnamTime.dayNumber(req.now))
        let published = CatalogProcedure.published(try await CatalogProcedure.current(req.application, on: sql))
        let pages = max(1, (total + perPage - 1) / perPage)
        guard page <= pages else { throw RequestError.badParameter(name: "page", reason: "danh sách chỉ có \(pages) trang") }
        if try req.queryString("bang") == "csv" {
            // A spreadsheet's worth; a larger list is a query for the API or the database.
            let (all, _) = try await Figure.dossiers(figure, negated: negated, period: r.period, filter: r.filter, procedures: procedures,
                                                     page: 1, perPage: 200_000, on: sql)
            // Up to 200,000 lines: formatted on the thread pool, not on the event loop serving other requests.
            return try await req.application.threadPool.runIfActive {
                CSV.response(filename: "ho-so-\(figure.rawValue).csv", header: Self.dossierCSVColumns,
                             rows: all.map { Self.dossierRow($0, units, asOf: asOf, published: published, indices: true) })
            }
        }
        // A dossier opens for the officials of the agency deciding it (`DossierService.canView`):
        // the others see its line, not a link that answers 403.
        let mine = Set(req.viewer?.grants.compactMap(\.agencyID) ?? [])
        let names = try await StatisticsService.procedureNames(req.application, on: sql)
        let query = r.query(.page) + [("chi-tieu", figure.rawValue), ("ngoai-tru", negated ? "1" : nil)]
        let title = (negated ? "Không thuộc: " : "") + figure.label.replacingOccurrences(of: "— ", with: "")
        let main: HTML = """
        <h1>\(title)</h1>
        <p>Kỳ báo cáo \(r.period.display)\(r.scope(units)).
        <a href="\(SiteURL.statistics.with(query: r.query(.page)))">← Về thống kê</a> · <a href="\(SiteURL.statisticsDossiers.with(query: query + [("bang", "csv")]))">Tải về CSV</a>\(if: total > 200_000, HTML(" (200.000 hồ sơ mới nhất)"))</p>
        <div class="table-wrap"><table><thead><tr>\(Self.dossierColumns.html { "<th scope=\"col\">\($0)</th>" })</tr></thead><tbody>
        \(facts.html { f in
            let row = Self.dossierRow(f, units, asOf: asOf, published: published)
            let code: HTML = units.unit(code: f.agencyCode).map { mine.contains($0.id) } == true
                ? "<a href=\"\(SiteURL.dossier(code: f.code).path)\">\(f.code)</a>" : "\(f.code)"
            return "<tr><td>\(code)</td><td>\(names[f.procedureCode] ?? f.procedureCode)</td>\(row.dropFirst(2).html { "<td>\($0)</td>" })</tr>"
        })
        </tbody></table></div>
        <p class="muted">Điểm TT 01: tổng sáu chỉ số đánh giá từng hồ sơ đã kết thúc theo Thông tư 01/2018/TT-VPCP (chỉ số 1, 2, 3, 4, 6, 7; mỗi chỉ số 0–2 điểm); điểm của đơn vị là trung bình các hồ sơ. Bảng CSV có từng chỉ số.</p>
        \(Components.pagination(base: .statisticsDossiers, query: query, page: page, pageCount: pages, total: total))
        """
        return Layout.page(req, title: title, main: main)
    }

    /// Đánh giá theo TT 01/2018: the unit's nine indices, and the ranked units' totals and grades.
    /// - Parameter officersPage: where the agency's officials are scored, when they were not asked for here.
    static func scores(_ report: StatisticsService.IndexReport, officersPage: String? = nil) -> HTML {
        let own: HTML = report.score.map { sc in
            """
            <p>\(sc.dossiers) hồ sơ kết thúc trong kỳ: <strong>\(Components.decimal(sc.total, 1))/18 điểm — \(sc.grade.label)</strong>.</p>
            <div class="table-wrap"><table><thead><tr><th scope="col">Chỉ số</th><th scope="col">Nội dung</th><th scope="col" class="num">Điểm</th></tr></thead><tbody>
            \(sc.indices.html { i in "<tr><th scope=\"row\">\(i.number)</th><td>\(i.name)\(if: i.note != nil, HTML("<br><small class=\"muted\">\(i.note ?? "")</small>"))</td><td class=\"num\">\(Components.decimal(i.score, 1))/2</td></tr>" })
            </tbody></table></div>
            """
        } ?? "<p class=\"muted\">Không có hồ sơ kết thúc trong kỳ để đánh giá.</p>"
        let units: HTML = report.unitScores.map { list in
            """
            <div class="table-wrap"><table><thead><tr><th scope="col">Cơ quan</th><th scope="col" class="num">Hồ sơ</th><th scope="col" class="num">Điểm</th><th scope="col">Xếp loại</th></tr></thead><tbody>
            \(list.html { u, sc in "<tr><td>\(u.name)</td><td class=\"num\">\(sc.map { number($0.dossiers) } ?? "0")</td><td class=\"num\">\(sc.map { Components.decimal($0.total, 1) } ?? "—")</td><td>\(sc?.grade.label ?? "Chưa có hồ sơ")</td></tr>" })
            </tbody></table></div>
            """
        } ?? .empty
        let officers: HTML = report.officers.map { list in
            list.isEmpty ? "<p class=\"muted\">Không có cán bộ nào xử lý hồ sơ kết thúc trong kỳ.</p>" : """
            <h3>Cán bộ, công chức</h3>
            <div class="table-wrap"><table><thead><tr><th scope="col">Cán bộ, công chức</th><th scope="col" class="num">Hồ sơ đã xử lý</th><th scope="col" class="num">Điểm</th><th scope="col">Xếp loại</th></tr></thead><tbody>
            \(list.html { o in "<tr><td>\(o.name)</td><td class=\"num\">\(number(o.score.dossiers))</td><td class=\"num\">\(Components.decimal(o.score.total, 1))</td><td>\(o.score.grade.label)</td></tr>" })
            </tbody></table></div>
            """
        } ?? (officersPage.map { "<p><a href=\"\($0)\">Đánh giá từng cán bộ, công chức của cơ quan →</a></p>" }
              ?? "<p class=\"muted\">Chọn một cơ quan để xem đánh giá từng cán bộ, công chức.</p>")
        return """
        <h2>Đánh giá theo Thông tư 01/2018/TT-VPCP</h2>
        \(own)
        \(units)
        \(officers)
        <p class="muted">Sáu chỉ số tính cho từng hồ sơ kết thúc trong kỳ rồi lấy trung bình; ba chỉ số tính cho cơ quan. Xuất sắc từ 15 điểm, tốt từ 12, khá từ 9, trung bình từ 6. Chọn kỳ là quý (2026-Q4) hoặc năm để đánh giá hằng quý, hằng năm.</p>
        """
    }

    /// Bảng điều khiển: the overview an operations centre puts on a wall, public like the national
    /// portal's scoreboard (counts only), refreshed every five minutes without any script.
    @Sendable func dashboard(_ req: Request) async throws -> Response {
        let sql = try StatisticsService.sql(req.db)
        let units = try await Units.current(req.application, on: req.db)
        let today = VietnamTime.dayNumber(req.now)
        let year = VietnamTime.civil(today).year
        let period = Period(first: VietnamTime.dayNumber(year: year, month: 1, day: 1), last: today, label: String(year))
        let r = StatisticsRequest(period: period, filter: StatisticsFilter(), agency: nil, commune: nil, procedure: nil, field: nil)
        let report = try await StatisticsService.serviceIndex(r, units: units, ranking: true, app: req.application, on: sql)
        let table = report.table
        let total = table.total
        let dto = FiguresDTO(total)
        let names = try await StatisticsService.procedureNames(req.application, on: sql)
        let delayed = table.byProcedure.map { ($0.key, $0.value.flow(.endedLate) + $0.value.lateAtEnd) }
            .filter { $0.1 > 0 }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(10)
        let ranking = report.ranking ?? []
        if try req.queryString("bang") == "csv" {
            return CSV.response(filename: "xep-hang-\(year).csv", header: ["Hạng", "Mã cơ quan", "Cơ quan", "Điểm QĐ 766"],
                                rows: ranking.enumerated().map { [String($0 + 1), $1.0.code, $1.0.name, Components.decimal($1.1.total, 2)] })
        }
        let history = try await IndexSnapshots.history(agency: nil, in: period.first...today, on: sql)
        let departments = ranking.filter { $0.0.level == .province }, communes = ranking.filter { $0.0.level == .commune }
        func rankList(_ list: [(Units.Unit, ServiceIndex)], _ title: String) -> HTML {
            guard !list.isEmpty else { return .empty }
            let shown = list.count > 10 ? Array(list.prefix(5)) + Array(list.suffix(5)) : list
            return Charts.bars(title: title + (list.count > 10 ? " (5 cao nhất, 5 thấp nhất)" : ""),
                               shown.map { Charts.Bar(label: $0.0.name.replacingOccurrences(of: "Ủy ban nhân dân ", with: "UBND "), value: $0.1.total, scale: 100,
                                                      text: Components.decimal($0.1.total, 2)) })
        }
        // For officials, each card opens what its number counts: the index page, or the dossiers (of
        // a rate, its numerator). The wall is public; those pages are not, so others get no links.
        let official = req.viewer?.kind == .official
        func drill(_ f: Figure, procedure: String? = nil) -> String? { official ? Self.drill(r, f, procedure: procedure) : nil }
        let cards: [(what: String, value: String, href: String?)] = [
            ("Điểm QĐ 766", Components.decimal(report.index.total, 2), official ? SiteURL.serviceIndex.with(query: r.query(.page)) : nil),
            ("Tiếp nhận từ đầu năm", Self.number(total.received), drill(.received)),
            ("Đúng và trước hạn", Self.percent(dto.rates.onTime), drill(.inTime)),
            ("Đang giải quyết", Self.number(total.openAtEnd), drill(.open)),
            ("Quá hạn", Self.number(total.lateAtEnd), drill(.openLate)),
            ("Trực tuyến", Self.percent(dto.rates.online), drill(.receivedOnline)),
            ("Số hóa", Self.percent(dto.rates.digitised), drill(.digitised)),
            ("Hài lòng", Self.percent(dto.rates.satisfied), nil),
        ]
        let delayedList: HTML = delayed.isEmpty ? "<p>Không có hồ sơ trễ hạn từ đầu năm.</p>" : """
        <ol>\(delayed.html { code, n -> HTML in
            let count: HTML = "\(Self.number(n)) hồ sơ"
            let linked: HTML = drill(.lateOrOverdue, procedure: code).map { "<a href=\"\($0)\">\(count)</a>" } ?? count
            return "<li>\(names[code] ?? code) — \(linked)</li>"
        })</ol>
        """
        let page = Layout.document(title: "Bảng điều khiển", viewer: req.viewer, csrf: req.csrfToken, flash: nil, main: """
        <h1>Bảng điều khiển chỉ số phục vụ — năm \(year)</h1>
        <p>Số liệu từ đầu năm đến \(VietnamTime.display(req.now)), tự làm mới 5 phút một lần. <a href="\(SiteURL.dashboard.with(query: [("bang", "csv")]))">Tải bảng xếp hạng (CSV)</a></p>
        \(Self.cards(cards))
        \(Charts.bars(title: "Điểm QĐ 766 theo nhóm", ServiceIndex.groups.map { g in
            Charts.Bar(label: g.1, value: report.index.points(group: g.0), scale: g.2, text: Components.decimal(report.index.points(group: g.0), 2) + "/" + Components.decimal(g.2, 0)) }))
        \(Charts.line(title: "Điểm QĐ 766 từ đầu năm, theo ngày", points: history.map { (VietnamTime.displayDay($0.day), $0.total) }, maxValue: 100))
        \(rankList(departments, "Xếp hạng sở, ngành"))
        \(rankList(communes, "Xếp hạng xã, phường"))
        <h2>Thủ tục trễ hạn nhiều nhất</h2>
        \(delayedList)
        """)
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "Refresh", value: "300")
        return Response(status: .ok, headers: headers, body: .init(string: page.rendered))
    }

    static let dossierColumns = ["Mã hồ sơ", "Thủ tục", "Cơ quan giải quyết", "Kênh", "Tiếp nhận", "Hẹn trả", "Kết thúc", "Kết quả", "Tiến độ",
                                 "Lần bổ sung", "Điểm TT 01"]
    /// The CSV adds each per-dossier index of TT 01/2018.
    static let dossierCSVColumns = dossierColumns + UnitScore.dossierIndexNumbers.map { "TT 01 chỉ số \($0)" }

    /// A dossier's line; `asOf` is the day its progress is told at (the period's end, or today).
    /// `published`: the procedures fully published (TT 01/2018 index 6). With `indices`, the
    /// per-dossier TT 01 scores follow the columns (the CSV).
    static func dossierRow(_ f: DossierFact, _ units: Units, asOf: Int, published: Set<String>, indices: Bool = false) -> [String] {
        // A dossier that ended after `asOf` was still open then.
        let ended = f.endDay.map { $0 <= asOf } ?? false
        let scores = ended ? UnitScore.dossierScores(f, complete: published.contains(f.procedureCode)) : nil
        let kind: String = switch f.endKind {
        case .some where !ended: "Đang giải quyết"
        case .granted: "Cấp kết quả"
        case .refused: "Từ chối"
        case .stopped: "Dừng xử lý"
        case .withdrawn: "Rút hồ sơ"
        case nil: f.receivedDay == nil ? "Không được tiếp nhận" : "Đang giải quyết"
        }
        let timeliness: String = switch f.timeliness {
        case _ where f.receivedDay == nil: ""
        case _ where !ended: f.lateSinceDay.map { $0 <= asOf } == true ? "Quá hạn" : "Trong hạn"
        case .early: "Trước hạn"
        case .onTime: "Đúng hạn"
        case .late: "Trễ hạn"
        case nil: ""
        }
        let channel = f.channel == 2 ? "Trực tuyến" : f.channel == 3 ? "Bưu chính" : "Trực tiếp"
        let score: String = scores.map { "\($0.reduce(0, +))/\(2 * $0.count)" } ?? "—"
        var row = [f.code, f.procedureCode, units.name(f.agencyCode), channel, f.receivedDay.map(VietnamTime.displayDay) ?? "—",
                   f.dueDay.map(VietnamTime.displayDay) ?? "—", ended ? f.endDay.map(VietnamTime.displayDay) ?? "—" : "—", kind, timeliness,
                   String(f.supplementEpisodes.count), score]
        if indices {
            let each: [String] = scores.map { $0.map(String.init) } ?? Array(repeating: "", count: UnitScore.dossierIndexNumbers.count)
            row += each
        }
        return row
    }

    /// Chỉ số 766: every indicator with its formula, rate, target, points and the gap to the target.
    @Sendable func serviceIndex(_ req: Request) async throws -> Response {
        let sql = try StatisticsService.sql(req.db)
        let start: Start
        switch try await Self.start(req, page: .serviceIndex, title: "Chỉ số phục vụ", heading: "Chỉ số phục vụ người dân, doanh nghiệp (QĐ 766)") {
        case .ready(let s): start = s
        case .invalid(let page): return page
        }
        let (units, fields, r) = (start.units, start.fields, start.request)
        let table = try req.queryString("bang")
        let officersAsked = try req.queryString("can-bo") == "1" || table == "tt01-can-bo"
        let report = try await StatisticsService.serviceIndex(r, units: units, ranking: true, officers: officersAsked, app: req.application, on: sql)
        let index = report.index
        let label = r.period.label.replacingOccurrences(of: "..", with: "_")
        switch table {
        case nil: break
        case "xep-hang":
            return CSV.response(filename: "xep-hang-766-\(label).csv", header: ["Hạng", "Mã cơ quan", "Cơ quan", "Điểm QĐ 766"],
                                rows: (report.ranking ?? []).enumerated().map { [String($0 + 1), $1.0.code, $1.0.name, Components.decimal($1.1.total, 2)] })
        case "tt01":
            return CSV.response(filename: "tt01-2018-\(label).csv", header: ["Chỉ số", "Nội dung", "Điểm", "Điểm tối đa", "Ghi chú"],
                                rows: (report.score?.indices ?? []).map { [String($0.number), $0.name, Components.decimal($0.score, 1), "2", $0.note ?? ""] })
        case "tt01-don-vi":
            return CSV.response(filename: "tt01-2018-don-vi-\(label).csv", header: ["Mã cơ quan", "Cơ quan", "Hồ sơ", "Điểm", "Xếp loại"],
                                rows: (report.unitScores ?? []).map { u, sc in
                                    [u.code, u.name, String(sc?.dossiers ?? 0), sc.map { Components.decimal($0.total, 1) } ?? "", sc?.grade.label ?? "Chưa có hồ sơ"]
                                })
        case "tt01-can-bo":
            return CSV.response(filename: "tt01-2018-can-bo-\(label).csv", header: ["Cán bộ, công chức", "Hồ sơ đã xử lý", "Điểm", "Xếp loại"],
                                rows: (report.officers ?? []).map { [$0.name, String($0.score.dossiers), Components.decimal($0.score.total, 1), $0.score.grade.label] })
        case "csv":
            return CSV.response(filename: "chi-so-766-\(label).csv",
                                header: ["Chỉ số", "Tên", "Công thức", "Tử số", "Mẫu số", "Tỷ lệ", "Chỉ tiêu", "Điểm", "Điểm tối đa", "Ghi chú"],
                                rows: index.indicators.map { i in
                                    [i.id, i.name, i.formula, i.numerator.map(String.init) ?? "", i.denominator.map(String.init) ?? "",
                                     Self.percent(i.rate), Self.percent(i.target), Components.decimal(i.points, 2), Components.decimal(i.maxPoints, 0),
                                     i.unmeasured ?? ""]
                                })
        default:
            throw RequestError.badParameter(name: "bang", reason: "phải là một trong: csv, xep-hang, tt01, tt01-don-vi, tt01-can-bo")
        }
        let query = r.query(.page)
        let groupBars = ServiceIndex.groups.map { g in
            Charts.Bar(label: g.1, value: index.points(group: g.0), scale: g.2, text: Components.decimal(index.points(group: g.0), 2) + "/" + Components.decimal(g.2, 0))
        }
        let rows = index.indicators.html { i in
            let loss = i.lossFigure.flatMap(Figure.costing).map { c in
                HTML("<a href=\"\(Self.drill(r, c.figure, negated: c.negated))\">Hồ sơ làm mất điểm</a>")
            } ?? .empty
            return """
            <tr><th scope="row">\(i.id)</th><td>\(i.name)<br><small class="muted">\(i.formula)</small>\(if: i.unmeasured != nil, HTML("<br><small>\(i.unmeasured ?? "")</small>"))</td>
            <td class="num">\(i.numerator.map { Self.number($0) } ?? "—")/\(i.denominator.map { Self.number($0) } ?? "—")</td>
            <td class="num">\(Self.percent(i.rate))</td><td class="num">\(Self.percent(i.target))</td>
            <td class="num">\(Components.decimal(i.points, 2))/\(Components.decimal(i.maxPoints, 0))</td>
            <td class="num">\(Components.decimal(i.gap, 2))</td><td>\(loss)</td></tr>
            """
        }
        let ranking: HTML = report.ranking.map { list in
            """
            <h2>Xếp hạng các cơ quan, đơn vị</h2>
            <div class="table-wrap"><table><thead><tr><th scope="col">Hạng</th><th scope="col">Cơ quan</th><th scope="col" class="num">Điểm</th></tr></thead><tbody>
            \(list.enumerated().html { n, e in
                "<tr><td>\(n + 1)</td><td><a href=\"\(SiteURL.serviceIndex.with(query: query.filter { $0.0 != "co-quan" } + [("co-quan", e.0.code)]))\">\(e.0.name)</a></td><td class=\"num\">\(Components.decimal(e.1.total, 2))</td></tr>"
            })
            </tbody></table></div>
            """
        } ?? .empty
        let days = IndexSnapshots.trendDays(r.period, today: VietnamTime.dayNumber(req.now))
        let history = r.filter.procedureCode == nil && r.filter.fieldCode == nil ? try await IndexSnapshots.history(agency: r.agency, in: days, on: sql) : []
        let trend: HTML = history.isEmpty
            ? "<p class=\"muted\">Chưa có điểm hằng ngày cho kỳ này: điểm được ghi mỗi ngày từ khi hệ thống chạy (và 60 ngày trước đó), cho toàn tỉnh và từng cơ quan, không theo thủ tục hay lĩnh vực.</p>"
            : Charts.line(title: "Tổng điểm từ đầu năm đến từng ngày (\(VietnamTime.displayDay(days.lowerBound))–\(VietnamTime.displayDay(days.upperBound)))",
                          points: history.map { (VietnamTime.displayDay($0.day), $0.total) }, maxValue: 100)
        let main: HTML = """
        <h1>Chỉ số phục vụ người dân, doanh nghiệp (QĐ 766)</h1>
        <p>Kỳ báo cáo \(r.period.display)\(r.scope(units)). <a href="\(SiteURL.statistics.with(query: query))">← Thống kê</a>
        · Tải về CSV: <a href="\(SiteURL.serviceIndex.with(query: query + [("bang", "csv")]))">chỉ số</a>\
        \(if: report.ranking != nil, HTML(", <a href=\"\(SiteURL.serviceIndex.with(query: query + [("bang", "xep-hang")]))\">xếp hạng</a>"))\
        \(if: report.score != nil, HTML(", <a href=\"\(SiteURL.serviceIndex.with(query: query + [("bang", "tt01")]))\">TT 01/2018</a>"))\
        \(if: report.unitScores != nil, HTML(", <a href=\"\(SiteURL.serviceIndex.with(query: query + [("bang", "tt01-don-vi")]))\">TT 01/2018 theo cơ quan</a>"))\
        \(if: r.agency != nil, HTML(", <a href=\"\(SiteURL.serviceIndex.with(query: query + [("bang", "tt01-can-bo")]))\">TT 01/2018 theo cán bộ</a>"))</p>
        \(Self.form(.serviceIndex, r, units: units, fields: fields, error: nil))
        \(Self.cards([("Tổng điểm", Components.decimal(index.total, 2) + "/100", nil),
                      ("Điểm tối đa của các chỉ số đo được", Components.decimal(index.measuredMax, 0), nil)]))
        \(Charts.bars(title: "Điểm theo nhóm chỉ số", groupBars))
        \(trend)
        <div class="table-wrap"><table><thead><tr><th scope="col">Chỉ số</th><th scope="col">Tên và công thức</th><th scope="col" class="num">Tử số/mẫu số</th>
        <th scope="col" class="num">Tỷ lệ</th><th scope="col" class="num">Chỉ tiêu</th><th scope="col" class="num">Điểm</th><th scope="col" class="num">Còn thiếu</th><th scope="col">Chi tiết</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        <p class="muted">Điểm: đạt chỉ tiêu được đủ điểm; chưa đạt, điểm = tỷ lệ × điểm tối đa ÷ chỉ tiêu; chỉ số không có chỉ tiêu, điểm = tỷ lệ × điểm tối đa. Hồ sơ đang giải quyết được tính tại ngày cuối kỳ; thời gian chờ bổ sung không tính; bổ sung quá một lần tính là trễ hạn.</p>
        \(ranking)
        \(Self.scores(report, officersPage: r.agency == nil ? nil : SiteURL.serviceIndex.with(query: query + [("can-bo", "1")])))
        """
        return Layout.page(req, title: "Chỉ số phục vụ (QĐ 766)", main: main)
    }
}
