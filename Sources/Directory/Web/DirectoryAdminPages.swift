import Fluent
import Kernel
import Vapor
import WebUI

/// Admin pages to maintain agencies and fields. Platform admins edit everything; an agency admin
/// edits the contact details of their own agency.
struct DirectoryAdminPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped(RequireViewer.admin)
        admin.get(SiteURL.adminAgencies.route, use: agencies)
        admin.post(SiteURL.adminAgencies.route, use: createAgency)
        admin.get(SiteURL.adminFields.route, use: fields)
        admin.post(SiteURL.adminFields.route, use: saveField)
        admin.post(SiteURL.adminField(code: ":code").route, use: saveField)
        let official = routes.grouped(RequireViewer.official)
        official.get(SiteURL.adminAgency(code: ":code").route, use: editAgency)
        official.post(SiteURL.adminAgency(code: ":code").route, use: updateAgency)
    }

    struct AgencyForm: Content {
        var code: String?
        var name: String?
        var shortName: String?
        var kind: String?
        var level: String?
        var parentCode: String?
        var address: String?
        var phone: String?
        var email: String?
        var active: String?
    }

    @Sendable func agencies(_ req: Request) async throws -> Response {
        try await agencyList(req, form: AgencyForm(), errors: [])
    }

    func agencyList(_ req: Request, form: AgencyForm, errors: [String]) async throws -> Response {
        let q = try req.queryString("q")
        let page = try await DirectoryQueries.agencies(.init(q: q), page: Paging(from: req, defaultPer: 50), on: req.db)
        let main: HTML = """
        <h1>Quản trị cơ quan, đơn vị</h1>
        <form class="filters" method="get" role="search">
        \(Components.field("Tìm cơ quan", name: "q", type: "search", value: q))
        <div class="field"><span aria-hidden="true">&nbsp;</span><button type="submit">Tìm</button></div>
        </form>
        <div class="table-wrap"><table><thead><tr><th scope="col">Mã</th><th scope="col">Tên</th><th scope="col">Trạng thái</th></tr></thead>
        <tbody>\(page.items.html { a in
            "<tr><td><code>\(a.code)</code></td><td><a href=\"\(SiteURL.adminAgency(code: a.code).path)\">\(a.name)</a></td><td>\(a.active ? Components.badge("Hoạt động", tone: "ok") : Components.badge("Ngừng hoạt động", tone: "warn"))</td></tr>"
        })</tbody></table></div>
        \(Components.pagination(base: .adminAgencies, query: [("q", q)], page: page.page, pageCount: page.pageCount, total: page.total))
        <h2 id="them">Thêm cơ quan</h2>
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.adminAgencies.path)">
        \(Components.csrfField(req.csrfToken))
        \(agencyFields(form, includeCode: true))
        <button type="submit">Thêm cơ quan</button>
        </form>
        """
        return Layout.page(req, title: "Quản trị cơ quan", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    func agencyFields(_ f: AgencyForm, includeCode: Bool) -> HTML {
        let kinds: [(String, String)] = [
            ("people-committee", "Ủy ban nhân dân"), ("office", "Văn phòng"), ("department", "Sở, ban, ngành"),
            ("service-centre", "Trung tâm phục vụ hành chính công"), ("police", "Công an"), ("inspectorate", "Thanh tra"), ("other", "Khác"),
        ]
        return """
        \(if: includeCode, Components.field("Mã định danh (QĐ 20/2020)", name: "code", value: f.code, required: true, hint: "Ví dụ: H42.07"))
        \(Components.field("Tên cơ quan", name: "name", value: f.name, required: true))
        \(Components.field("Tên viết tắt", name: "shortName", value: f.shortName))
        \(Components.select("Loại", name: "kind", options: kinds, selected: f.kind))
        \(Components.select("Cấp", name: "level", options: [("province", "Cấp tỉnh"), ("commune", "Cấp xã")], selected: f.level))
        \(Components.field("Mã cơ quan cấp trên", name: "parentCode", value: f.parentCode))
        \(Components.field("Địa chỉ", name: "address", value: f.address))
        \(Components.field("Điện thoại", name: "phone", type: "tel", value: f.phone))
        \(Components.field("Thư điện tử", name: "email", type: "email", value: f.email))
        """
    }

    @Sendable func createAgency(_ req: Request) async throws -> Response {
        let form = try req.content.decode(AgencyForm.self)
        let agency = Agency()
        agency.isActive = true
        agency.adminUnitCode = nil
        do {
            try await apply(form, to: agency, includeCode: true, on: req.db)
            try await agency.save(on: req.db)
            req.application.agencyLookup.forget(code: agency.code)
        } catch let error as DirectoryError {
            return try await agencyList(req, form: form, errors: [error.message])
        }
        return req.redirect(to: SiteURL.adminAgency(code: agency.code).path + "?saved=1")
    }

    func apply(_ f: AgencyForm, to a: Agency, includeCode: Bool, on db: any Database) async throws {
        func clean(_ s: String?) -> String { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        if includeCode {
            let code = clean(f.code).uppercased()
            guard AgencyCode.isValid(code) else { throw DirectoryError.invalidAgencyCode(code) }
            if try await Agency.query(on: db).filter(\.$code == code).filter(\.$id != a.id ?? UUID()).count() > 0 {
                throw DirectoryError.duplicateCode(code)
            }
            a.code = code
        }
        let name = clean(f.name)
        guard !name.isEmpty, name.count <= 300 else { throw DirectoryError.invalidInput("Tên cơ quan không được để trống (tối đa 300 ký tự).") }
        guard let kind = Agency.Kind(rawValue: clean(f.kind)) else { throw DirectoryError.invalidInput("Loại cơ quan không hợp lệ.") }
        guard let level = Agency.Level(rawValue: clean(f.level)) else { throw DirectoryError.invalidInput("Cấp cơ quan không hợp lệ.") }
        let email = clean(f.email)
        guard email.isEmpty || (email.contains("@") && email.count <= 200) else { throw DirectoryError.invalidInput("Thư điện tử không hợp lệ.") }
        let parentCode = clean(f.parentCode).uppercased()
        if parentCode.isEmpty {
            a.parentID = nil
        } else {
            guard let parent = try await Agency.query(on: db).filter(\.$code == parentCode).first() else {
                throw DirectoryError.agencyNotFound(code: parentCode)
            }
            guard parent.id != a.id else { throw DirectoryError.invalidInput("Cơ quan không thể là cấp trên của chính nó.") }
            a.parentID = parent.id
        }
        a.name = name
        a.nameFolded = VietnameseText.fold(name)
        a.shortName = clean(f.shortName).isEmpty ? name : clean(f.shortName)
        a.kind = kind
        a.level = level
        a.address = clean(f.address)
        a.phone = clean(f.phone)
        a.email = email
    }

    /// Admins edit any agency; an agency admin only their own, and only contact details.
    func loadEditable(_ req: Request) async throws -> (Agency, fullEdit: Bool) {
        let code = try req.pathParameter("code")
        guard let agency = try await Agency.query(on: req.db).filter(\.$code == code).first() else {
            throw DirectoryError.agencyNotFound(code: code)
        }
        let viewer = try req.requireViewer()
        guard viewer.has("agency-admin", in: agency.id) else { throw RequestError.forbidden }
        return (agency, viewer.isAdmin)
    }

    @Sendable func editAgency(_ req: Request) async throws -> Response {
        let (a, full) = try await loadEditable(req)
        let dto = try await DirectoryQueries.dtos([a], on: req.db)[0]
        let form = AgencyForm(code: a.code, name: a.name, shortName: a.shortName, kind: a.kind.rawValue, level: a.level.rawValue,
                              parentCode: dto.parentCode, address: a.address, phone: a.phone, email: a.email, active: a.isActive ? "on" : nil)
        return editPage(req, agency: a, form: form, full: full, errors: [], saved: (try? req.query.get(String.self, at: "saved")) != nil)
    }

    func editPage(_ req: Request, agency a: Agency, form: AgencyForm, full: Bool, errors: [String], saved: Bool) -> Response {
        let main: HTML = """
        <p><a href="\(SiteURL.adminAgencies.path)">← Danh sách cơ quan</a></p>
        <h1>\(a.name)</h1>
        <p>Mã định danh: <code>\(a.code)</code></p>
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.adminAgency(code: a.code).path)">
        \(Components.csrfField(req.csrfToken))
        \(full ? agencyFields(form, includeCode: false) : """
        \(Components.field("Địa chỉ", name: "address", value: form.address))
        \(Components.field("Điện thoại", name: "phone", type: "tel", value: form.phone))
        \(Components.field("Thư điện tử", name: "email", type: "email", value: form.email))
        """)
        \(if: full, HTML("<div class=\"field\"><label><input type=\"checkbox\" name=\"active\"\(if: form.active != nil, HTML(" checked"))> Đang hoạt động</label></div>"))
        <button type="submit">Lưu</button>
        </form>
        """
        return Layout.page(req, title: a.name, status: errors.isEmpty ? .ok : .badRequest, flash: saved ? "Đã lưu." : nil, main: main)
    }

    @Sendable func updateAgency(_ req: Request) async throws -> Response {
        let (a, full) = try await loadEditable(req)
        var form = try req.content.decode(AgencyForm.self)
        do {
            if full {
                try await apply(form, to: a, includeCode: false, on: req.db)
                a.isActive = form.active != nil
            } else {
                // Contact details only; everything else stays as it is.
                form.name = a.name; form.shortName = a.shortName; form.kind = a.kind.rawValue; form.level = a.level.rawValue
                form.parentCode = try await DirectoryQueries.dtos([a], on: req.db)[0].parentCode
                try await apply(form, to: a, includeCode: false, on: req.db)
            }
            try await a.save(on: req.db)
            req.application.agencyLookup.forget(code: a.code)
        } catch let error as DirectoryError {
            return editPage(req, agency: a, form: form, full: full, errors: [error.message], saved: false)
        }
        return req.redirect(to: SiteURL.adminAgency(code: a.code).path + "?saved=1")
    }

    struct FieldForm: Content {
        var code: String?
        var name: String?
        var ministry: String?
    }

    @Sendable func fields(_ req: Request) async throws -> Response {
        try await fieldsPage(req, errors: [], form: FieldForm())
    }

    func fieldsPage(_ req: Request, errors: [String], form: FieldForm) async throws -> Response {
        let fields = try await DirectoryQueries.fields(on: req.db)
        let rows = fields.html { f in
            """
            <tr><td><code>\(f.code)</code></td><td colspan="2">
            <form method="post" action="\(SiteURL.adminField(code: f.code).path)" class="search-row">
            \(Components.csrfField(req.csrfToken))
            <label class="visually-hidden" for="name-\(f.code)">Tên lĩnh vực \(f.code)</label>
            <input id="name-\(f.code)" name="name" value="\(f.name)" required>
            <label class="visually-hidden" for="ministry-\(f.code)">Bộ quản lý</label>
            <input id="ministry-\(f.code)" name="ministry" value="\(f.ministry)">
            <button type="submit" class="secondary">Lưu</button>
            </form></td></tr>
            """
        }
        let main: HTML = """
        <h1>Quản trị lĩnh vực</h1>
        \(Components.errorSummary(errors))
        <div class="table-wrap"><table><thead><tr><th scope="col">Mã</th><th scope="col" colspan="2">Tên lĩnh vực · Bộ quản lý</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        <h2>Thêm lĩnh vực</h2>
        <form method="post" action="\(SiteURL.adminFields.path)">
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Mã lĩnh vực", name: "code", value: form.code, required: true, hint: "Chữ in hoa không dấu, ví dụ HOTICH"))
        \(Components.field("Tên lĩnh vực", name: "name", value: form.name, required: true))
        \(Components.field("Bộ, ngành quản lý", name: "ministry", value: form.ministry))
        <button type="submit">Thêm</button>
        </form>
        """
        return Layout.page(req, title: "Quản trị lĩnh vực", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    @Sendable func saveField(_ req: Request) async throws -> Response {
        let form = try req.content.decode(FieldForm.self)
        let existingCode = req.parameters.get("code")
        let code = (existingCode ?? form.code ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        let name = (form.name ?? "").trimmingCharacters(in: .whitespaces)
        var errors: [String] = []
        if code.isEmpty || code.count > 20 || !code.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) {
            errors.append("Mã lĩnh vực chỉ gồm chữ in hoa không dấu, chữ số và dấu gạch dưới (tối đa 20 ký tự).")
        }
        if name.isEmpty || name.count > 200 { errors.append("Tên lĩnh vực không được để trống (tối đa 200 ký tự).") }
        let existing = try await ProcedureField.query(on: req.db).filter(\.$code == code).first()
        if existingCode == nil, existing != nil { errors.append(DirectoryError.duplicateCode(code).message) }
        if existingCode != nil, existing == nil { throw DirectoryError.fieldNotFound(code: code) }
        guard errors.isEmpty else { return try await fieldsPage(req, errors: errors, form: form) }
        let field = existing ?? ProcedureField()
        field.code = code
        field.name = name
        field.ministry = (form.ministry ?? "").trimmingCharacters(in: .whitespaces)
        try await field.save(on: req.db)
        return req.redirect(to: SiteURL.adminFields.path)
    }
}
