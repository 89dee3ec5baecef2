import Kernel
import Vapor

public enum ProceduresError: DomainError {
    case notFound(code: String)
    case versionNotFound(code: String, version: Int)
    case invalid([String])

    public var status: HTTPResponseStatus {
        switch self {
        case .notFound, .versionNotFound: .notFound
        case .invalid: .unprocessableEntity
        }
    }

    public var code: String {
        switch self {
        case .notFound: "procedures.not-found"
        case .versionNotFound: "procedures.version-not-found"
        case .invalid: "procedures.invalid"
        }
    }

    public var message: String {
        switch self {
        case .notFound(let code): "Không tìm thấy thủ tục hành chính có mã “\(code)”."
        case .versionNotFound(let code, let v): "Thủ tục “\(code)” không có phiên bản \(v)."
        case .invalid(let problems): "Thông tin thủ tục chưa hợp lệ: " + problems.joined(separator: " ")
        }
    }
}
