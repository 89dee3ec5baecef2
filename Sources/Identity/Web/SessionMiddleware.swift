import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// Resolves the session cookie into `req.viewer`. An expired session is deleted and its cookie
/// cleared; the login page then says why the viewer was signed out.
struct SessionMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var expired = false
        if let token = req.cookies[IdentityConfig.sessionCookie]?.string, !token.isEmpty {
            let config = req.application.identityConfig
            let now = req.now
            if let session = try await UserSession.query(on: req.db).filter(\.$tokenHash == SecureToken.hash(token)).first() {
                if session.expiresAt < now || session.lastSeenAt.addingTimeInterval(config.idleTimeout) < now {
                    try await session.delete(on: req.db)
                    expired = true
                } else if let user = try await User.find(session.userID, on: req.db), user.isActive {
                    req.viewer = try await Sessions.viewer(for: user, on: req.db)
                    req.sessionID = session.id
                    // Writing on every request would turn each page view into a write; a minute is precise enough.
                    if now.timeIntervalSince(session.lastSeenAt) > 60 {
                        session.lastSeenAt = now
                        try await session.save(on: req.db)
                    }
                } else {
                    expired = true
                }
            } else {
                expired = true
            }
        }
        req.sessionExpired = expired
        let response = try await next.respond(to: req)
        if expired, response.cookies[IdentityConfig.sessionCookie] == nil {
            response.cookies[IdentityConfig.sessionCookie] = Sessions.expiredCookie(config: req.application.identityConfig)
        }
        return response
    }
}

/// Every state-changing form carries the token of the `tinhso_csrf` cookie in `_csrf` (or the
/// `X-CSRF-Token` header). A page on another site can make the browser send the cookie but
/// cannot read it, so it cannot supply the matching field.
struct CSRFMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let existing = req.cookies[IdentityConfig.csrfCookie]?.string ?? ""
        let token = existing.count >= 32 ? existing : SecureToken.generate()
        req.csrfToken = token
        if ![.GET, .HEAD, .OPTIONS].contains(req.method) {
            // File uploads are the one kind of form allowed past the default limit.
            let max = req.headers.contentType?.type == "multipart" ? 52 * 1024 * 1024 : req.application.routes.defaultMaxBodySize.value
            _ = try await req.body.collect(max: max).get()
            let sent = req.headers.first(name: "X-CSRF-Token") ?? (try? req.content.get(String.self, at: "_csrf")) ?? ""
            guard !existing.isEmpty, SecureToken.constantTimeEqual(sent, existing) else { throw RequestError.csrf }
        }
        let response = try await next.respond(to: req)
        if token != existing {
            let config = req.application.identityConfig
            response.cookies[IdentityConfig.csrfCookie] = HTTPCookies.Value(
                string: token, expires: nil, maxAge: nil, path: "/", isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }
}

extension Request {
    private struct SessionIDKey: StorageKey { typealias Value = UUID }
    private struct ExpiredKey: StorageKey { typealias Value = Bool }

    var sessionID: UUID? {
        get { storage[SessionIDKey.self] }
        set { storage[SessionIDKey.self] = newValue }
    }

    /// The browser presented a session that has expired.
    public var sessionExpired: Bool {
        get { storage[ExpiredKey.self] ?? false }
        set { storage[ExpiredKey.self] = newValue }
    }
}
