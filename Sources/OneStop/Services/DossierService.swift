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
    /// The documents: every mandatory document and required file field needs one.
    public var files: [SubmittedFile]?

    public init(procedure: String, applicant: Applicant, summary: String?, form: [String: String], agency: String?, files: [SubmittedFile]? = nil) {
        self.procedure = procedure; self.applicant = applicant; self.summary = summary; self.form = form; self.agency = agency
        self.files = files
    }
}

/// A dossier the national public service portal forwarded (citizens submit there since 1 July 2025).
public struct NationalOrigin: Sendable {
    /// The national portal's dossier code.
    public var code: String
    public var vneidVerified: Bool
    /// The local account with the applicant's CCCD, so results reach their Kho here too.
    public var applicantUserID: UUID?
}

/// A document of a submission: uploaded bytes, or a document reused from the applicant's Kho.
public struct SubmittedFile: Content, Sendable {
    /// The required document's name or the file field's key it answers.
    public var document: String
    public var fileName: String?
    /// The file's bytes (base64 in JSON).
    public var content: Data?
    /// A document of the applicant's Kho, instead of `content`.
    public var fromStore: UUID?

    public init(document: String, fileName: String? = nil, content: Data? = nil, fromStore: UUID? = nil) {
        self.document = document; self.fileName = fileName; self.content = content; self.fromStore = fromStore
    }
}

/// The one place dossiers are created and changed. Every change is one transaction: the dossier,
/// its audit entry and (at creation) its code commit together or not at all.
public enum DossierService {
    /// Creates a dossier. Online submissions start as `submitted`; counter and postal entries by
    /// an officer are received at once. A repeated idempotency key returns the first dossier.
    public static func submit(_ s: Submission, channel: Channel, by viewer: Viewer, idempotencyKey: String?,
                              forwarded national: NationalOrigin? = nil, on req: Request) async throws -> Dossier {
        if let key = idempotencyKey, let existing = try await Dossier.query(on: req.db).filter(\.$idempotencyKey == key).first() {
            let ids = try await agencyIDs(existing, on: req.db)
            guard national != nil || existing.applicantUserID == viewer.userID || canView(existing, viewer, agencyIDs: ids) else {
                throw OneStopError.notYourDossier
            }
            return existing
        }
        let version: Int, d: ProcedureDefinition
        do { (version, d) = try await req.application.procedureDefinitions.current(code: s.procedure, on: req.db) } catch is ProceduresError {
            throw OneStopError.procedureUnavailable(s.procedure)
        }
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
        guard let receiving, let receivingAgency = try await req.application.agencyLookup.summary(code: receiving, on: req.db) else {
            throw OneStopError.invalid(problems + ["Cần chọn cơ quan tiếp nhận (UBND cấp xã nơi nộp hồ sơ)."])
        }
        if d.receivingAgency == nil, receivingAgency.level != .commune {
            problems.append("Thủ tục này nộp tại UBND cấp xã; “\(receivingAgency.name)” không phải UBND cấp xã.")
        }
        let atCounter = channel != .online && national == nil
        let prepared = try await prepare(s.files ?? [], for: d, by: viewer, problems: &problems, on: req)
        guard problems.isEmpty else { throw OneStopError.invalid(problems) }
        if atCounter, !holds(viewer, .oneStopOfficer, in: receivingAgency.id) { throw OneStopError.notYourDossier }
        // The bytes go to the store now; the intake's transaction commits only once they are on disk.
        var stored: [(PreparedFile, String)] = []
        var staged: [StagedAttachment] = []
        for f in prepared {
            var sha = f.sha256 ?? ""
            if let data = f.data {
                let s = try await req.application.attachmentStore.stage(data)
                staged.append(s)
                sha = s.sha256
            }
            stored.append((f, sha))
        }

        let now = req.now
        let dossier = Dossier()
        dossier.id = UUID.timeOrdered()
        dossier.procedureCode = d.code
        dossier.procedureVersion = version
        dossier.procedureName = d.name
        dossier.fieldCode = d.field
        dossier.channel = channel.rawValue
        dossier.status = (atCounter ? DossierStatus.received : .submitted).rawValue
        dossier.applicantUserID = national.map(\.applicantUserID) ?? (atCounter ? nil : viewer.userID)
        dossier.source = national != nil ? "dvcqg" : atCounter ? "counter" : "portal"
        dossier.nationalCode = national?.code
        dossier.vneidVerified = national?.vneidVerified ?? false
        dossier.applicantName = name
        dossier.applicantIdentity = identity
        dossier.applicantPhone = s.applicant.phone
        dossier.applicantEmail = s.applicant.email ?? ""
        dossier.summary = s.summary ?? d.name
        dossier.formData = String(decoding: try JSONEncoder().encode(s.form), as: UTF8.self)
        dossier.receivingAgency = receiving
        dossier.decidingAgency = d.decidingAgency ?? receiving
        dossier.processingHours = d.processingTime.hours ?? 0
        dossier.submittedAt = now
        dossier.receivedAt = atCounter ? now : nil
        dossier.dueAt = atCounter ? try await dueDate(receivedAt: now, hours: d.processingTime.hours ?? 0, agency: receiving, on: req) : nil
        dossier.idempotencyKey = idempotencyKey
        dossier.revision = 1
        let id = try dossier.requireID()
        let attachments = stored.map { f, sha in
            let a = DossierAttachment()
            a.id = UUID.timeOrdered()
            a.dossierID = id
            a.sha256 = sha
            a.fileName = f.fileName
            a.kind = f.kind.rawValue
            a.size = f.size
            a.document = f.document
            a.uploadedAt = now
            a.uploadedBy = viewer.userID
            a.purpose = AttachmentPurpose.submitted.rawValue
            a.digitised = atCounter
            a.reused = f.data == nil
            a.electronicResult = false
            return a
        }
        let fileNote = stored.isEmpty ? "" : "; \(stored.count) tệp: " + stored.map { "\($0.0.document) (sha256 \($0.1))" }.joined(separator: ", ")
        let event = AuditChain.entry(after: nil, dossierID: id, action: atCounter ? "enter" : "submit", from: nil, to: dossier.currentStatus,
                                     actorID: viewer.userID, actorName: viewer.displayName, at: now, comment: channel.label + fileNote)
        do {
            return try await req.application.groupCommit.write(
                DossierIntake(dossier: dossier, attachments: attachments, files: staged, event: event,
                              syncMessage: NationalSync.message(dossierID: id, at: now), observers: req.application.dossierObservers))
        } catch {
            // The same idempotency key raced in: answer with the dossier that won.
            if let db = error as? any DatabaseError, db.isConstraintFailure, let key = idempotencyKey,
               let existing = try await Dossier.query(on: req.db).filter(\.$idempotencyKey == key).first() {
                return existing
            }
            throw error
        }
    }

