import Fluent
import Foundation
import SQLKit

/// A dossier (hồ sơ): one application for one procedure, from submission to the returned result.
/// It keeps a snapshot of what it needs from the catalog (procedure version, names, agencies) so
/// later edits of the catalog do not change it, and the dates the national sync carries.
public final class Dossier: Model, @unchecked Sendable {
    public static let schema = "dossiers"

    @ID(key: .id) public var id: UUID?
    /// Mã hồ sơ: receiving agency's identifier, `-YYMMDD-`, daily sequence of at least 4 digits.
    @Field(key: "code") public var code: String
    @Field(key: "procedure_code") public var procedureCode: String
    @Field(key: "procedure_version") public var procedureVersion: Int
    @Field(key: "procedure_name") public var procedureName: String
    @Field(key: "field_code") public var fieldCode: String
    @Field(key: "channel") public var channel: Int
    @Field(key: "status") public var status: Int
    /// Where a supplement sends the dossier back to.
    @OptionalField(key: "resume_status") public var resumeStatus: Int?
    @OptionalField(key: "applicant_user_id") public var applicantUserID: UUID?
    @Field(key: "applicant_name") public var applicantName: String
    /// CCCD or tax code (Số giấy tờ chủ hồ sơ).
    @Field(key: "applicant_identity") public var applicantIdentity: String
    @Field(key: "applicant_phone") public var applicantPhone: String
    @Field(key: "applicant_email") public var applicantEmail: String
    /// Trích yếu.
    @Field(key: "summary") public var summary: String
    /// The e-form's values as JSON (`{"key": "value"}`).
    @Field(key: "form_data") public var formData: String
    @Field(key: "receiving_agency") public var receivingAgency: String
    @Field(key: "deciding_agency") public var decidingAgency: String
    /// Processing time in working hours, copied from the procedure version.
    @Field(key: "processing_hours") public var processingHours: Int
    @Field(key: "submitted_at") public var submittedAt: Date
    @OptionalField(key: "received_at") public var receivedAt: Date?
    @OptionalField(key: "due_at") public var dueAt: Date?
    @OptionalField(key: "finished_at") public var finishedAt: Date?
    @OptionalField(key: "returned_at") public var returnedAt: Date?
    @OptionalField(key: "refused_at") public var refusedAt: Date?
    @OptionalField(key: "idempotency_key") public var idempotencyKey: String?
    /// The applicant's satisfaction: 3 rất hài lòng, 2 hài lòng, 1 không hài lòng.
    @OptionalField(key: "rating") public var rating: Int?
    /// The due date before the apology; set once (Mẫu 04 is issued at most once).
    @OptionalField(key: "original_due_at") public var originalDueAt: Date?
    /// `grant` or `refuse`: what the leader approved, once resolved.
    @OptionalField(key: "outcome") public var outcome: String?
    /// When the late warning (1 working day before the due date) went out.
    @OptionalField(key: "warned_at") public var warnedAt: Date?
    /// DuocThanhToanTrucTuyen: 2 when paid on the provincial payment platform.
    @OptionalField(key: "paid_online") public var paidOnline: Int?
    /// `portal`, `counter` or `dvcqg` (forwarded by the national portal).
    @Field(key: "source") public var source: String
    /// The national portal's code for a dossier it forwarded.
    @OptionalField(key: "national_code") public var nationalCode: String?
    /// TaiKhoanDuocXacThucVoiVNeID.
    @Field(key: "vneid_verified") public var vneidVerified: Bool
    /// Bumped by every action, so two officers acting at once cannot both succeed.
    @Field(key: "revision") public var revision: Int

    public init() {}

    public var currentStatus: DossierStatus { DossierStatus(rawValue: status) ?? .submitted }
}

