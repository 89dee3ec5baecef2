import Directory
import Fluent
import Foundation
import Identity
import Kernel
import Procedures
import SQLKit
import VNCalendar
import Vapor
import WebUI
import WorkCalendar

/// What an applicant (or an officer on their behalf) submits.
public struct Submission: Content, Sendable {
    public struct Applicant: Content, Sendable {
        public var name: String
        /// CCCD (12 digits) or tax code.
        public var identity: String
        public var phone: String
        public var email: String?

        public init(name: String, identity: String, phone: String, email: String?) {
            self.name = name; self.identity = identity; self.phone = phone; self.email = email
        }
    }
    public var procedure: String
    public var applicant: Applicant
    public var summary: String?
    /// The e-form's values by field key.
    public var form: [String: String]
    /// The receiving agency, for procedures received by "the commune People's Committee where
    /// submitted"; ignored when the procedure names its receiving agency.
    public var agency: String?

    public init(procedure: String, applicant: Applicant, summary: String?, form: [String: String], agency: String?) {
        self.procedure = procedure; self.applicant = applicant; self.summary = summary; self.form = form; self.agency = agency
    }
}

/// The one place dossiers are created and changed. Every change is one transaction: the dossier,
/// its audit entry and (at creation) its code commit together or not at all.
public enum DossierService {
    /// Creates a dossier. Online submissions start as `submitted`; counter and postal entries by
    /// an officer are received at once. A repeated idempotency key returns the first dossier.
    public static func submit(_ s: Submission, channel: Channel, by viewer: Viewer, idempotencyKey: String?, on req: Request) async throws -> Dossier {
        if let key = idempotencyKey, let existing = try await Dossier.query(on: req.db).filter(\.$idempotencyKey == key).first() {
            let ids = try await agencyIDs(existing, on: req.db)
            guard existing.applicantUserID == viewer.userID || canView(existing, viewer, agencyIDs: ids) else {
                throw OneStopError.notYourDossier
            }
            return existing
        }
        let procedure: ProcedureDTO
        do { procedure = try await ProcedureQueries.procedure(code: s.procedure, on: req.db) } catch is ProceduresError {
            throw OneStopError.procedureUnavailable(s.procedure)
        }
        let d = procedure.definition
        var problems: [String] = []
        let name = s.applicant.name.trimmingCharacters(in: .whitespaces)
        if name.count < 2 || name.count > 200 { problems.append("Cần họ tên người nộp.") }
        let identity = IdentityNumber.normalized(s.applicant.identity)
        let year = GregorianDate(req.now).year
        if identity.count == 12 ? IdentityNumber.cccdProblem(identity, currentYear: year) != nil : IdentityNumber.taxCodeProblem(identity) != nil {
            problems.append("Số CCCD hoặc mã số thuế của người nộp không hợp lệ.")
        }
        for field in d.form where field.type != .file {
            let value = (s.form[field.key] ?? "").trimmingCharacters(in: .whitespaces)
            if field.required && value.isEmpty { problems.append("Thiếu “\(field.label)”.") }
            if field.type == .cccd, !value.isEmpty, IdentityNumber.cccdProblem(IdentityNumber.normalized(value), currentYear: year) != nil {
                problems.append("“\(field.label)” không phải số CCCD hợp lệ.")
            }
            if field.type == .choice, !value.isEmpty, !(field.options ?? []).contains(value) {
                problems.append("“\(field.label)” phải là một trong: \((field.options ?? []).joined(separator: ", ")).")
            }
            if value.count > 2000 { problems.append("“\(field.label)” quá dài.") }
        }
        let receiving = d.receivingAgency ?? s.agency?.uppercased()
        guard let receiving, let receivingAgency = try await Agency.query(on: req.db).filter(\.$code == receiving).first() else {
            throw OneStopError.invalid(problems + ["Cần chọn cơ quan tiếp nhận (UBND cấp xã nơi nộp hồ sơ)."])
        }
        if d.receivingAgency == nil, receivingAgency.level != .commune {
            problems.append("Thủ tục này nộp tại UBND cấp xã; “\(receivingAgency.name)” không phải UBND cấp xã.")
        }
        guard problems.isEmpty else { throw OneStopError.invalid(problems) }
        let atCounter = channel != .online
        if atCounter, !holds(viewer, .oneStopOfficer, in: receivingAgency.id) { throw OneStopError.notYourDossier }

        let now = req.now
        let due = atCounter ? try await dueDate(receivedAt: now, hours: d.processingTime.hours ?? 0, agency: receiving, on: req) : nil
        let form = String(decoding: try JSONEncoder().encode(s.form), as: UTF8.self)
        do {
            return try await req.db.transaction { db in
                guard let sql = db as? any SQLDatabase else { throw OneStopError.internalState("SQL database required") }
                let dossier = Dossier()
                dossier.code = try await DossierCode.next(agency: receiving, at: now, on: sql)
                dossier.procedureCode = d.code
                dossier.procedureVersion = procedure.version
                dossier.procedureName = d.name
                dossier.fieldCode = d.field
                dossier.channel = channel.rawValue
                dossier.status = (atCounter ? DossierStatus.received : .submitted).rawValue
                dossier.applicantUserID = atCounter ? nil : viewer.userID
                dossier.applicantName = name
                dossier.applicantIdentity = identity
                dossier.applicantPhone = s.applicant.phone
                dossier.applicantEmail = s.applicant.email ?? ""
                dossier.summary = s.summary ?? d.name
                dossier.formData = form
                dossier.receivingAgency = receiving
                dossier.decidingAgency = d.decidingAgency ?? receiving
                dossier.processingHours = d.processingTime.hours ?? 0
                dossier.submittedAt = now
                dossier.receivedAt = atCounter ? now : nil
                dossier.dueAt = due
                dossier.idempotencyKey = idempotencyKey
                dossier.revision = 1
                try await dossier.create(on: db)
                try await AuditChain.append(dossierID: dossier.requireID(), action: atCounter ? "enter" : "submit", from: nil,
                                            to: dossier.currentStatus, actorID: viewer.userID, actorName: viewer.displayName,
                                            at: now, comment: channel.label, on: db)
                return dossier
            }
        } catch {
            // The same idempotency key raced in: answer with the dossier that won.
            if let db = error as? any DatabaseError, db.isConstraintFailure, let key = idempotencyKey,
               let existing = try await Dossier.query(on: req.db).filter(\.$idempotencyKey == key).first() {
                return existing
            }
            throw error
        }
    }