    struct PreparedFile {
        var document: String
        var fileName: String
        var kind: AttachmentKind
        var size: Int
        /// New bytes to store; nil for a document reused from the Kho (already stored).
        var data: Data?
        var sha256: String?
    }

    /// Checks the submitted files against the procedure: every mandatory document and required file
    /// field present, each file of an accepted type and size, Kho documents the applicant's own.
    static func prepare(_ files: [SubmittedFile], for d: ProcedureDefinition, by viewer: Viewer, problems: inout [String],
                        on req: Request) async throws -> [PreparedFile] {
        var prepared: [PreparedFile] = []
        let known = d.documents.map(\.name) + d.form.filter { $0.type == .file }.flatMap { [$0.key, $0.label] } + ["Giấy tờ khác"]
        for f in files.prefix(50) {
            let document = f.document.trimmingCharacters(in: .whitespaces)
            guard known.contains(document) else { problems.append("Giấy tờ “\(document.prefix(80))” không thuộc thành phần hồ sơ của thủ tục."); continue }
            if let content = f.content {
                do {
                    let kind = try AttachmentKind.check(content)
                    prepared.append(PreparedFile(document: document, fileName: FileName.sanitised(f.fileName ?? "tep", kind: kind), kind: kind,
                                                 size: content.count, data: content, sha256: nil))
                } catch let e as OneStopError { problems.append("“\(document)”: \(e.message)") }
            } else if let id = f.fromStore {
                guard let doc = try await PersonalStore.document(id, of: viewer.userID, on: req.db), let kind = AttachmentKind(rawValue: doc.kind) else {
                    problems.append("“\(document)”: không tìm thấy giấy tờ trong Kho của bạn."); continue
                }
                prepared.append(PreparedFile(document: document, fileName: doc.fileName, kind: kind, size: doc.size, data: nil, sha256: doc.sha256))
            } else {
                problems.append("“\(document)”: cần tải tệp lên hoặc chọn từ Kho.")
            }
        }
        if files.count > 50 { problems.append("Tối đa 50 tệp mỗi hồ sơ.") }
        let given = Set(prepared.map(\.document))
        for doc in d.documents where doc.mandatory && !given.contains(doc.name) {
            problems.append("Thiếu giấy tờ bắt buộc “\(doc.name)”.")
        }
        for field in d.form where field.type == .file && field.required && !given.contains(field.key) && !given.contains(field.label) {
            problems.append("Thiếu tệp “\(field.label)”.")
        }
        if prepared.reduce(0, { $0 + $1.size }) > AttachmentLimits.perDossier {
            problems.append("Tổng dung lượng tệp của hồ sơ vượt quá \(AttachmentLimits.perDossier / 1_048_576) MB.")
        }
        return prepared
    }

