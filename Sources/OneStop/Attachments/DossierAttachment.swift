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