    /// Takes an action on a dossier for `viewer`, if the lifecycle and the viewer's roles allow it.
    public static func perform(_ action: DossierAction, code: String, comment: String, rating: Int? = nil, newDue: Date? = nil,
                               by viewer: Viewer, on req: Request) async throws -> Dossier {
        let dossier = try await find(code, on: req.db)
        if action == .apologize {
            guard dossier.originalDueAt == nil else {
                throw OneStopError.actionNotAllowed(action: action.label, status: "đã xin lỗi, hẹn lại một lần")
            }
            guard let newDue, let current = dossier.dueAt, newDue > current else {
                throw OneStopError.invalid(["Ngày hẹn trả mới phải sau ngày hẹn hiện tại."])
            }
        }
        if action == .rate {
            guard dossier.rating == nil else {
                throw OneStopError.actionNotAllowed(action: action.label, status: "đã đánh giá")
            }
            guard rating.flatMap(Rating.init(rawValue:)) != nil else {
                throw OneStopError.invalid(["Chọn mức độ hài lòng: 3 rất hài lòng, 2 hài lòng, 1 không hài lòng."])
            }
        }
        let from = dossier.currentStatus
        let resume = dossier.resumeStatus.flatMap(DossierStatus.init(rawValue:))
        guard let to = Lifecycle.next(from: from, action, resumeTo: resume) else {
            throw OneStopError.actionNotAllowed(action: action.label, status: from.label)
        }
        let ids = try await agencyIDs(dossier, on: req.db)
        guard may(action, viewer, dossier, ids) else { throw OneStopError.notYourDossier }
        if [.refuse, .requestSupplement, .stop, .apologize].contains(action), comment.trimmingCharacters(in: .whitespaces).isEmpty {
            throw OneStopError.invalid(["Cần ghi rõ lý do."])
        }

        let now = req.now
        var due = dossier.dueAt
        var receivedAt = dossier.receivedAt
        switch (action, to) {
        case (.receive, _):
            receivedAt = now
            due = try await dueDate(receivedAt: now, hours: dossier.processingHours, agency: dossier.receivingAgency, on: req)
        case (.requestSupplement, _):
            due = nil  // the clock stops until the complete dossier arrives
        case (.apologize, _):
            due = newDue
        case (.supplement, .received), (.supplement, .processing):
            // By law the period restarts from zero once the complete dossier arrives.
            receivedAt = now
            due = try await dueDate(receivedAt: now, hours: dossier.processingHours, agency: dossier.receivingAgency, on: req)
        default:
            break
        }
        let revision = dossier.revision
        let id = try dossier.requireID()
        let (newReceivedAt, newDue) = (receivedAt, due)
        try await req.db.transaction { db in
            guard let sql = db as? any SQLDatabase else { throw OneStopError.internalState("SQL database required") }
            // Conditional on the revision read above: of two officers acting at once, one wins.
            let update = sql.update(Dossier.schema)
                .set("status", to: to.rawValue)
                .set("revision", to: revision + 1)
                .set("resume_status", to: action == .requestSupplement ? SQLBind(from.rawValue) : SQLBind(Int?.none))
                .set("received_at", to: newReceivedAt)
                .set("due_at", to: newDue)
            if action == .refuse { update.set("refused_at", to: now) }
            if action == .approve { update.set("finished_at", to: now) }
            if action == .returnResult { update.set("returned_at", to: now) }
            if action == .rate { update.set("rating", to: rating) }
            if action == .apologize { update.set("original_due_at", to: dossier.dueAt) }
            struct Row: Decodable { var revision: Int }
            guard try await update.where("id", .equal, id).where("revision", .equal, revision)
                .returning("revision").first(decoding: Row.self) != nil
            else { throw OneStopError.conflict }
            try await AuditChain.append(dossierID: id, action: action.rawValue, from: from, to: to, actorID: viewer.userID,
                                        actorName: viewer.displayName, at: now, comment: comment, on: db)
            try await Notifier.enqueue(action, dossier: dossier, due: newDue, comment: comment, now: now, on: db)
        }
        return try await find(code, on: req.db)
    }

