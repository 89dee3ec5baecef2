import Fluent
import Foundation

/// A procedure in the catalog: the columns lists and search need, copied from its current
/// version. The full text of every version is in `ProcedureVersion`.
public final class Procedure: Model, @unchecked Sendable {
    public static let schema = "procedures"

    @ID(key: .id) public var id: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "name_folded") public var nameFolded: String
    @Field(key: "field_code") public var fieldCode: String
    /// Comma-separated levels, e.g. `province,commune`.
    @Field(key: "levels") public var levels: String
    @Field(key: "online_level") public var onlineLevel: String
    @OptionalField(key: "receiving_agency") public var receivingAgency: String?
    @OptionalField(key: "deciding_agency") public var decidingAgency: String?
    @Field(key: "processing_hours") public var processingHours: Int
    @Field(key: "current_version") public var currentVersion: Int
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}
}

/// One immutable version of a procedure.
public final class ProcedureVersion: Model, @unchecked Sendable {
    public static let schema = "procedure_versions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "procedure_id") public var procedureID: UUID
    @Field(key: "version") public var version: Int
    /// The `ProcedureDefinition` as JSON.
    @Field(key: "definition") public var definition: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "created_by") public var createdBy: UUID?

    public init() {}
}
