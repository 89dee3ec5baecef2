import Vapor

/// An error a module reports to a user: a stable machine code, an HTTP status and a message in
/// Vietnamese that is safe to show. Each module has one enum conforming to this; the App's error
/// middleware maps it to an HTML page or to the JSON error envelope at the edge.
public protocol DomainError: Error, Sendable {
    var status: HTTPResponseStatus { get }
    /// Stable, ASCII, dotted: `identity.invalid-cccd`.
    var code: String { get }
    /// Vietnamese, shown to the user as is.
    var message: String { get }
}

/// Errors that belong to no module: input the edge could not read.
public enum RequestError: DomainError {
    case badParameter(name: String, reason: String)
    case notFound(what: String)
    case malformedBody
    case unauthorized
    case forbidden
    case csrf

    public var status: HTTPResponseStatus {
        switch self {
        case .badParameter, .malformedBody: .badRequest
        case .notFound: .notFound
        case .unauthorized: .unauthorized
        case .forbidden, .csrf: .forbidden
        }
    }

    public var code: String {
        switch self {
        case .badParameter: "request.bad-parameter"
        case .notFound: "request.not-found"
        case .malformedBody: "request.malformed-body"
        case .unauthorized: "request.unauthorized"
        case .forbidden: "request.forbidden"
        case .csrf: "request.csrf"
        }
    }

    public var message: String {
        switch self {
        case .badParameter(let name, let reason): "Tham số “\(name)” không hợp lệ: \(reason)."
        case .notFound(let what): "Không tìm thấy \(what)."
        case .malformedBody: "Dữ liệu gửi lên không đúng định dạng."
        case .unauthorized: "Bạn cần đăng nhập để tiếp tục."
        case .forbidden: "Bạn không có quyền thực hiện thao tác này."
        case .csrf: "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại."
        }
    }
}

/// The JSON error envelope of every `/api` response: `{"error": {"code", "message"}}`.
public struct ErrorEnvelope: Content {
    public struct Body: Content {
        public var code: String
        public var message: String
    }
    public var error: Body

    public init(code: String, message: String) {
        self.error = Body(code: code, message: message)
    }
}
