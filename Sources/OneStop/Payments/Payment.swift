import Fluent
import Foundation

/// A financial obligation on a dossier (nghĩa vụ tài chính): the fee items an appraisal found,
/// and how and when they were paid (NĐ 118/2025 art. 24; the transaction data of research §8).
public final class DossierPayment: Model, @unchecked Sendable {
    public static let schema = "dossier_payments"

    @ID(key: .id) public var id: UUID?
    @Field(key: "dossier_id") public var dossierID: UUID
    /// The fee items as JSON (`[{"name": …, "amount": …}]`), amounts in đồng.
    @Field(key: "items") public var items: String
    @Field(key: "total") public var total: Int
    @Field(key: "status") public var status: String
    @OptionalField(key: "method") public var method: String?
    /// The provider's transaction reference (mã tham chiếu) for online payments.
    @OptionalField(key: "reference") public var reference: String?
    @OptionalField(key: "provider") public var provider: String?
    @OptionalField(key: "receipt_number") public var receiptNumber: String?
    /// Đường dẫn biên lai điện tử.
    @OptionalField(key: "receipt_url") public var receiptURL: String?
    @Field(key: "requested_at") public var requestedAt: Date
    @OptionalField(key: "paid_at") public var paidAt: Date?
    @OptionalField(key: "checked_at") public var checkedAt: Date?

    public init() {}

    public enum Status: String, Sendable { case pending, paid, failed }
    public var currentStatus: Status { Status(rawValue: status) ?? .pending }

    public var feeItems: [FeeItem] { (try? JSONDecoder().decode([FeeItem].self, from: Data(items.utf8))) ?? [] }
}

/// One fee or charge (phí, lệ phí) of a financial obligation.
public struct FeeItem: Codable, Sendable, Equatable {
    public var name: String
    public var amount: Int
    public init(name: String, amount: Int) { self.name = name; self.amount = amount }
}

/// How a payment was made (HinhThucThu).
public enum PaymentMethod: String, Codable, Sendable, CaseIterable {
    /// Tiền mặt at the counter.
    case cash
    /// Chuyển khoản to the agency's fee account; the receipt is checked by the desk.
    case transfer
    /// Trực tuyến through a payment platform.
    case online

    public var label: String {
        switch self {
        case .cash: "Tiền mặt"
        case .transfer: "Chuyển khoản"
        case .online: "Thanh toán trực tuyến"
        }
    }
}

struct CreatePayments: AsyncMigration {
    var name: String { "onestop.007.payments" }
    func prepare(on db: any Database) async throws {
        try await db.schema(DossierPayment.schema)
            .id()
            .field("dossier_id", .uuid, .required, .references(Dossier.schema, .id))
            .field("items", .string, .required)
            .field("total", .int, .required)
            .field("status", .string, .required)
            .field("method", .string)
            .field("reference", .string)
            .field("provider", .string)
            .field("receipt_number", .string)
            .field("receipt_url", .string)
            .field("requested_at", .datetime, .required)
            .field("paid_at", .datetime)
            .field("checked_at", .datetime)
            .unique(on: "reference")
            .create()
        try await db.schema(SandboxTransaction.schema)
            .field("reference", .string, .identifier(auto: false))
            .field("amount", .int, .required)
            .field("description", .string, .required)
            .field("state", .string, .required)
            .field("return_url", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }
    func revert(on db: any Database) async throws {
        try await db.schema(SandboxTransaction.schema).delete()
        try await db.schema(DossierPayment.schema).delete()
    }
}
