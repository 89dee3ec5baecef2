import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// Signing in and out of the web portal.
enum Sessions {
    /// Checks the password with throttling, then opens a session. Returns the user and the
    /// cookie token (shown to the browser only).
    static func signIn(login rawLogin: String, password: String, on req: Request) async throws -> (User, String) {
        let config = req.application.identityConfig
        let login = rawLogin.trimmingCharacters(in: .whitespaces).lowercased()
        let ip = req.remoteAddress?.ipAddress ?? "unknown"
        let now = req.now
        let since = now.addingTimeInterval(-config.throttleWindow)

        let failuresForLogin = try await LoginAttempt.query(on: req.db).filter(\.$login == login)
            .filter(\.$at >= since).filter(\.$succeeded == false).count()
        let failuresForIP = try await LoginAttempt.query(on: req.db).filter(\.$ip == ip)
            .filter(\.$at >= since).filter(\.$succeeded == false).count()
        if failuresForLogin >= config.maxFailures || failuresForIP >= config.maxFailures * 4 {
            throw IdentityError.throttled(minutes: Int(config.throttleWindow / 60))
        }

        let normalizedID = IdentityNumber.normalized(login)
        let user = try await User.query(on: req.db).group(.or) { or in
            or.filter(\.$username == login)
            if !normalizedID.isEmpty { or.filter(\.$identityNumber == normalizedID) }
        }.first()
        let ok: Bool
        if let hash = user?.passwordHash {
            ok = try await req.password.async.verify(password, created: hash)
        } else {
            ok = false
        }
        let attempt = LoginAttempt()
        attempt.login = login
        attempt.ip = ip
        attempt.at = now
        attempt.succeeded = ok
        try await attempt.create(on: req.db)
        guard ok, let user else { throw IdentityError.invalidCredentials }
        guard user.isActive else { throw IdentityError.inactive }
        // A success forgives earlier failures of this login.
        try await LoginAttempt.query(on: req.db).filter(\.$login == login).filter(\.$succeeded == false).delete()
        let token = SecureToken.generate()
        let session = UserSession()
        session.tokenHash = SecureToken.hash(token)
        session.userID = try user.requireID()
        session.createdAt = now
        session.lastSeenAt = now
        session.expiresAt = now.addingTimeInterval(config.absoluteTimeout)
        session.userAgent = String((req.headers.first(name: .userAgent) ?? "").prefix(300))
        session.ip = ip
        try await session.create(on: req.db)
        return (user, token)
    }

    static func cookie(_ token: String, config: IdentityConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: nil, maxAge: Int(config.absoluteTimeout), path: "/",
                          isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func expiredCookie(config: IdentityConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
                          isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func signOut(_ req: Request) async throws {
        if let token = req.cookies[IdentityConfig.sessionCookie]?.string, !token.isEmpty {
            try await UserSession.query(on: req.db).filter(\.$tokenHash == SecureToken.hash(token)).delete()
        }
    }

    /// The viewer for a user: their roles in one query.
    static func viewer(for user: User, on db: any Database) async throws -> Viewer {
        let grants = try await RoleAssignment.query(on: db).filter(\.$userID == user.requireID()).all()
            .map { Viewer.Grant(role: $0.role.rawValue, agencyID: $0.agencyID) }
        let kind: Viewer.Kind = switch user.kind {
        case .official: .official
        case .citizen: .citizen
        case .business: .business
        }
        return Viewer(userID: try user.requireID(), displayName: user.fullName, kind: kind, grants: grants)
    }
}
