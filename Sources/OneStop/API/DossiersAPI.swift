import Fluent
import Foundation
import Identity
import Kernel
import Vapor
import WebUI

/// A dossier as its applicant and the officials handling it see it.
public struct DossierDTO: Content {
    public struct Event: Content {
        var seq: Int
        var action: String
        var fromStatus: Int?
        var toStatus: Int
        var actor: String
        var at: Date
        var comment: String
    }
    public var code: String
    public var procedure: String
    public var procedureName: String
    public var procedureVersion: Int
    public var channel: Int
    public var status: Int
    public var statusLabel: String
    public var applicant: Submission.Applicant
    public var summary: String
    public var form: [String: String]
    public var receivingAgency: String
    public var decidingAgency: String
    public var submittedAt: Date
    public var receivedAt: Date?
    public var dueAt: Date?
    public var finishedAt: Date?
    public var returnedAt: Date?
    /// What may be done next in this status (whoever may do it).
    public var rating: Int?
    public var nextActions: [String]
    public var history: [Event]
    public var auditIntact: Bool

    static func make(_ d: Dossier, on db: any Database) async throws -> DossierDTO {
        let events = try await DossierEvent.query(on: db).filter(\.$dossierID == d.requireID()).sort(\.$seq).all()
        let form = (try? JSONDecoder().decode([String: String].self, from: Data(d.formData.utf8))) ?? [:]
        return DossierDTO(
            code: d.code, procedure: d.procedureCode, procedureName: d.procedureName, procedureVersion: d.procedureVersion,
            channel: d.channel, status: d.status, statusLabel: d.currentStatus.label,
            applicant: .init(name: d.applicantName, identity: d.applicantIdentity, phone: d.applicantPhone, email: d.applicantEmail),
            summary: d.summary, form: form, receivingAgency: d.receivingAgency, decidingAgency: d.decidingAgency,
            submittedAt: d.submittedAt, receivedAt: d.receivedAt, dueAt: d.dueAt, finishedAt: d.finishedAt, returnedAt: d.returnedAt,
            rating: d.rating,
            nextActions: Lifecycle.actions(in: d.currentStatus).filter { $0 != .rate || d.rating == nil }.map(\.rawValue),
            history: events.map { Event(seq: $0.seq, action: $0.action, fromStatus: $0.fromStatus, toStatus: $0.toStatus, actor: $0.actorName, at: $0.at, comment: $0.comment) },
            auditIntact: AuditChain.firstBroken(events) == nil)
    }
}

/// The public lookup: no personal data.
public struct LookupDTO: Content {
    public var code: String
    public var procedureName: String
    public var status: Int
    public var statusLabel: String
    public var dueAt: Date?
}

struct DossiersAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("lookup", ":code", use: lookup)
        let read = routes.grouped(RequireScope(.dossiersRead))
        read.get("dossiers", ":code", use: show)
        let write = routes.grouped(RequireScope(.dossiersWrite))
        write.post("dossiers", use: create)
        write.post("dossiers", ":code", "actions", ":action", use: act)
        write.on(.POST, "dossiers", ":code", "attachments", body: .collect(maxSize: "11mb"), use: attach)
        read.get("dossiers", ":code", "attachments", ":id", use: download)
    }

    static func viewer(_ req: Request) async throws -> Viewer {
        guard let p = req.apiPrincipal, let viewer = try await Identity.viewer(userID: p.userID, on: req.db) else {
            throw IdentityError.invalidToken
        }
        return viewer
    }

    struct CreateBody: Content {
        var submission: Submission
        /// 1 direct, 2 online, 3 postal.
        var channel: Int
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let body = try req.content.decode(CreateBody.self)
        guard let channel = Channel(rawValue: body.channel) else {
            throw RequestError.badParameter(name: "channel", reason: "phải là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)")
        }
        let key = req.headers.first(name: "Idempotency-Key")
        if let key, key.isEmpty || key.count > 200 { throw RequestError.badParameter(name: "Idempotency-Key", reason: "từ 1 đến 200 ký tự") }
        let dossier = try await DossierService.submit(body.submission, channel: channel, by: Self.viewer(req), idempotencyKey: key, on: req)
        return try await DossierDTO.make(dossier, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(_ req: Request) async throws -> DossierDTO {
        let d = try await DossierService.view(req.pathParameter("code"), by: Self.viewer(req), on: req.db)
        return try await DossierDTO.make(d, on: req.db)
    }

    @Sendable func act(_ req: Request) async throws -> DossierDTO {
        let name = try req.pathParameter("action")
        guard let action = DossierAction(rawValue: name) else { throw OneStopError.unknownAction(name) }
        let input = req.body.data == nil ? ActionInput() : try req.content.decode(ActionInput.self)
        let d = try await DossierService.perform(action, code: req.pathParameter("code"), input, by: Self.viewer(req), on: req)
        return try await DossierDTO.make(d, on: req.db)
    }

    struct AttachmentDTO: Content {
        var id: UUID; var fileName: String; var kind: String; var size: Int; var document: String; var sha256: String
        var purpose: String; var electronicResult: Bool
    }

    /// The body is the file itself; `document` and `name` come in the query string.
    @Sendable func attach(_ req: Request) async throws -> Response {
        guard let document = try req.queryString("document", maxLength: 300) else {
            throw RequestError.badParameter(name: "document", reason: "cần tên giấy tờ")
        }
        let data = req.body.data.map { Data(buffer: $0) } ?? Data()
        let purpose = try req.queryEnum(AttachmentPurpose.self, "purpose")
        let a = try await Attachments.add(code: req.pathParameter("code"), data: data, fileName: try req.queryString("name", maxLength: 200) ?? "tep",
                                          document: document, purpose: purpose, electronicResult: try req.queryString("electronic", maxLength: 5) == "true",
                                          by: Self.viewer(req), on: req)
        return try await AttachmentDTO(id: a.requireID(), fileName: a.fileName, kind: a.kind, size: a.size, document: a.document, sha256: a.sha256,
                                 purpose: a.purpose, electronicResult: a.electronicResult)
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func download(_ req: Request) async throws -> Response {
        guard let id = UUID(uuidString: try req.pathParameter("id")) else { throw OneStopError.attachmentNotFound }
        return try await Attachments.download(code: req.pathParameter("code"), id: id, by: Self.viewer(req), on: req)
    }

    @Sendable func lookup(_ req: Request) async throws -> LookupDTO {
        let d = try await DossierService.find(req.pathParameter("code"), on: req.db)
        return LookupDTO(code: d.code, procedureName: d.procedureName, status: d.status, statusLabel: d.currentStatus.label, dueAt: d.dueAt)
    }
}
