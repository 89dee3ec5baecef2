import Fluent
import Foundation
import Kernel
import Vapor

/// `POST /api/v1/exchange/token`: the OAuth 2.0 token endpoint of the client-credentials grant
/// (`AccessToken`), answering with the RFC 6749 §5 shapes, and `GET /api/v1/exchange/keys`: the
/// platform key as a JWK set, to verify the tokens and the log seals with.
struct TokenAPI: RouteCollection {
    struct TokenForm: Content {
        var grant_type: String?
        var client_id: String?
        var client_secret: String?
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.post("exchange", "token", use: token)
        routes.get("exchange", "keys", use: keys)
    }

    @Sendable func keys(_ req: Request) async throws -> Response {
        guard let key = req.application.platformKey else { throw Abort(.serviceUnavailable, reason: "Nền tảng chưa có khoá.") }
        return try Self.json(.ok, ["keys": [AccessToken.jwk(key)]])
    }

    @Sendable func token(_ req: Request) async throws -> Response {
        let form = (try? req.content.decode(TokenForm.self)) ?? TokenForm()
        guard let grant = form.grant_type, !grant.isEmpty else {
            return try Self.error(.badRequest, "invalid_request", "Thiếu grant_type.")
        }
        guard grant == "client_credentials" else {
            return try Self.error(.badRequest, "unsupported_grant_type", "Chỉ hỗ trợ grant_type=client_credentials.")
        }
        // RFC 6749 §2.3.1: HTTP Basic (preferred), or both values in the body; never both ways at once.
        let basic = req.headers.basicAuthorization
        if basic != nil && (form.client_id != nil || form.client_secret != nil) {
            return try Self.error(.badRequest, "invalid_request", "Chỉ gửi thông tin xác thực bên gọi theo một cách.")
        }
        let id = (basic?.username).flatMap { $0.removingPercentEncoding } ?? form.client_id
        let secret = (basic?.password).flatMap { $0.removingPercentEncoding } ?? form.client_secret
        guard let id, let secret, let credentialID = UUID(uuidString: id),
              let credential = try await ExchangeCredential.query(on: req.db).filter(\.$id == credentialID).valid(at: req.now)
                .with(\.$system).first(),
              SecureToken.constantTimeEqual(credential.keyHash, SecureToken.hash(secret)), credential.system.status != .suspended,
              let key = req.application.platformKey
        else {
            let response = try Self.error(.unauthorized, "invalid_client", "client_id hoặc client_secret không đúng, khoá đã bị thu hồi hoặc hệ thống đang tạm dừng.")
            response.headers.replaceOrAdd(name: .wwwAuthenticate, value: #"Basic realm="lgsp""#)
            return response
        }
        let token = try AccessToken.issue(credential: credentialID, subsystem: credential.system.subsystem, key: key, now: req.now)
        return try Self.json(.ok, ["access_token": .string(token), "token_type": .string("Bearer"),
                                   "expires_in": .int(Int(AccessToken.lifetime))] as [String: JSONValue])
    }

    enum JSONValue: Encodable {
        case string(String), int(Int)
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .string(let s): try c.encode(s)
            case .int(let i): try c.encode(i)
            }
        }
    }

    static func error(_ status: HTTPStatus, _ code: String, _ description: String) throws -> Response {
        try json(status, ["error": code, "error_description": description])
    }

    /// Token answers must not be cached (RFC 6749 §5.1).
    static func json(_ status: HTTPStatus, _ value: some Encodable) throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.add(name: "Pragma", value: "no-cache")
        return Response(status: status, headers: headers, body: .init(data: try JSONEncoder().encode(value)))
    }
}
