import Kernel
import Vapor

public enum OneStopError: DomainError {
    case dossierNotFound(String)
    case procedureUnavailable(String)
    case actionNotAllowed(action: String, status: String)
    case unknownAction(String)
    case notYourDossier
    case conflict
    case invalid([String])
    case internalState(String)
    case attachmentNotFound
    case fileRejected(String)

    public var status: HTTPResponseStatus {
        switch self {
        case .dossierNotFound, .procedureUnavailable, .attachmentNotFound: .notFound
        case .fileRejected: .unprocessableEntity
        case .actionNotAllowed, .conflict: .conflict
        case .notYourDossier: .forbidden
        case .unknownAction: .badRequest
        case .invalid: .unprocessableEntity
        case .internalState: .internalServerError
        }
    }

    public var code: String {
        switch self {
        case .dossierNotFound: "onestop.dossier-not-found"
        case .procedureUnavailable: "onestop.procedure-unavailable"
        case .actionNotAllowed: "onestop.action-not-allowed"
        case .unknownAction: "onestop.unknown-action"
        case .notYourDossier: "onestop.forbidden"
        case .conflict: "onestop.conflict"
        case .invalid: "onestop.invalid"
        case .internalState: "onestop.internal"
        case .attachmentNotFound: "onestop.attachment-not-found"
        case .fileRejected: "onestop.file-rejected"
        }
    }

    public var message: String {
        switch self {
        case .dossierNotFound(let code): "Không tìm thấy hồ sơ có mã “\(code)”."
        case .procedureUnavailable(let code): "Thủ tục “\(code)” không có trong danh mục."
        case .actionNotAllowed(let action, let status): "Không thể “\(action)” khi hồ sơ đang ở trạng thái “\(status)”."
        case .unknownAction(let a): "Thao tác “\(a)” không tồn tại."
        case .notYourDossier: "Bạn không có quyền thực hiện thao tác này trên hồ sơ."
        case .conflict: "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại và thử lại."
        case .invalid(let problems): "Hồ sơ chưa hợp lệ: " + problems.joined(separator: " ")
        case .internalState: "Hệ thống gặp sự cố. Vui lòng thử lại sau."
        case .attachmentNotFound: "Không tìm thấy tệp đính kèm."
        case .fileRejected(let reason): reason
        }
    }
}
