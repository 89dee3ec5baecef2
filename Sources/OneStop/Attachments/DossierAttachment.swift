import Fluent
import Foundation

/// A file attached to a dossier: a required document, an e-form file field or a result.
public final class DossierAttachment: Model, @unchecked Sendable {
    public static let schema = "dossier_attachments"

    @ID(key: .id) public var id: UUID?
    @Field(key: "dossier_id") public var dossierID: UUID
    @Field(key: "sha256") public var sha256: String
    @Field(key: "file_name") public var fileName: String
    @Field(key: "kind") public var kind: String
    @Field(key: "size") public var size: Int
    /// The required document or e-form field it answers, as named in the procedure.
    @Field(key: "document") public var document: String
    @Field(key: "uploaded_at") public var uploadedAt: Date
    @OptionalField(key: "uploaded_by") public var uploadedBy: UUID?
    @Field(key: "purpose") public var purpose: String
    /// Scanned from paper by an official at receipt (DuocSoHoa).
    @Field(key: "digitised") public var digitised: Bool
    /// Taken from the applicant's Kho instead of being submitted again (DuocTaiSuDung).
    @Field(key: "reused") public var reused: Bool
    /// A result file with the legal value of the paper result.
    @Field(key: "electronic_result") public var electronicResult: Bool

    public init() {}
}

struct CreateAttachments: AsyncMigration {
    var name: String { "onestop.004.attachments" }
    func prepare(on db: any Database) async throws {
        try await db.schema(DossierAttachment.schema)
            .id()
            .field("dossier_id", .uuid, .required, .references(Dossier.schema, .id))
            .field("sha256", .string, .required)
            .field("file_name", .string, .required)
            .field("kind", .string, .required)
            .field("size", .int, .required)
            .field("document", .string, .required)
            .field("uploaded_at", .datetime, .required)
            .field("uploaded_by", .uuid)
            .create()
    }
    func revert(on db: any Database) async throws {
        try await db.schema(DossierAttachment.schema).delete()
    }
}

/// Why a file is on the dossier.
public enum AttachmentPurpose: String, Codable, Sendable, CaseIterable {
    /// Part of the dossier as submitted (thành phần hồ sơ).
    case submitted
    /// Supplied later, at a supplement request.
    case supplement
    /// The result (kết quả giải quyết) or a refusal letter.
    case result
    /// Proof of payment (biên lai, chứng từ nộp tiền).
    case receipt

    public var label: String {
        switch self {
        case .submitted: "Thành phần hồ sơ"
        case .supplement: "Hồ sơ bổ sung"
        case .result: "Kết quả giải quyết"
        case .receipt: "Chứng từ nộp phí, lệ phí"
        }
    }
}
