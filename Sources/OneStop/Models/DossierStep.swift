import Fluent
import Foundation
import SQLKit

/// One step of a dossier's processing at one agency: an appraisal or approval step taken from the
/// procedure's workflow template, or a consultation (lấy ý kiến) a specialist opened. Steps of the
/// same `group` run in parallel (liên thông song song, the first being the lead agency); groups
/// run one after another (liên thông tuần tự). Each step has its own deadline.
public final class DossierStep: Model, @unchecked Sendable {
    public static let schema = "dossier_steps"

    @ID(key: .id) public var id: UUID?
    @Field(key: "dossier_id") public var dossierID: UUID
    /// Order of creation; a step sent back is re-created with a higher number, so history stays.
    @Field(key: "seq") public var seq: Int
    /// Steps of one group are active together; consultations have group 0.
    @Field(key: "group_no") public var group: Int
    @Field(key: "kind") public var kind: String
    @Field(key: "name") public var name: String
    /// `specialist` or `leader`.
    @Field(key: "role") public var role: String
    @Field(key: "agency_code") public var agencyCode: String
    @Field(key: "agency_name") public var agencyName: String
    /// Cơ quan chủ trì of its group: its proposal is the dossier's.
    @Field(key: "lead") public var lead: Bool
    @Field(key: "status") public var status: String
    @Field(key: "working_hours") public var workingHours: Double
    @OptionalField(key: "assignee_id") public var assigneeID: UUID?
    @OptionalField(key: "assignee_name") public var assigneeName: String?
    @OptionalField(key: "started_at") public var startedAt: Date?
    @OptionalField(key: "due_at") public var dueAt: Date?
    @OptionalField(key: "finished_at") public var finishedAt: Date?
    @OptionalField(key: "finished_by") public var finishedBy: String?
    /// `grant` or `refuse`, for appraisal steps.
    @OptionalField(key: "proposal") public var proposal: String?
    /// The appraisal's or the consulted unit's opinion; for a consultation, the question asked.
    @Field(key: "opinion") public var opinion: String
    @OptionalField(key: "question") public var question: String?

    public init() {}

    /// A waiting step, not yet opened.
    init(dossierID: UUID, seq: Int, group: Int, kind: Kind = .process, name: String, role: String, agencyCode: String,
         agencyName: String, lead: Bool, workingHours: Double) {
        self.dossierID = dossierID
        self.seq = seq
        self.group = group
        self.kind = kind.rawValue
        self.name = name
        self.role = role
        self.agencyCode = agencyCode
        self.agencyName = agencyName
        self.lead = lead
        self.status = Status.waiting.rawValue
        self.workingHours = workingHours
        self.opinion = ""
    }

    public enum Kind: String, Sendable { case process, consult }
    public enum Status: String, Sendable {
        case waiting, active, done
        /// Sent back by the leader; a new step replaces it.
        case returned
        /// The dossier stopped or was refused before the step ran.
        case cancelled

        public var label: String {
            switch self {
            case .waiting: "Chưa đến"
            case .active: "Đang xử lý"
            case .done: "Đã xong"
            case .returned: "Trả lại"
            case .cancelled: "Huỷ"
            }
        }
    }

    public var currentStatus: Status { Status(rawValue: status) ?? .waiting }
    public var currentKind: Kind { Kind(rawValue: kind) ?? .process }
    public var isActive: Bool { currentStatus == .active }
}

/// The specialist's appraisal proposal (đề xuất): grant the result or refuse with reasons.
public enum Proposal: String, Codable, Sendable, CaseIterable {
    case grant, refuse
    public var label: String {
        switch self {
        case .grant: "Đề xuất giải quyết"
        case .refuse: "Đề xuất từ chối giải quyết"
        }
    }
}

struct CreateSteps: AsyncMigration {
    var name: String { "onestop.006.steps" }
    func prepare(on db: any Database) async throws {
        try await db.schema(DossierStep.schema)
            .id()
            .field("dossier_id", .uuid, .required, .references(Dossier.schema, .id))
            .field("seq", .int, .required)
            .field("group_no", .int, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("role", .string, .required)
            .field("agency_code", .string, .required)
            .field("agency_name", .string, .required)
            .field("lead", .bool, .required)
            .field("status", .string, .required)
            .field("working_hours", .double, .required)
            .field("assignee_id", .uuid)
            .field("assignee_name", .string)
            .field("started_at", .datetime)
            .field("due_at", .datetime)
            .field("finished_at", .datetime)
            .field("finished_by", .string)
            .field("proposal", .string)
            .field("opinion", .string, .required)
            .field("question", .string)
            .unique(on: "dossier_id", "seq")
            .create()
        // One column per ALTER: SQLite adds a single column at a time.
        try await db.schema(Dossier.schema).field("outcome", .string).update()
        try await db.schema(Dossier.schema).field("warned_at", .datetime).update()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "dossier_steps_agency_status").on(DossierStep.schema).column("agency_code").column("status").run()
        }
    }
    func revert(on db: any Database) async throws {
        try await db.schema(Dossier.schema).deleteField("warned_at").update()
        try await db.schema(Dossier.schema).deleteField("outcome").update()
        try await db.schema(DossierStep.schema).delete()
    }
}
