import Fluent
import Foundation
import Kernel
import Vapor
import WebUI
import Directory

/// The official's home, user administration and API tokens.
struct OfficialPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let official = routes.grouped(RequireViewer.official)
        official.get(SiteURL.official.route, use: home)
        official.get(SiteURL.apiTokens.route, use: tokens)
        official.post(SiteURL.apiTokens.route, use: createToken)
        official.post(SiteURL.apiTokens.route + ["thu-hoi", ":id"], use: revokeToken)
        let admin = routes.grouped(RequireViewer.admin)
        admin.get(SiteURL.admin.route, use: adminHome)
        admin.get(SiteURL.adminUsers.route, use: users)
        admin.post(SiteURL.adminUsers.route, use: createUser)
        admin.get(SiteURL.adminUser(id: ":id").route, use: user)
        admin.post(SiteURL.adminUser(id: ":id").route, use: updateUser)
    }

    func roleList(_ grants: [Viewer.Grant], on db: any Database) async throws -> HTML {
        var items: [HTML] = []
        for g in grants {
            let role = Role(rawValue: g.role)?.label ?? g.role
            let agency = try await g.agencyID.asyncMap { try await Agency.find($0, on: db)?.name } ?? nil
            items.append("<li>\(role)\(agency.map { " — \($0)" } ?? "")</li>")
        }
        return items.isEmpty ? "<p>Chưa được phân vai trò nào. Liên hệ quản trị viên.</p>" : "<ul>\(items)</ul>"
    }

    @Sendable func home(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let main: HTML = """
        <h1>Xin chào, \(viewer.displayName)</h1>
        <h2>Vai trò của tôi</h2>
        \(try await roleList(viewer.grants, on: req.db))
        <h2>Công việc</h2>
        <ul>
        <li><a href="\(SiteURL.officerQueue.path)">Hồ sơ cần xử lý</a></li>
        <li><a href="\(SiteURL.procedures.path)">Tra cứu thủ tục hành chính</a></li>
        <li><a href="\(SiteURL.account.path)">Tài khoản, đổi mật khẩu</a></li>
        <li><a href="\(SiteURL.apiTokens.path)">Mã truy cập API</a></li>
        \(if: viewer.isAdmin, HTML("<li><a href=\"\(SiteURL.admin.path)\">Quản trị hệ thống</a></li>"))
        </ul>
        """
        return Layout.page(req, title: "Trang cán bộ", main: main)
    }

    @Sendable func adminHome(_ req: Request) async throws -> Response {
        let users = try await User.query(on: req.db).count()
        let main: HTML = """
        <h1>Quản trị hệ thống</h1>
        <ul class="cards">
        <li><a href="\(SiteURL.adminUsers.path)">Người dùng</a><br><span class="muted">\(users) tài khoản</span></li>
        <li><a href="\(SiteURL.adminAgencies.path)">Cơ quan, đơn vị</a></li>
        <li><a href="\(SiteURL.adminFields.path)">Lĩnh vực</a></li>
        <li><a href="\(SiteURL.adminCalendar.path)">Lịch làm việc</a><br><span class="muted">Lịch nghỉ lễ, Tết; cơ quan làm sáng thứ Bảy</span></li>
        <li><a href="\(SiteURL.exchange.path)">Nền tảng tích hợp, chia sẻ dữ liệu (LGSP)</a><br><span class="muted">Hệ thống kết nối, dịch vụ, khoá truy cập, nhật ký trao đổi</span></li>
        <li><a href="\(SiteURL.procedures.path)">Thủ tục hành chính</a><br><span class="muted">Sửa từ trang chi tiết thủ tục</span><br><a href="\(SiteURL.adminProcedure(code: "moi").path)">Thêm thủ tục</a></li>
        </ul>
        """
        return Layout.page(req, title: "Quản trị", main: main)
    }

    struct NewUserForm: Content {
        var username: String?
        var fullName: String?
        var password: String?
        var email: String?
        var role: String?
        var agencyCode: String?
    }

    @Sendable func users(_ req: Request) async throws -> Response {
        try await usersPage(req, form: NewUserForm(), errors: [])
    }

    func roleOptions(selected: String?) -> HTML {
        Components.select("Vai trò", name: "role", options: Role.allCases.map { ($0.rawValue, $0.label) }, selected: selected)
    }

    func usersPage(_ req: Request, form f: NewUserForm, errors: [String]) async throws -> Response {
        let page = try Paging(from: req, defaultPer: 50)
        let query = User.query(on: req.db).filter(\.$kind == .official)
        let total = try await query.count()
        let officials = try await query.sort(\.$username).range(page.offset..<(page.offset + page.per)).all()
        let main: HTML = """
        <h1>Người dùng (cán bộ)</h1>
        <div class="table-wrap"><table><thead><tr><th scope="col">Tên đăng nhập</th><th scope="col">Họ và tên</th><th scope="col">Trạng thái</th></tr></thead>
        <tbody>\(officials.html { u in
            "<tr><td><a href=\"\(SiteURL.adminUser(id: u.id!.uuidString).path)\">\(u.username ?? "")</a></td><td>\(u.fullName)</td><td>\(u.isActive ? Components.badge("Hoạt động", tone: "ok") : Components.badge("Đã khóa", tone: "warn"))</td></tr>"
        })</tbody></table></div>
        \(Components.pagination(base: .adminUsers, query: [], page: page.page, pageCount: max(1, (total + page.per - 1) / page.per), total: total))
        <h2>Thêm cán bộ</h2>
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.adminUsers.path)" class="narrow">
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Tên đăng nhập", name: "username", value: f.username, required: true))
        \(Components.field("Họ và tên", name: "fullName", value: f.fullName, required: true))
        \(Components.field("Thư điện tử", name: "email", type: "email", value: f.email))
        \(Components.field("Mật khẩu ban đầu", name: "password", type: "password", required: true, autocomplete: "new-password"))
        \(roleOptions(selected: f.role))
        \(Components.field("Mã định danh cơ quan", name: "agencyCode", value: f.agencyCode, hint: "Ví dụ H42.07; để trống với vai trò Quản trị hệ thống"))
        <button type="submit">Thêm cán bộ</button>
        </form>
        """
        return Layout.page(req, title: "Người dùng", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    /// Resolves the agency a role is granted in; only `admin` is platform-wide.
    func agencyFor(role: Role, code: String?, on db: any Database) async throws -> UUID? {
        let code = (code ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        if role == .admin { return nil }
        guard !code.isEmpty else { throw RoleError.agencyRequired }
        guard let id = try await Agency.query(on: db).filter(\.$code == code).first()?.id else { throw RoleError.unknownAgency(code) }
        return id
    }

    enum RoleError: Error {
        case agencyRequired, unknownAgency(String)
        var message: String {
            switch self {
            case .agencyRequired: "Vai trò này cần mã cơ quan."
            case .unknownAgency(let c): "Không tìm thấy cơ quan có mã “\(c)”."
            }
        }
    }

    @Sendable func createUser(_ req: Request) async throws -> Response {
        let f = try req.content.decode(NewUserForm.self)
        guard let role = Role(rawValue: f.role ?? "") else { return try await usersPage(req, form: f, errors: [IdentityError.unknownRole(f.role ?? "").message]) }
        do {
            let agency = try await agencyFor(role: role, code: f.agencyCode, on: req.db)
            if let e = Accounts.passwordProblem(f.password ?? "") { throw e }
            let hash = try await req.password.async.hash(f.password ?? "")
            let user = try await req.application.groupCommit.transaction { db in
                let user = try await Accounts.createOfficial(username: f.username ?? "", fullName: f.fullName ?? "", password: f.password ?? "",
                                                             email: f.email ?? "", hash: hash, on: db)
                try await Accounts.grant(role, to: user.requireID(), agencyID: agency, on: db)
                return user
            }
            return req.redirect(to: SiteURL.adminUser(id: try user.requireID().uuidString).path)
        } catch let e as IdentityError {
            return try await usersPage(req, form: f, errors: [e.message])
        } catch let e as RoleError {
            return try await usersPage(req, form: f, errors: [e.message])
        }
    }

    func loadUser(_ req: Request) async throws -> User {
        guard let id = UUID(uuidString: try req.pathParameter("id")), let user = try await User.find(id, on: req.db) else {
            throw IdentityError.userNotFound
        }
        return user
    }

    @Sendable func user(_ req: Request) async throws -> Response {
        try await userPage(req, user: loadUser(req), errors: [])
    }

    func userPage(_ req: Request, user: User, errors: [String]) async throws -> Response {
        let assignments = try await RoleAssignment.query(on: req.db).filter(\.$userID == user.requireID()).all()
        var rows: [HTML] = []
        for a in assignments {
            let agency = try await a.agencyID.asyncMap { try await Agency.find($0, on: req.db)?.name } ?? nil
            rows.append("""
            <tr><td>\(a.role.label)</td><td>\(agency ?? "Toàn hệ thống")</td><td>
            <form method="post" action="\(SiteURL.adminUser(id: user.id!.uuidString).path)">\(Components.csrfField(req.csrfToken))
            <input type="hidden" name="action" value="revoke"><input type="hidden" name="assignment" value="\(a.id!.uuidString)">
            <button type="submit" class="link">Thu hồi</button></form></td></tr>
            """)
        }
        let main: HTML = """
        <p><a href="\(SiteURL.adminUsers.path)">← Người dùng</a></p>
        <h1>\(user.fullName)</h1>
        <p>Tên đăng nhập: <strong>\(user.username ?? user.identityNumber ?? "")</strong> · \(user.isActive ? "Đang hoạt động" : "Đã khóa")</p>
        \(Components.errorSummary(errors))
        <h2>Vai trò</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Vai trò</th><th scope="col">Cơ quan</th><th scope="col">Thao tác</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        <h2>Thêm vai trò</h2>
        <form method="post" action="\(SiteURL.adminUser(id: user.id!.uuidString).path)" class="narrow">
        \(Components.csrfField(req.csrfToken))
        <input type="hidden" name="action" value="grant">
        \(roleOptions(selected: nil))
        \(Components.field("Mã định danh cơ quan", name: "agencyCode"))
        <button type="submit">Thêm vai trò</button>
        </form>
        <h2>Trạng thái</h2>
        <form method="post" action="\(SiteURL.adminUser(id: user.id!.uuidString).path)">
        \(Components.csrfField(req.csrfToken))
        <input type="hidden" name="action" value="\(user.isActive ? "lock" : "unlock")">
        <button type="submit" class="secondary">\(user.isActive ? "Khóa tài khoản (đăng xuất mọi phiên)" : "Mở khóa tài khoản")</button>
        </form>
        """
        return Layout.page(req, title: user.fullName, status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    struct UserAction: Content {
        var action: String
        var role: String?
        var agencyCode: String?
        var assignment: UUID?
    }

    @Sendable func updateUser(_ req: Request) async throws -> Response {
        let user = try await loadUser(req)
        let userID = try user.requireID()
        let f = try req.content.decode(UserAction.self)
        switch f.action {
        case "grant":
            guard let role = Role(rawValue: f.role ?? "") else { return try await userPage(req, user: user, errors: [IdentityError.unknownRole(f.role ?? "").message]) }
            do {
                let agency = try await agencyFor(role: role, code: f.agencyCode, on: req.db)
                try await Accounts.grant(role, to: userID, agencyID: agency, on: req.db)
            } catch let e as RoleError {
                return try await userPage(req, user: user, errors: [e.message])
            }
        case "revoke":
            if let id = f.assignment {
                try await RoleAssignment.query(on: req.db).filter(\.$id == id).filter(\.$userID == userID).delete()
            }
        case "lock", "unlock":
            guard userID != req.viewer?.userID else {
                return try await userPage(req, user: user, errors: ["Không thể tự khóa tài khoản của chính mình."])
            }
            user.isActive = f.action == "unlock"
            try await req.application.groupCommit.transaction { db in
                try await user.save(on: db)
                if !user.isActive { try await UserSession.query(on: db).filter(\.$userID == userID).delete() }
            }
        default:
            throw RequestError.badParameter(name: "action", reason: "không hỗ trợ")
        }
        return req.redirect(to: SiteURL.adminUser(id: userID.uuidString).path)
    }

    @Sendable func tokens(_ req: Request) async throws -> Response {
        try await tokensPage(req, created: nil, errors: [])
    }

    func tokensPage(_ req: Request, created: String?, errors: [String]) async throws -> Response {
        let viewer = try req.requireViewer()
        let tokens = try await APIToken.query(on: req.db).filter(\.$userID == viewer.userID).sort(\.$createdAt, .descending).all()
        let main: HTML = """
        <h1>Mã truy cập API</h1>
        <p>Dùng cho hệ thống khác gọi API của cổng: gửi tiêu đề <code>Authorization: Bearer &lt;mã&gt;</code>.</p>
        \(if: created != nil, HTML("""
        <div class="flash" role="status"><p><strong>Mã mới (chỉ hiển thị một lần, hãy lưu lại ngay):</strong></p><p class="token">\(created)</p></div>
        """))
        \(Components.errorSummary(errors))
        <div class="table-wrap"><table><thead><tr><th scope="col">Tên</th><th scope="col">Quyền</th><th scope="col">Trạng thái</th><th scope="col">Thao tác</th></tr></thead>
        <tbody>\(tokens.html { t in
            """
            <tr><td>\(t.name)</td><td>\(t.scopes)</td><td>\(t.revokedAt == nil ? Components.badge("Hiệu lực", tone: "ok") : Components.badge("Đã thu hồi", tone: "warn"))</td>
            <td>\(if: t.revokedAt == nil, HTML("""
            <form method="post" action="\(SiteURL.apiTokens.path)/thu-hoi/\(t.id!.uuidString)">\(Components.csrfField(req.csrfToken))<button type="submit" class="link">Thu hồi</button></form>
            """))</td></tr>
            """
        })</tbody></table></div>
        <h2>Tạo mã mới</h2>
        <form method="post" action="\(SiteURL.apiTokens.path)" class="narrow">
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Tên gợi nhớ", name: "name", required: true, hint: "Ví dụ: Hệ thống một cửa của Sở Tư pháp"))
        <fieldset><legend>Quyền</legend>
        \(APIScope.allCases.html { s in "<label><input type=\"checkbox\" name=\"scopes[]\" value=\"\(s.rawValue)\"> \(s.label) (<code>\(s.rawValue)</code>)</label>" })
        </fieldset>
        \(Components.field("Hết hạn sau (ngày)", name: "days", type: "number", value: "90"))
        <button type="submit">Tạo mã</button>
        </form>
        """
        return Layout.page(req, title: "Mã truy cập API", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    struct TokenForm: Content {
        var name: String?
        var scopes: [String]?
        var days: Int?
    }

    @Sendable func createToken(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let f = try req.content.decode(TokenForm.self)
        let name = (f.name ?? "").trimmingCharacters(in: .whitespaces)
        let scopes = (f.scopes ?? []).filter { APIScope(rawValue: $0) != nil }
        var errors: [String] = []
        if name.isEmpty || name.count > 100 { errors.append("Vui lòng đặt tên cho mã (tối đa 100 ký tự).") }
        if scopes.contains(APIScope.catalogWrite.rawValue), !viewer.isAdmin {
            errors.append("Chỉ quản trị hệ thống được cấp quyền cập nhật danh mục.")
        }
        if scopes.contains(APIScope.exchangeWrite.rawValue), !viewer.isAdmin {
            errors.append("Chỉ quản trị hệ thống được cấp quyền quản lý danh mục LGSP.")
        }
        let days = f.days ?? 90
        if !(1...730).contains(days) { errors.append("Thời hạn từ 1 đến 730 ngày.") }
        guard errors.isEmpty else { return try await tokensPage(req, created: nil, errors: errors) }
        let secret = try await Accounts.issueAPIToken(userID: viewer.userID, name: name, scopes: scopes.compactMap(APIScope.init(rawValue:)),
                                                      days: days, at: req.now, on: req.db)
        return try await tokensPage(req, created: secret, errors: [])
    }

    @Sendable func revokeToken(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        guard let id = UUID(uuidString: try req.pathParameter("id")),
              let token = try await APIToken.query(on: req.db).filter(\.$id == id).filter(\.$userID == viewer.userID).first()
        else { throw RequestError.notFound(what: "mã truy cập") }
        token.revokedAt = req.now
        try await token.save(on: req.db)
        return req.redirect(to: SiteURL.apiTokens.path)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let v): try await transform(v)
        case .none: nil
        }
    }
}
