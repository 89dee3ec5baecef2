import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// Sign-in, registration and the account pages.
struct IdentityPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.login.route, use: loginForm)
        routes.post(SiteURL.login.route, use: login)
        routes.get(SiteURL.register.route, use: registerForm)
        routes.post(SiteURL.register.route, use: register)
        routes.post(SiteURL.logout.route, use: logout)
        routes.get(SiteURL.account.route, use: account)
        routes.post(SiteURL.changePassword.route, use: changePassword)
        routes.post(SiteURL.logoutEverywhere.route, use: logoutEverywhere)
    }

    /// Only same-site paths, so the login form cannot be used to bounce people elsewhere.
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return nil }
        return next
    }

    struct LoginForm: Content {
        var login: String?
        var password: String?
        var next: String?
    }

    @Sendable func loginForm(_ req: Request) async throws -> Response {
        let expired = req.sessionExpired || (try? req.query.get(String.self, at: "expired")) != nil
        return loginPage(req, form: LoginForm(login: nil, password: nil, next: try req.queryString("next")),
                         errors: expired ? ["Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."] : [], status: .ok)
    }

    func loginPage(_ req: Request, form: LoginForm, errors: [String], status: HTTPResponseStatus) -> Response {
        let main: HTML = """
        <h1>Đăng nhập</h1>
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.login.path)" class="narrow">
        \(Components.csrfField(req.csrfToken))
        <input type="hidden" name="next" value="\(Self.safeNext(form.next) ?? "")">
        \(Components.field("Số CCCD, mã số thuế hoặc tên đăng nhập", name: "login", value: form.login, required: true, autocomplete: "username"))
        \(Components.field("Mật khẩu", name: "password", type: "password", required: true, autocomplete: "current-password"))
        <button type="submit">Đăng nhập</button>
        </form>
        <p>Chưa có tài khoản? <a href="\(SiteURL.register.path)">Đăng ký tài khoản công dân, doanh nghiệp</a>.</p>
        """
        return Layout.page(req, title: "Đăng nhập", status: status, main: main)
    }

    @Sendable func login(_ req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        do {
            let (user, token) = try await Sessions.signIn(login: form.login ?? "", password: form.password ?? "", on: req)
            let home = user.kind == .official ? SiteURL.official.path : SiteURL.account.path
            let response = req.redirect(to: Self.safeNext(form.next) ?? home)
            response.cookies[IdentityConfig.sessionCookie] = Sessions.cookie(token, config: req.application.identityConfig)
            return response
        } catch let error as IdentityError {
            return loginPage(req, form: form, errors: [error.message], status: error.status)
        }
    }

    struct RegisterForm: Content {
        var fullName: String?
        var identityNumber: String?
        var phone: String?
        var email: String?
        var password: String?
        var passwordConfirm: String?
    }

    @Sendable func registerForm(_ req: Request) async throws -> Response {
        registerPage(req, form: RegisterForm(), errors: [], status: .ok)
    }

    func registerPage(_ req: Request, form f: RegisterForm, errors: [IdentityError], status: HTTPResponseStatus) -> Response {
        func message(for codes: [String]) -> String? { errors.first { codes.contains($0.code) }?.message }
        let main: HTML = """
        <h1>Đăng ký tài khoản</h1>
        <p>Công dân đăng ký bằng số căn cước công dân (12 chữ số); doanh nghiệp đăng ký bằng mã số thuế.</p>
        \(Components.errorSummary(errors.map(\.message)))
        <form method="post" action="\(SiteURL.register.path)" class="narrow" novalidate>
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Họ và tên (hoặc tên doanh nghiệp)", name: "fullName", value: f.fullName, error: message(for: ["identity.invalid-name"]), required: true, autocomplete: "name"))
        \(Components.field("Số CCCD hoặc mã số thuế", name: "identityNumber", value: f.identityNumber,
                           error: message(for: ["identity.invalid-cccd", "identity.invalid-tax-code", "identity.duplicate-identity-number"]),
                           required: true, hint: "CCCD gồm 12 chữ số; mã số thuế doanh nghiệp gồm 10 chữ số", inputmode: "numeric"))
        \(Components.field("Số điện thoại", name: "phone", type: "tel", value: f.phone, error: message(for: ["identity.invalid-phone"]), required: true, autocomplete: "tel"))
        \(Components.field("Thư điện tử", name: "email", type: "email", value: f.email, error: message(for: ["identity.invalid-email"]), autocomplete: "email"))
        \(Components.field("Mật khẩu", name: "password", type: "password", error: message(for: ["identity.weak-password"]), required: true, autocomplete: "new-password", hint: "Ít nhất 8 ký tự, gồm cả chữ và số"))
        \(Components.field("Nhập lại mật khẩu", name: "passwordConfirm", type: "password", error: message(for: ["identity.password-mismatch"]), required: true, autocomplete: "new-password"))
        <button type="submit">Đăng ký</button>
        </form>
        <p>Đã có tài khoản? <a href="\(SiteURL.login.path)">Đăng nhập</a>.</p>
        """
        return Layout.page(req, title: "Đăng ký tài khoản", status: status, main: main)
    }

    @Sendable func register(_ req: Request) async throws -> Response {
        let f = try req.content.decode(RegisterForm.self)
        let registration = Accounts.Registration(
            fullName: f.fullName ?? "", identityNumber: f.identityNumber ?? "", phone: f.phone ?? "",
            email: f.email ?? "", password: f.password ?? "", passwordConfirm: f.passwordConfirm ?? "")
        let year = Calendar(identifier: .gregorian).component(.year, from: req.now)
        let problems = Accounts.problems(registration, currentYear: year)
        guard problems.isEmpty else { return registerPage(req, form: f, errors: problems, status: .badRequest) }
        do {
            _ = try await Accounts.register(registration, on: req)
            let (_, token) = try await Sessions.signIn(login: IdentityNumber.normalized(registration.identityNumber),
                                                       password: registration.password, on: req)
            let response = req.redirect(to: SiteURL.account.path)
            response.cookies[IdentityConfig.sessionCookie] = Sessions.cookie(token, config: req.application.identityConfig)
            return response
        } catch let error as IdentityError {
            return registerPage(req, form: f, errors: [error], status: error.status)
        }
    }

    @Sendable func logout(_ req: Request) async throws -> Response {
        try await Sessions.signOut(req)
        let response = req.redirect(to: SiteURL.home.path)
        response.cookies[IdentityConfig.sessionCookie] = Sessions.expiredCookie(config: req.application.identityConfig)
        return response
    }

    @Sendable func account(_ req: Request) async throws -> Response {
        try await accountPage(req, errors: [], flash: (try? req.query.get(String.self, at: "ok")).map { _ in "Đã đổi mật khẩu." })
    }

    func accountPage(_ req: Request, errors: [String], flash: String?) async throws -> Response {
        let viewer = try req.requireViewer()
        guard let user = try await User.find(viewer.userID, on: req.db) else { throw RequestError.unauthorized }
        let sessions = try await UserSession.query(on: req.db).filter(\.$userID == viewer.userID).count()
        let kind = switch user.kind {
        case .official: "Cán bộ, công chức"
        case .citizen: "Công dân"
        case .business: "Doanh nghiệp"
        }
        let main: HTML = """
        <h1>Tài khoản của tôi</h1>
        \(Components.facts([
            ("Họ và tên", "\(user.fullName)"),
            ("Loại tài khoản", "\(kind)"),
            ("Số định danh", user.identityNumber.map { "\($0)" }),
            ("Tên đăng nhập", user.username.map { "\($0)" }),
            ("Điện thoại", user.phone.isEmpty ? nil : "\(user.phone)"),
            ("Thư điện tử", user.email.isEmpty ? nil : "\(user.email)"),
        ]))
        \(if: user.kind == .official, HTML("<p><a href=\"\(SiteURL.apiTokens.path)\">Mã truy cập API</a></p>"))
        <h2 id="doi-mat-khau">Đổi mật khẩu</h2>
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.changePassword.path)" class="narrow">
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Mật khẩu hiện tại", name: "current", type: "password", required: true, autocomplete: "current-password"))
        \(Components.field("Mật khẩu mới", name: "new", type: "password", required: true, autocomplete: "new-password", hint: "Ít nhất 8 ký tự, gồm cả chữ và số"))
        \(Components.field("Nhập lại mật khẩu mới", name: "confirm", type: "password", required: true, autocomplete: "new-password"))
        <button type="submit">Đổi mật khẩu</button>
        </form>
        <h2>Phiên đăng nhập</h2>
        <p>Tài khoản đang đăng nhập trên \(sessions) thiết bị.</p>
        <form method="post" action="\(SiteURL.logoutEverywhere.path)">
        \(Components.csrfField(req.csrfToken))
        <button type="submit" class="secondary">Đăng xuất trên tất cả thiết bị</button>
        </form>
        """
        return Layout.page(req, title: "Tài khoản", status: errors.isEmpty ? .ok : .badRequest, flash: flash, main: main)
    }

    struct PasswordForm: Content {
        var current: String?
        var new: String?
        var confirm: String?
    }

    @Sendable func changePassword(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let f = try req.content.decode(PasswordForm.self)
        guard let user = try await User.find(viewer.userID, on: req.db) else { throw RequestError.unauthorized }
        do {
            try await Accounts.changePassword(user: user, current: f.current ?? "", new: f.new ?? "", confirm: f.confirm ?? "",
                                              keepSession: req.sessionID, on: req)
        } catch let error as IdentityError {
            let message = error == .invalidCredentials ? "Mật khẩu hiện tại không đúng." : error.message
            return try await accountPage(req, errors: [message], flash: nil)
        }
        return req.redirect(to: SiteURL.account.path + "?ok=1")
    }

    @Sendable func logoutEverywhere(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        try await UserSession.query(on: req.db).filter(\.$userID == viewer.userID).delete()
        let response = req.redirect(to: SiteURL.login.path)
        response.cookies[IdentityConfig.sessionCookie] = Sessions.expiredCookie(config: req.application.identityConfig)
        return response
    }
}
