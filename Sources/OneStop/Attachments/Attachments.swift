import Fluent
import Foundation
import Vapor
import WebUI

/// Adding and reading a dossier's files, for the people allowed to see the dossier.
public enum Attachments {
    /// Adds a file to an existing dossier. Officials attach scans (flagged digitised) and results
    /// (`purpose: .result`, optionally flagged electronic); the applicant attaches supplements.
    public static func add(code: String, data: Data, fileName: String, document: String, purpose requested: AttachmentPurpose? = nil,
                           electronicResult: Bool = false, by viewer: Viewer, on req: Request) async throws -> DossierAttachment {
        let dossier = try await DossierService.view(code, by: viewer, on: req.db)
        guard ![.notReceived, .stopped, .returned].contains(dossier.currentStatus) else {
            throw OneStopError.actionNotAllowed(action: "Đính kèm tệp", status: dossier.currentStatus.label)
        }
        let isApplicant = dossier.applicantUserID == viewer.userID
        let purpose = requested ?? (dossier.currentStatus == .supplementRequested ? .supplement : .submitted)
        if purpose == .result {
            // Results come from the agencies processing the dossier, while it is being processed.
            guard !isApplicant, [.processing, .resolved].contains(dossier.currentStatus) else {
                throw OneStopError.actionNotAllowed(action: "Đính kèm kết quả", status: dossier.currentStatus.label)
            }
        }
        let kind = try AttachmentKind.check(data)
        let documentName = document.trimmingCharacters(in: .whitespaces)
        guard !documentName.isEmpty, documentName.count <= 300 else { throw OneStopError.fileRejected("Cần ghi tệp thuộc giấy tờ nào.") }
        let dossierID = try dossier.requireID()
        let used = try await usedBytes(dossierID, on: req.db)
        guard used + data.count <= AttachmentLimits.perDossier else {
            throw OneStopError.fileRejected("Tổng dung lượng tệp của hồ sơ vượt quá \(AttachmentLimits.perDossier / 1_048_576) MB.")
        }
        // Bytes first: the row is written only when the file it points at is on disk.
        let sha = try await req.application.attachmentStore.put(data)
        let attachment = DossierAttachment()
        attachment.dossierID = dossierID
        attachment.sha256 = sha
        attachment.fileName = FileName.sanitised(fileName, kind: kind)
        attachment.kind = kind.rawValue
        attachment.size = data.count
        attachment.document = documentName
        attachment.uploadedAt = req.now
        attachment.uploadedBy = viewer.userID
        attachment.purpose = purpose.rawValue
        attachment.digitised = !isApplicant && purpose != .result
        attachment.reused = false
        attachment.electronicResult = purpose == .result && electronicResult
        let now = req.now
        try await req.application.groupCommit.transaction { db in
            try await attachment.create(on: db)
            try await AuditChain.append(dossierID: dossierID, action: "attach", from: dossier.currentStatus, to: dossier.currentStatus,
                                        actorID: viewer.userID, actorName: viewer.displayName, at: now,
                                        comment: "\(purpose.label) — \(attachment.document): \(attachment.fileName) (sha256 \(sha))"
                                            + (attachment.electronicResult ? ", kết quả điện tử" : ""), on: db)
            try await req.application.dossierObservers.notify([dossierID], on: db)
        }
        return attachment
    }

    /// Summed here: SQL SUM of a BIGINT is NUMERIC on PostgreSQL, and a dossier has few files.
    static func usedBytes(_ dossierID: UUID, on db: any Database) async throws -> Int {
        try await DossierAttachment.query(on: db).filter(\.$dossierID == dossierID).all(\.$size).reduce(0, +)
    }

    public static func list(_ dossier: Dossier, on db: any Database) async throws -> [DossierAttachment] {
        try await DossierAttachment.query(on: db).filter(\.$dossierID == dossier.requireID()).sort(\.$uploadedAt).all()
    }

    /// The file, as a download, if the viewer may see the dossier.
    public static func download(code: String, id: UUID, by viewer: Viewer, on req: Request) async throws -> Response {
        let dossier = try await DossierService.view(code, by: viewer, on: req.db)
        guard let a = try await DossierAttachment.query(on: req.db).filter(\.$id == id).filter(\.$dossierID == dossier.requireID()).first(),
              let kind = AttachmentKind(rawValue: a.kind)
        else { throw OneStopError.attachmentNotFound }
        return try await fileResponse(req.application.attachmentStore.get(a.sha256), name: a.fileName, kind: kind)
    }

    /// A download that names the file (ASCII fallback plus the UTF-8 name) and is never sniffed as another type.
    static func fileResponse(_ data: Data, name: String, kind: AttachmentKind) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = kind.mediaType
        let ascii = name.applyingTransform(.stripDiacritics, reverse: false)?.replacingOccurrences(of: "đ", with: "d")
            .replacingOccurrences(of: "Đ", with: "D").filter { $0.isASCII } ?? "tep"
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
