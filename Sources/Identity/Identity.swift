import Fluent
import Vapor
import WebUI
import Foundation

/// Identity (Định danh, xác thực): accounts, roles in agencies, sessions, API tokens.
public enum Identity {
    public static var migrations: [any Migration] { [CreateIdentitySchema()] }

    /// Middleware for the web portal, in order: resolve the session, then check CSRF.
    public static var pageMiddleware: [any Middleware] { [SessionMiddleware(), CSRFMiddleware()] }
    /// Middleware for `/api/v1`.
    public static var apiMiddleware: [any Middleware] { [BearerAuthentication()] }

    /// The viewer for a user ID, e.g. the owner of an API token acting through the API.
    public static func viewer(userID: UUID, on db: any Database) async throws -> Viewer? {
        guard let user = try await User.find(userID, on: db), user.isActive else { return nil }
        return try await Sessions.viewer(for: user, on: db)
    }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: IdentityPages())
        try pages.register(collection: OfficialPages())
        try api.register(collection: IdentityAPI())
    }
}