    /// Takes an action on a dossier for `viewer`, if the lifecycle, the processing steps and the
    /// viewer's roles allow it. The dossier, its steps, payment, audit entry and notifications
    /// change in one transaction, conditional on the revision read, so of two officials acting at
    /// once exactly one succeeds.
    public static func perform(_ action: DossierAction, code: String, _ input: ActionInput = ActionInput(),
                               by viewer: Viewer, on req: Request) async throws -> Dossier {
        let dossier = try await find(code, on: req.db)
        let id = try dossier.requireID()
        let steps = try await Processing.steps(of: id, on: req.db)
        let ids = try await agencyIDs(dossier, steps: steps, on: req.db)
        let from = dossier.currentStatus
        let resume = dossier.resumeStatus.flatMap(DossierStatus.init(rawValue:))
        guard Lifecycle.next(from: from, action, resumeTo: resume) != nil else {
            throw OneStopError.actionNotAllowed(action: action.label, status: from.label)
        }
        guard may(action, viewer, dossier, ids, steps) else {
            // A step action by someone of the right agency, at the wrong moment, deserves the reason.
            if Processing.stepActions.contains(action),
               viewer.grants.contains(where: { g in g.role == action.actor.rawValue && g.agencyID.map(Set(ids.byCode.values).contains) == true }) {
                throw OneStopError.actionNotAllowed(action: action.label, status: Processing.unavailable(action, steps: steps))
            }
            throw OneStopError.notYourDossier
        }
        let comment = input.comment.trimmingCharacters(in: .whitespacesAndNewlines)
        if [.refuse, .requestSupplement, .stop, .apologize, .propose, .consult, .reply, .sendBack].contains(action), comment.isEmpty {
            throw OneStopError.invalid([action == .propose || action == .reply ? "Cần ghi ý kiến." : "Cần ghi rõ lý do."])
        }
        guard comment.count <= 4000 else { throw OneStopError.invalid(["Nội dung quá dài (tối đa 4.000 ký tự)."]) }

        let now = req.now
        var change = Change(dossier: dossier, from: from, comment: comment)
        let step = Processing.step(for: action, viewer, in: steps, agencyIDs: ids.byCode)
        switch action {
        case .receive:
            change.receivedAt = now
            change.due = try await dueDate(receivedAt: now, hours: dossier.processingHours, agency: dossier.receivingAgency, on: req)
        case .startProcessing:
            let definition = try await req.application.procedureDefinitions.definition(code: dossier.procedureCode, version: dossier.procedureVersion, on: req.db)
            let codes = Set(definition.workflow.map(\.agency)).subtracting(["receiving", "deciding"]).union([dossier.decidingAgency, dossier.receivingAgency])
            let names = Dictionary(try await Agency.query(on: req.db).filter(\.$code ~~ Array(codes)).all().map { ($0.code, $0.name) },
                                   uniquingKeysWith: { a, _ in a })
            let planned = try Processing.plan(definition.workflow, dossier: dossier, agencyNames: names)
            if let first = Processing.nextWaitingGroup(planned) { try await Processing.activate(group: first, in: planned, at: now, on: req) }
            change.newSteps = planned
        case .requestSupplement:
            if from == .processing, let received = dossier.receivedAt {
                // NĐ 118 art. 19: the deciding agency asks for a supplement once, within 3 working days of receipt.
                let calculator = try await req.application.workCalendar.calculator(agencyCode: dossier.decidingAgency, on: req.db)
                if try calculator.workingTime(from: received, to: now) > 3 * 8 * 3600 {
                    throw OneStopError.actionNotAllowed(action: action.label, status: "đã quá 3 ngày làm việc kể từ ngày tiếp nhận")
                }
            }
            change.due = nil  // the clock stops until the complete dossier arrives
        case .supplement:
            if let resume, [.received, .processing].contains(resume) {
                // By law the period restarts from zero once the complete dossier arrives.
                change.receivedAt = now
                change.due = try await dueDate(receivedAt: now, hours: dossier.processingHours, agency: dossier.receivingAgency, on: req)
                for s in steps where s.isActive && s.currentKind == .process {
                    s.startedAt = now
                    s.dueAt = try await Processing.due(s, from: now, on: req)
                    change.changedSteps.append(s)
                }
            }
        case .apologize:
            guard dossier.originalDueAt == nil else {
                throw OneStopError.actionNotAllowed(action: action.label, status: "đã xin lỗi, hẹn lại một lần")
            }
            guard let newDue = input.newDue, let current = dossier.dueAt, newDue > current else {
                throw OneStopError.invalid(["Ngày hẹn trả mới phải sau ngày hẹn hiện tại."])
            }
            change.due = newDue
            change.originalDue = current
        case .rate:
            guard dossier.rating == nil else { throw OneStopError.actionNotAllowed(action: action.label, status: "đã đánh giá") }
            guard let rating = input.rating, Rating(rawValue: rating) != nil else {
                throw OneStopError.invalid(["Chọn mức độ hài lòng: 3 rất hài lòng, 2 hài lòng, 1 không hài lòng."])
            }
            change.rating = rating
        case .assign:
            guard let step, let assignee = input.assignee,
                  let user = try await Identity.viewer(userID: assignee, on: req.db),
                  user.grants.contains(where: { $0.role == "specialist" && $0.agencyID == ids.byCode[step.agencyCode] })
            else { throw OneStopError.invalid(["Chọn một chuyên viên của \(step?.agencyName ?? "đơn vị")."]) }
            step.assigneeID = assignee
            step.assigneeName = user.displayName
            change.changedSteps.append(step)
            change.comment = "\(step.name) — giao \(user.displayName)" + (comment.isEmpty ? "" : ": \(comment)")
        case .propose:
            guard let step else { throw OneStopError.internalState("no step") }
            guard let proposal = input.proposal else { throw OneStopError.invalid(["Chọn đề xuất: giải quyết hoặc từ chối."]) }
            step.proposal = proposal.rawValue
            step.opinion = comment
            step.status = DossierStep.Status.done.rawValue
            step.finishedAt = now
            step.finishedBy = viewer.displayName
            _ = try await Processing.advance(after: step, steps: steps, at: now, on: req)
            change.changedSteps = steps
            change.comment = "\(step.agencyName): \(proposal.label) — \(comment)"
        case .consult:
            guard let code = input.agency, let agency = try await Agency.query(on: req.db).filter(\.$code == code).first() else {
                throw OneStopError.invalid(["Chọn đơn vị được lấy ý kiến."])
            }
            guard let days = input.workingDays, (1...30).contains(days) else {
                throw OneStopError.invalid(["Thời hạn trả lời từ 1 đến 30 ngày làm việc."])
            }
            let consult = try await Processing.consultation(of: agency, question: comment, workingDays: days, dossierID: id,
                                                            seq: (steps.map(\.seq).max() ?? 0) + 1, at: now, on: req)
            change.newSteps = [consult]
            change.comment = "Lấy ý kiến \(agency.name), hạn \(VietnamTime.display(consult.dueAt)): \(comment)"
        case .reply:
            guard let step else { throw OneStopError.internalState("no step") }
            step.opinion = comment
            step.status = DossierStep.Status.done.rawValue
            step.finishedAt = now
            step.finishedBy = viewer.displayName
            change.changedSteps.append(step)
            change.comment = "\(step.agencyName) trả lời: \(comment)"
        case .approve:
            guard let step else { throw OneStopError.internalState("no step") }
            step.status = DossierStep.Status.done.rawValue
            step.finishedAt = now
            step.finishedBy = viewer.displayName
            step.opinion = comment
            change.stepsRemain = try await Processing.advance(after: step, steps: steps, at: now, on: req)
            change.changedSteps = steps
            if !change.stepsRemain {
                let outcome = Processing.leadProposal(steps) ?? .grant
                change.outcome = outcome
                change.comment = outcome == .grant ? (comment.isEmpty ? "Phê duyệt kết quả" : comment) : "Phê duyệt từ chối giải quyết" + (comment.isEmpty ? "" : ": \(comment)")
            }
        case .sendBack:
            guard let step else { throw OneStopError.internalState("no step") }
            change.newSteps = try await Processing.sendBack(step, steps: steps, at: now, on: req)
            change.changedSteps = steps
        case .requestPayment:
            let items = (input.fees ?? []).filter { !$0.name.trimmingCharacters(in: .whitespaces).isEmpty }
            guard !items.isEmpty, items.allSatisfy({ $0.amount > 0 && $0.amount < 10_000_000_000 }) else {
                throw OneStopError.invalid(["Cần ít nhất một khoản phí, lệ phí với số tiền lớn hơn 0."])
            }
            change.newPayment = items
        case .recordPayment:
            guard let method = input.paymentMethod, method != .online else {
                throw OneStopError.invalid(["Chọn hình thức nộp: tiền mặt hoặc chuyển khoản (thanh toán trực tuyến được xác nhận tự động)."])
            }
            let receipt = (input.receiptNumber ?? "").trimmingCharacters(in: .whitespaces)
            guard !receipt.isEmpty, receipt.count <= 60 else { throw OneStopError.invalid(["Cần số biên lai (tối đa 60 ký tự)."]) }
            guard let payment = try await Payments.pending(dossierID: id, on: req.db) else {
                throw OneStopError.actionNotAllowed(action: action.label, status: "không có khoản phí chờ nộp")
            }
            payment.status = DossierPayment.Status.paid.rawValue
            payment.method = method.rawValue
            payment.receiptNumber = receipt
            payment.paidAt = now
            change.payment = payment
            change.comment = "\(method.label), biên lai \(receipt)" + (comment.isEmpty ? "" : " — \(comment)")
        case .returnResult:
            guard let method = input.returnMethod else { throw OneStopError.invalid(["Chọn hình thức trả kết quả."]) }
            change.comment = method.label + (comment.isEmpty ? "" : " — \(comment)")
        case .refuse, .stop:
            Processing.cancelOpen(steps, at: now)
            change.changedSteps = steps
        case .requestWithdrawal:
            break
        }
        guard let to = Lifecycle.next(from: from, action, resumeTo: resume, stepsRemain: change.stepsRemain) else {
            throw OneStopError.actionNotAllowed(action: action.label, status: from.label)
        }
        change.to = to
        try await commit(change, action: action, actorID: viewer.userID, actorName: viewer.displayName, now: now, on: req.application)
        return try await find(code, on: req.db)
    }

