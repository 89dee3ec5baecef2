import Fluent
import Vapor

/// Identity (Định danh, xác thực): accounts, roles in agencies, sessions, API tokens.
public enum Identity {
    public static var migrations: [any Migration] { [CreateIdentitySchema()] }

    /// Middleware for the web portal, in order: resolve the session, then check CSRF.
    public static var pageMiddleware: [any Middleware] { [SessionMiddleware(), CSRFMiddleware()] }
    /// Middleware for `/api/v1`.
    public static var apiMiddleware: [any Middleware] { [BearerAuthentication()] }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: IdentityPages())
        try pages.register(collection: OfficialPages())
        try api.register(collection: IdentityAPI())
    }
}
