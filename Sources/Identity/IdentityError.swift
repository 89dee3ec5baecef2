import Kernel
import Vapor

public enum IdentityError: DomainError, Equatable {
    case invalidCredentials
    case throttled(minutes: Int)
    case inactive
    case invalidCCCD(IdentityNumber.Problem)
    case invalidTaxCode(IdentityNumber.Problem)
    case duplicateIdentityNumber
    case duplicateUsername
    case weakPassword
    case passwordMismatch
    case invalidName
    case invalidPhone
    case invalidEmail
    case invalidUsername
    case invalidToken
    case insufficientScope(String)
    case userNotFound
    case unknownRole(String)

    public var status: HTTPResponseStatus {
        switch self {
        case .invalidCredentials, .invalidToken: .unauthorized
        case .throttled: .tooManyRequests
        case .inactive, .insufficientScope: .forbidden
        case .duplicateIdentityNumber, .duplicateUsername: .conflict
        case .userNotFound: .notFound
        default: .badRequest
        }
    }

    public var code: String {
        switch self {
        case .invalidCredentials: "identity.invalid-credentials"
        case .throttled: "identity.throttled"
        case .inactive: "identity.inactive"
        case .invalidCCCD: "identity.invalid-cccd"
        case .invalidTaxCode: "identity.invalid-tax-code"
        case .duplicateIdentityNumber: "identity.duplicate-identity-number"
        case .duplicateUsername: "identity.duplicate-username"
        case .weakPassword: "identity.weak-password"
        case .passwordMismatch: "identity.password-mismatch"
        case .invalidName: "identity.invalid-name"
        case .invalidPhone: "identity.invalid-phone"
        case .invalidEmail: "identity.invalid-email"
        case .invalidUsername: "identity.invalid-username"
        case .invalidToken: "identity.invalid-token"
        case .insufficientScope: "identity.insufficient-scope"
        case .userNotFound: "identity.user-not-found"
        case .unknownRole: "identity.unknown-role"
        }
    }

    public var message: String {
        switch self {
        case .invalidCredentials: "Tên đăng nhập hoặc mật khẩu không đúng."
        case .throttled(let minutes): "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau \(minutes) phút."
        case .inactive: "Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên."
        case .invalidCCCD(let p):
            switch p {
            case .notDigits, .wrongLength: "Số căn cước công dân phải gồm đúng 12 chữ số."
            case .unknownProvince: "Số căn cước công dân không hợp lệ: 3 chữ số đầu không phải mã tỉnh nơi đăng ký khai sinh."
            case .badCentury: "Số căn cước công dân không hợp lệ: chữ số thứ 4 (thế kỷ sinh và giới tính) không đúng."
            case .futureBirthYear: "Số căn cước công dân không hợp lệ: năm sinh ở tương lai."
            case .badChecksum: "Số căn cước công dân không hợp lệ."
            }
        case .invalidTaxCode(let p):
            switch p {
            case .badChecksum: "Mã số thuế không hợp lệ (sai chữ số kiểm tra)."
            default: "Mã số thuế doanh nghiệp phải gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc."
            }
        case .duplicateIdentityNumber: "Số định danh này đã được đăng ký tài khoản. Vui lòng đăng nhập."
        case .duplicateUsername: "Tên đăng nhập đã được sử dụng."
        case .weakPassword: "Mật khẩu phải có ít nhất 8 ký tự, gồm cả chữ và số."
        case .passwordMismatch: "Mật khẩu nhập lại không khớp."
        case .invalidName: "Vui lòng nhập họ và tên (2–100 ký tự)."
        case .invalidPhone: "Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0)."
        case .invalidEmail: "Địa chỉ thư điện tử không hợp lệ."
        case .invalidUsername: "Tên đăng nhập gồm 3–40 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang."
        case .invalidToken: "Mã truy cập API không hợp lệ, đã hết hạn hoặc đã bị thu hồi."
        case .insufficientScope(let scope): "Mã truy cập API không có quyền “\(scope)”."
        case .userNotFound: "Không tìm thấy người dùng."
        case .unknownRole(let r): "Vai trò “\(r)” không tồn tại."
        }
    }
}