    /// What an action changes, gathered before the one transaction that writes it.
    struct Change {
        var dossier: Dossier
        var from: DossierStatus
        var to: DossierStatus = .submitted
        var comment: String
        var receivedAt: Date?
        var due: Date?
        var originalDue: Date?
        var rating: Int?
        var outcome: Proposal?
        var stepsRemain = false
        var newSteps: [DossierStep] = []
        var changedSteps: [DossierStep] = []
        var newPayment: [FeeItem]?
        var payment: DossierPayment?
        var paidOnline = false

        init(dossier: Dossier, from: DossierStatus, comment: String) {
            self.dossier = dossier; self.from = from; self.comment = comment
            receivedAt = dossier.receivedAt; due = dossier.dueAt
        }
    }

    /// Writes a change atomically. Also used for transitions no person takes (a payment platform's confirmation).
    static func commit(_ c: Change, action: DossierAction, actorID: UUID?, actorName: String, now: Date, on app: Application) async throws {
        let dossier = c.dossier
        let id = try dossier.requireID()
        let revision = dossier.revision
        let (receivedAt, due, change) = (c.receivedAt, c.due, c)
        try await app.groupCommit.transaction { db in
            guard let sql = db as? any SQLDatabase else { throw OneStopError.internalState("SQL database required") }
            let update = sql.update(Dossier.schema)
                .set("status", to: change.to.rawValue)
                .set("revision", to: revision + 1)
                .set("resume_status", to: action == .requestSupplement ? SQLBind(change.from.rawValue) : SQLBind(Int?.none))
                .set("received_at", to: receivedAt)
                .set("due_at", to: due)
            if action == .refuse { update.set("refused_at", to: now) }
            if change.to == .resolved { update.set("finished_at", to: now).set("outcome", to: change.outcome?.rawValue) }
            if action == .returnResult { update.set("returned_at", to: now) }
            if let rating = change.rating { update.set("rating", to: rating) }
            if let original = change.originalDue { update.set("original_due_at", to: original) }
            if change.paidOnline { update.set("paid_online", to: 2) }
            struct Row: Decodable { var revision: Int }
            guard try await update.where("id", .equal, id).where("revision", .equal, revision)
                .returning("revision").first(decoding: Row.self) != nil
            else { throw OneStopError.conflict }
            for s in change.changedSteps where s.hasChanges { try await s.save(on: db) }
            for s in change.newSteps { try await s.create(on: db) }
            if let items = change.newPayment {
                try await Payments.create(dossierID: id, items: items, at: now, on: db)
            }
            if let p = change.payment { try await p.save(on: db) }
            try await AuditChain.append(dossierID: id, action: action.rawValue, from: change.from, to: change.to, actorID: actorID,
                                        actorName: actorName, at: now, comment: change.comment, on: db)
            if change.to == .resolved, change.outcome == .grant {
                try await PersonalStore.deliverResults(of: dossier, at: now, on: db)
            }
            try await Notifier.enqueue(action, dossier: dossier, to: change.to, due: due, comment: change.comment, now: now, on: db)
            try await NationalSync.enqueue(dossierID: id, at: now, on: db)
            try await app.dossierObservers.notify([id], on: db)
        }
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

    /// The agencies a dossier involves, by code: receiving, deciding and every step's agency.
    struct AgencyIDs {
        var receiving: UUID?
        var deciding: UUID?
        var byCode: [String: UUID]
    }

    static func agencyIDs(_ d: Dossier, steps: [DossierStep], on db: any Database) async throws -> AgencyIDs {
        let codes = Set([d.receivingAgency, d.decidingAgency] + steps.map(\.agencyCode))
        var byCode: [String: UUID] = [:]
        for a in try await Agency.query(on: db).filter(\.$code ~~ Array(codes)).all() { byCode[a.code] = a.id }
        return AgencyIDs(receiving: byCode[d.receivingAgency], deciding: byCode[d.decidingAgency], byCode: byCode)
    }

    static func agencyIDs(_ d: Dossier, on db: any Database) async throws -> AgencyIDs {
        try await agencyIDs(d, steps: Processing.steps(of: d.requireID(), on: db), on: db)
    }

    /// Whether `viewer` may take `action` on the dossier now (the lifecycle decides whether it is legal in the status).
    static func may(_ action: DossierAction, _ viewer: Viewer, _ d: Dossier, _ ids: AgencyIDs, _ steps: [DossierStep]) -> Bool {
        switch action {
        case .requestSupplement:
            // The desk checks an online dossier at receipt; afterwards the specialist of an open step asks.
            if [.submitted, .received].contains(d.currentStatus) { return holds(viewer, .oneStopOfficer, in: ids.receiving) }
            return Processing.step(for: action, viewer, in: steps, agencyIDs: ids.byCode) != nil
        case _ where Processing.stepActions.contains(action):
            return Processing.step(for: action, viewer, in: steps, agencyIDs: ids.byCode) != nil
        default:
            // Every specialist and leader action is taken on an open step (above).
            switch action.actor {
            case .applicant: return d.applicantUserID != nil && d.applicantUserID == viewer.userID
            case .oneStopOfficer: return holds(viewer, .oneStopOfficer, in: ids.receiving)
            case .specialist, .leader: return false
            }
        }
    }

    /// Roles are checked per agency; the platform admin operates the system but does not process dossiers.
    static func holds(_ viewer: Viewer, _ role: DossierAction.Actor, in agencyID: UUID?) -> Bool {
        guard let agencyID else { return false }
        return viewer.grants.contains { $0.role == role.rawValue && $0.agencyID == agencyID }
    }

    /// The applicant, and officials holding any role in an agency the dossier involves.
    static func canView(_ d: Dossier, _ viewer: Viewer, agencyIDs ids: AgencyIDs) -> Bool {
        if d.applicantUserID != nil && d.applicantUserID == viewer.userID { return true }
        let involved = Set(ids.byCode.values)
        return viewer.grants.contains { g in g.agencyID.map(involved.contains) ?? false }
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