/// One entry of a dossier's audit trail. Entries are chained: each holds the SHA-256 of its
/// content and of the previous entry, so an altered or removed entry breaks the chain.
public final class DossierEvent: Model, @unchecked Sendable {
    public static let schema = "dossier_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "dossier_id") public var dossierID: UUID
    @Field(key: "seq") public var seq: Int
    @Field(key: "action") public var action: String
    @OptionalField(key: "from_status") public var fromStatus: Int?
    @Field(key: "to_status") public var toStatus: Int
    @OptionalField(key: "actor_id") public var actorID: UUID?
    @Field(key: "actor_name") public var actorName: String
    @Field(key: "at") public var at: Date
    @Field(key: "comment") public var comment: String
    @Field(key: "prev_hash") public var prevHash: String
    @Field(key: "hash") public var hash: String

    public init() {}
}

/// Satisfaction ratings (đánh giá mức độ hài lòng).
struct AddDossierRating: AsyncMigration {
    var name: String { "onestop.003.rating" }
    func prepare(on db: any Database) async throws {
        try await db.schema(Dossier.schema).field("rating", .int).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema(Dossier.schema).deleteField("rating").update()
    }
}

/// Apologies and new appointments (Mẫu 04).
struct AddApology: AsyncMigration {
    var name: String { "onestop.005.apology" }
    func prepare(on db: any Database) async throws {
        try await db.schema(Dossier.schema).field("original_due_at", .datetime).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema(Dossier.schema).deleteField("original_due_at").update()
    }
}

/// The rating scale.
public enum Rating: Int, CaseIterable, Sendable {
    case unsatisfied = 1, satisfied = 2, verySatisfied = 3
    public var label: String {
        switch self {
        case .unsatisfied: "Không hài lòng"
        case .satisfied: "Hài lòng"
        case .verySatisfied: "Rất hài lòng"
        }
    }
}

struct CreateOneStopSchema: AsyncMigration {
    var name: String { "onestop.001.schema" }

    func prepare(on db: any Database) async throws {
        try await db.schema(Dossier.schema)
            .id()
            .field("code", .string, .required)
            .field("procedure_code", .string, .required)
            .field("procedure_version", .int, .required)
            .field("procedure_name", .string, .required)
            .field("field_code", .string, .required)
            .field("channel", .int, .required)
            .field("status", .int, .required)
            .field("resume_status", .int)
            .field("applicant_user_id", .uuid)
            .field("applicant_name", .string, .required)
            .field("applicant_identity", .string, .required)
            .field("applicant_phone", .string, .required)
            .field("applicant_email", .string, .required)
            .field("summary", .string, .required)
            .field("form_data", .string, .required)
            .field("receiving_agency", .string, .required)
            .field("deciding_agency", .string, .required)
            .field("processing_hours", .int, .required)
            .field("submitted_at", .datetime, .required)
            .field("received_at", .datetime)
            .field("due_at", .datetime)
            .field("finished_at", .datetime)
            .field("returned_at", .datetime)
            .field("refused_at", .datetime)
            .field("idempotency_key", .string)
            .field("revision", .int, .required)
            .unique(on: "code")
            .unique(on: "idempotency_key")
            .create()
        try await db.schema(DossierEvent.schema)
            .id()
            .field("dossier_id", .uuid, .required, .references(Dossier.schema, .id))
            .field("seq", .int, .required)
            .field("action", .string, .required)
            .field("from_status", .int)
            .field("to_status", .int, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("at", .datetime, .required)
            .field("comment", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "dossier_id", "seq")
            .create()
        try await db.schema("dossier_code_counters")
            .field("agency_code", .string, .required)
            .field("day", .string, .required)
            .field("seq_no", .int, .required)
            .unique(on: "agency_code", "day")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "dossiers_receiving_status").on(Dossier.schema).column("receiving_agency").column("status").run()
            try await sql.create(index: "dossiers_deciding_status").on(Dossier.schema).column("deciding_agency").column("status").run()
            try await sql.create(index: "dossiers_applicant").on(Dossier.schema).column("applicant_user_id").run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("dossier_code_counters").delete()
        try await db.schema(DossierEvent.schema).delete()
        try await db.schema(Dossier.schema).delete()
    }
}
