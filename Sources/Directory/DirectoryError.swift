import Kernel
import Vapor

public enum DirectoryError: DomainError {
    case emptyAddress
    case addressNotRecognized(part: String)
    case ambiguousAddress(part: String)
    case communeMissing
    case noConversion(commune: String)
    case agencyNotFound(code: String)
    case fieldNotFound(code: String)
    case adminUnitNotFound(code: String)
    case invalidAgencyCode(String)
    case duplicateCode(String)
    case invalidInput(String)

    public var status: HTTPResponseStatus {
        switch self {
        case .agencyNotFound, .fieldNotFound, .adminUnitNotFound: .notFound
        case .duplicateCode: .conflict
        case .noConversion, .addressNotRecognized, .ambiguousAddress, .communeMissing: .unprocessableEntity
        default: .badRequest
        }
    }

    public var code: String {
        switch self {
        case .emptyAddress: "directory.empty-address"
        case .addressNotRecognized: "directory.address-not-recognized"
        case .ambiguousAddress: "directory.ambiguous-address"
        case .communeMissing: "directory.commune-missing"
        case .noConversion: "directory.no-conversion"
        case .agencyNotFound: "directory.agency-not-found"
        case .fieldNotFound: "directory.field-not-found"
        case .adminUnitNotFound: "directory.admin-unit-not-found"
        case .invalidAgencyCode: "directory.invalid-agency-code"
        case .duplicateCode: "directory.duplicate-code"
        case .invalidInput: "directory.invalid-input"
        }
    }

    public var message: String {
        switch self {
        case .emptyAddress: "Vui lòng nhập địa chỉ cần chuyển đổi."
        case .addressNotRecognized(let part): "Không nhận ra đơn vị hành chính “\(part)”. Hãy viết địa chỉ theo dạng: Xã/Phường, Huyện/Quận, Tỉnh/Thành phố."
        case .ambiguousAddress(let part): "Có nhiều đơn vị tên “\(part)” trong tỉnh này; vui lòng ghi thêm huyện/quận."
        case .communeMissing: "Địa chỉ thiếu xã/phường/thị trấn nên chưa xác định được đơn vị mới."
        case .noConversion(let commune): "Chưa có dữ liệu chuyển đổi cho “\(commune)”."
        case .agencyNotFound(let code): "Không tìm thấy cơ quan có mã “\(code)”."
        case .fieldNotFound(let code): "Không tìm thấy lĩnh vực có mã “\(code)”."
        case .adminUnitNotFound(let code): "Không tìm thấy đơn vị hành chính có mã “\(code)”."
        case .invalidAgencyCode(let code): "Mã định danh “\(code)” không đúng cấu trúc Quyết định 20/2020/QĐ-TTg (tối đa 35 ký tự gồm chữ in hoa A–Z, chữ số và dấu chấm; nhóm đầu dạng MX1X2, ví dụ H42)."
        case .duplicateCode(let code): "Mã “\(code)” đã được sử dụng."
        case .invalidInput(let reason): reason
        }
    }
}
