import Foundation
import Vapor
import VaporTesting

/// A browser-like client for page tests: keeps cookies between requests and adds the CSRF
/// token to forms, as the real pages do.
public final class TestClient: @unchecked Sendable {
    public let app: Application
    public private(set) var cookies: [String: String] = [:]

    public init(_ app: Application) { self.app = app }

    public struct Result: Sendable {
        public var status: HTTPStatus
        public var headers: HTTPHeaders
        public var body: String
        public var location: String? { headers.first(name: .location) }
        public init(status: HTTPStatus, headers: HTTPHeaders, body: String) {
            self.status = status
            self.headers = headers
            self.body = body
        }
        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let d = JSONDecoder()
            d.dateDecodingStrategy = .iso8601
            return try d.decode(T.self, from: Data(body.utf8))
        }
    }

    @discardableResult
    public func request(_ method: HTTPMethod, _ path: String, headers extra: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) async throws -> Result {
        var headers = extra
        if !cookies.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        let res = try await app.testing().performTest(request: TestingHTTPRequest(method: method, url: URI(string: path), headers: headers, body: body))
        for header in res.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = String(pair[0]), value = String(pair[1])
            if value.isEmpty || header.lowercased().contains("max-age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return Result(status: res.status, headers: res.headers, body: String(buffer: res.body))
    }

    @discardableResult
    public func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> Result {
        try await request(.GET, path, headers: headers)
    }

    /// Posts a url-encoded form with the CSRF token (fetched from `/` if no page was loaded yet).
    @discardableResult
    public func post(_ path: String, form: [(String, String)], csrf: Bool = true) async throws -> Result {
        if csrf, cookies["tinhso_csrf"] == nil { try await get("/") }
        var fields = form
        if csrf { fields.append(("_csrf", cookies["tinhso_csrf"] ?? "")) }
        let encoded = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        return try await request(.POST, path, headers: headers, body: ByteBuffer(string: encoded))
    }

    public func setCookie(_ name: String, _ value: String?) { cookies[name] = value }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Signs in through the login form; returns the response (a redirect on success).
    @discardableResult
    public func login(_ login: String, password: String) async throws -> Result {
        try await post("/dang-nhap", form: [("login", login), ("password", password)])
    }
}