    static func dueDate(receivedAt: Date, hours: Int, agency: String, on req: Request) async throws -> Date {
        let calculator = try await req.application.workCalendar.calculator(agencyCode: agency, on: req.db)
        let limit: TimeLimit = hours % 8 == 0 ? .workingDays(hours / 8) : .workingHours(hours)
        return try calculator.deadline(receivedAt: receivedAt, limit: limit).due
    }

    public static func find(_ code: String, on db: any Database) async throws -> Dossier {
        guard let d = try await Dossier.query(on: db).filter(\.$code == code).first() else { throw OneStopError.dossierNotFound(code) }
        return d
    }

    struct AgencyIDs { var receiving: UUID?; var deciding: UUID? }

    static func agencyIDs(_ d: Dossier, on db: any Database) async throws -> AgencyIDs {
        let rows = try await Agency.query(on: db).filter(\.$code ~~ [d.receivingAgency, d.decidingAgency]).all()
        let byCode = Dictionary(rows.map { ($0.code, $0.id) }, uniquingKeysWith: { a, _ in a })
        return AgencyIDs(receiving: byCode[d.receivingAgency] ?? nil, deciding: byCode[d.decidingAgency] ?? nil)
    }

    /// Whether `viewer` may take `action` on the dossier (the lifecycle decides whether it is legal now).
    static func may(_ action: DossierAction, _ viewer: Viewer, _ d: Dossier, _ ids: AgencyIDs) -> Bool {
        switch action.actor {
        case .applicant: d.applicantUserID == viewer.userID
        case .oneStopOfficer: holds(viewer, .oneStopOfficer, in: ids.receiving)
        // The desk may also ask for a supplement when it checks an online dossier at receipt.
        case .specialist: holds(viewer, .specialist, in: ids.deciding) || (holds(viewer, .oneStopOfficer, in: ids.receiving) && d.currentStatus == .submitted)
        case .leader: holds(viewer, .leader, in: ids.deciding)
        }
    }

    /// Roles are checked per agency; the platform admin operates the system but does not process dossiers.
    static func holds(_ viewer: Viewer, _ role: DossierAction.Actor, in agencyID: UUID?) -> Bool {
        guard let agencyID else { return false }
        return viewer.grants.contains { $0.role == role.rawValue && $0.agencyID == agencyID }
    }

    /// The applicant and officials holding any role in the receiving or deciding agency.
    static func canView(_ d: Dossier, _ viewer: Viewer, agencyIDs ids: AgencyIDs) -> Bool {
        d.applicantUserID == viewer.userID
            || viewer.grants.contains { g in g.agencyID != nil && (g.agencyID == ids.receiving || g.agencyID == ids.deciding) }
    }

    public static func view(_ code: String, by viewer: Viewer, on db: any Database) async throws -> Dossier {
        let d = try await find(code, on: db)
        guard canView(d, viewer, agencyIDs: try await agencyIDs(d, on: db)) else { throw OneStopError.notYourDossier }
        return d
    }

    /// Whether the dossier's audit trail is intact; the number of the first broken entry otherwise.
    public static func auditBreak(_ d: Dossier, on db: any Database) async throws -> Int? {
        try await AuditChain.firstBroken(dossierID: d.requireID(), on: db)
    }
}
