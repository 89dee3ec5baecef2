import Directory
import Fluent
import Kernel
import Vapor
import WebUI

/// The citizen-facing portal: home, procedure search, procedure detail.
struct ProcedurePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.home.route, use: home)
        routes.get(SiteURL.procedures.route, use: list)
        routes.get(SiteURL.procedure(code: ":code").route, use: detail)
    }

    static func searchForm(q: String?) -> HTML {
        """
        <form action="\(SiteURL.procedures.path)" method="get" role="search" class="search-row">
        <label class="visually-hidden" for="q">Tìm thủ tục hành chính</label>
        <input id="q" name="q" type="search" value="\(q ?? "")" placeholder="Ví dụ: đăng ký khai sinh">
        <button type="submit">Tìm kiếm</button>
        </form>
        """
    }

    @Sendable func home(_ req: Request) async throws -> Response {
        let counts = try await ProcedureQueries.count(on: req.db)
        let fields = try await DirectoryQueries.fields(on: req.db)
        let main: HTML = """
        <section class="hero" aria-labelledby="tim">
        <h1 id="tim">Tìm thủ tục hành chính</h1>
        <p>Tra cứu \(counts.all) thủ tục hành chính của tỉnh và cấp xã, trong đó \(counts.fullOnline) thủ tục nộp trực tuyến toàn trình.</p>
        \(Self.searchForm(q: nil))
        </section>
        <h2>Tra cứu theo lĩnh vực</h2>
        <ul class="cards">\(fields.prefix(24).html { f in
            "<li><a href=\"\(SiteURL.procedures.with(query: [("field", f.code)]))\">\(f.name)</a></li>"
        })</ul>
        <p><a href="\(SiteURL.fields.path)">Tất cả lĩnh vực</a> · <a href="\(SiteURL.agencies.path)">Cơ quan giải quyết</a></p>
        """
        return Layout.page(req, title: "Trang chủ", main: main)
    }

    @Sendable func list(_ req: Request) async throws -> Response {
        let filter = try ProceduresAPI.filter(req)
        let page = try await ProcedureQueries.search(filter, page: Paging(from: req), on: req.db)
        let fields = try await DirectoryQueries.fields(on: req.db)
        let results: HTML = page.items.isEmpty
            ? "<p role=\"status\">Không tìm thấy thủ tục phù hợp. Hãy thử từ khóa ngắn hơn hoặc bỏ bớt bộ lọc.</p>"
            : "<ul class=\"results\">\(page.items.html(Self.row))</ul>"
        let main: HTML = """
        <h1>Thủ tục hành chính</h1>
        <form class="filters" method="get" action="\(SiteURL.procedures.path)" role="search">
        <div class="wide">\(Components.field("Từ khóa", name: "q", type: "search", value: filter.q))</div>
        \(Components.select("Lĩnh vực", name: "field", options: [("", "Tất cả lĩnh vực")] + fields.map { ($0.code, $0.name) }, selected: filter.field))
        \(Components.select("Cấp thực hiện", name: "level", options: [("", "Tất cả"), ("province", "Cấp tỉnh"), ("commune", "Cấp xã")], selected: filter.level))
        \(Components.select("Mức độ trực tuyến", name: "online", options: [("", "Tất cả")] + ProcedureDefinition.OnlineLevel.allCases.map { ($0.rawValue, $0.label) }, selected: filter.online?.rawValue))
        \(if: filter.agency != nil, HTML("<input type=\"hidden\" name=\"agency\" value=\"\(filter.agency)\">"))
        <div><button type="submit">Tìm kiếm</button></div>
        </form>
        \(results)
        \(Components.pagination(base: .procedures, query: [("q", filter.q), ("field", filter.field), ("level", filter.level), ("online", filter.online?.rawValue), ("agency", filter.agency)],
                                page: page.page, pageCount: page.pageCount, total: page.total))
        """
        return Layout.page(req, title: "Thủ tục hành chính", main: main)
    }

    static func row(_ p: ProcedureSummaryDTO) -> HTML {
        let online = ProcedureDefinition.OnlineLevel(rawValue: p.onlineLevel) ?? .none
        return """
        <li><a class="procedure-link" href="\(SiteURL.procedure(code: p.code).path)">\(p.name)</a>
        <div class="meta"><span>Mã \(p.code)</span><span>\(p.fieldName)</span><span>\(levelLabel(p.levels))</span>
        <span>\(p.processingTime)</span>\(Components.badge(online.label, tone: online == .full ? "ok" : "neutral"))</div></li>
        """
    }

    static func levelLabel(_ levels: [String]) -> String {
        levels.map { $0 == "province" ? "Cấp tỉnh" : "Cấp xã" }.joined(separator: ", ")
    }

    @Sendable func detail(_ req: Request) async throws -> Response {
        let p = try await ProcedureQueries.procedure(code: req.pathParameter("code"), on: req.db)
        let d = p.definition
        let documents = d.documents.html { doc in
            """
            <tr><td>\(doc.name)\(if: doc.template != nil, HTML("<br><span class=\"muted\">Mẫu: \(doc.template)</span>"))</td>
            <td>\(doc.originals)</td><td>\(doc.copies)</td><td>\(doc.mandatory ? "Bắt buộc" : "Nếu có")</td></tr>
            """
        }
        let fees: HTML = d.fees.isEmpty ? "<p>Không thu phí, lệ phí.</p>" : """
            <ul>\(d.fees.html { f in "<li>\(f.name): <strong>\(Components.money(f.amount))</strong>\(if: f.note != nil, HTML(" — \(f.note)"))</li>" })</ul>
            """
        let workflow = d.workflow.html { s in
            "<li>\(s.name) — \(roleLabel(s.role)), \(s.agency == "receiving" ? "cơ quan tiếp nhận" : "cơ quan giải quyết") (\(hoursLabel(s.workingHours)))</li>"
        }
        let communeLevel = "Ủy ban nhân dân cấp xã nơi nộp hồ sơ"
        let canEdit = req.viewer?.isAdmin ?? false
        let main: HTML = """
        <p><a href="\(SiteURL.procedures.path)">← Danh sách thủ tục</a></p>
        <h1>\(d.name)</h1>
        \(Components.facts([
            ("Mã thủ tục", "\(d.code)"),
            ("Lĩnh vực", "<a href=\"\(SiteURL.procedures.with(query: [("field", d.field)]))\">\(p.fieldName)</a>"),
            ("Cấp thực hiện", "\(Self.levelLabel(d.levels))"),
            ("Cơ quan tiếp nhận", "\(p.receivingAgencyName ?? communeLevel)"),
            ("Cơ quan giải quyết", "\(p.decidingAgencyName ?? communeLevel)"),
            ("Thời hạn giải quyết", "\(d.processingTime.label)\(d.processingNote.map { " (\($0))" } ?? "")"),
            ("Mức độ trực tuyến", Components.badge(d.onlineLevel.label, tone: d.onlineLevel == .full ? "ok" : "neutral")),
            ("Đối tượng thực hiện", "\(d.applicants)"),
            ("Kết quả", "\(d.result)"),
        ]))
        <h2>Trình tự thực hiện</h2>
        \(Self.steps(d.steps))
        \(if: !d.form.isEmpty, HTML("<h2>Thông tin cần khai</h2><ul>\(d.form.html { "<li>\($0.label)\(if: $0.required, HTML(" <span class=\"req\">(bắt buộc)</span>"))</li>" })</ul>"))
        <h2>Thành phần hồ sơ</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Giấy tờ</th><th scope="col">Bản chính</th><th scope="col">Bản sao</th><th scope="col">Yêu cầu</th></tr></thead>
        <tbody>\(documents)</tbody></table></div>
        <h2>Phí, lệ phí</h2>
        \(fees)
        <h2>Căn cứ pháp lý</h2>
        <ul>\(d.legalBasis.html { "<li>\($0)</li>" })</ul>
        \(if: !d.workflow.isEmpty, HTML("<h2>Quy trình xử lý nội bộ</h2><ol>\(workflow)</ol>"))
        \(if: d.onlineLevel != .none, HTML("<p><a class=\"button\" href=\"\(SiteURL.submit(procedure: d.code).path)\">Nộp hồ sơ trực tuyến</a></p>"))
        <p class="muted">Phiên bản \(p.version).</p>
        \(if: canEdit, HTML("<p><a class=\"button secondary\" href=\"\(SiteURL.adminProcedure(code: d.code).path)\">Sửa thủ tục</a></p>"))
        """
        return Layout.page(req, title: d.name, main: main)
    }

    /// "Bước 1: … Bước 2: …" reads better as a numbered list; other text stays a paragraph.
    static func steps(_ text: String) -> HTML {
        let parts = text.components(separatedBy: "Bước ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let numbered = parts.compactMap { part -> String? in
            guard let colon = part.firstIndex(of: ":"), Int(part[..<colon]) != nil else { return nil }
            return part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard numbered.count >= 2, numbered.count == parts.count else { return "<p>\(text)</p>" }
        return "<ol>\(numbered.html { "<li>\($0)</li>" })</ol>"
    }

    func roleLabel(_ role: String) -> String {
        switch role {
        case "one-stop-officer": "cán bộ một cửa"
        case "specialist": "chuyên viên"
        case "leader": "lãnh đạo"
        case "clerk": "văn thư"
        default: role
        }
    }

    func hoursLabel(_ h: Double) -> String {
        h == h.rounded() ? "\(Int(h)) giờ" : Components.decimal(h, 1) + " giờ"
    }
}
