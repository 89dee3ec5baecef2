import Kernel
import Vapor

public enum IndicatorsError: DomainError {
    case badPeriod(String)
    case unknownAgency(String)

    public var status: HTTPResponseStatus {
        switch self {
        case .badPeriod: .badRequest
        case .unknownAgency: .notFound
        }
    }

    public var code: String {
        switch self {
        case .badPeriod: "indicators.bad-period"
        case .unknownAgency: "indicators.unknown-agency"
        }
    }

    public var message: String {
        switch self {
        case .badPeriod(let why): "Kỳ báo cáo không hợp lệ: \(why)."
        case .unknownAgency(let code): "Không có cơ quan mã “\(code)”."
        }
    }
}
