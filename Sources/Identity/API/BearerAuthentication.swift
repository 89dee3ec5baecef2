import Fluent
import Foundation
import Kernel
import Vapor

/// The machine client behind an API request.
public struct APIPrincipal: Sendable {
    public var userID: UUID
    public var tokenName: String
    public var scopes: Set<String>
}

/// The scopes a token may carry.
public enum APIScope: String, CaseIterable, Sendable {
    /// Create and edit procedures in the catalog.
    case catalogWrite = "catalog:write"
    /// Read the dossiers of the token owner's agencies.
    case dossiersRead = "dossiers:read"
    /// Submit dossiers and act on them with the token owner's roles.
    case dossiersWrite = "dossiers:write"
    /// Forward dossiers from the national public service portal (for the platform's integration account).
    case nationalForward = "national:forward"
    /// Change the LGSP registry: systems, services, access rights, keys (administrators only).
    case exchangeWrite = "exchange:write"

    public var label: String {
        switch self {
        case .catalogWrite: "Cập nhật danh mục thủ tục hành chính"
        case .dossiersRead: "Xem hồ sơ của cơ quan"
        case .dossiersWrite: "Nộp, xử lý hồ sơ theo vai trò của chủ mã"
        case .nationalForward: "Chuyển hồ sơ từ Cổng Dịch vụ công quốc gia (tài khoản quản trị)"
        case .exchangeWrite: "Quản lý danh mục LGSP: hệ thống, dịch vụ, quyền gọi, khoá (quản trị)"
        }
    }
}

extension Request {
    private struct PrincipalKey: StorageKey { typealias Value = APIPrincipal }
    public var apiPrincipal: APIPrincipal? {
        get { storage[PrincipalKey.self] }
        set { storage[PrincipalKey.self] = newValue }
    }
}

/// Reads `Authorization: Bearer …` on API routes. A present but bad token is an error even on
/// public routes, so a client with a revoked token finds out at once.
struct BearerAuthentication: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = req.headers.bearerAuthorization {
            let now = req.now
            guard let token = try await APIToken.query(on: req.db).filter(\.$tokenHash == SecureToken.hash(bearer.token)).first(),
                  token.revokedAt == nil, token.expiresAt.map({ $0 > now }) ?? true,
                  let user = try await User.find(token.userID, on: req.db), user.isActive
            else { throw IdentityError.invalidToken }
            req.apiPrincipal = APIPrincipal(userID: token.userID, tokenName: token.name,
                                            scopes: Set(token.scopes.split(separator: " ").map(String.init)))
            if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
                token.lastUsedAt = now
                try await token.save(on: req.db)
            }
        }
        return try await next.respond(to: req)
    }
}

/// Guards API routes that change data.
public struct RequireScope: AsyncMiddleware {
    let scope: APIScope
    public init(_ scope: APIScope) { self.scope = scope }

    public func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let principal = req.apiPrincipal else { throw IdentityError.invalidToken }
        // A write scope includes reading the same things.
        let implied = scope.rawValue.hasSuffix(":read") ? scope.rawValue.dropLast(4) + "write" : scope.rawValue
        guard principal.scopes.contains(scope.rawValue) || principal.scopes.contains(String(implied)) else {
            throw IdentityError.insufficientScope(scope.rawValue)
        }
        return try await next.respond(to: req)
    }
}

struct IdentityAPI: RouteCollection {
    struct Me: Content {
        var userID: UUID
        var fullName: String
        var tokenName: String
        var scopes: [String]
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("me", use: me)
    }

    @Sendable func me(_ req: Request) async throws -> Me {
        guard let p = req.apiPrincipal else { throw IdentityError.invalidToken }
        guard let user = try await User.find(p.userID, on: req.db) else { throw IdentityError.invalidToken }
        return Me(userID: p.userID, fullName: user.fullName, tokenName: p.tokenName, scopes: p.scopes.sorted())
    }
}
