import Fluent
import Foundation
import Vapor
import WebUI

/// Adding and reading a dossier's files, for the people allowed to see the dossier.
public enum Attachments {
    public static func add(code: String, data: Data, fileName: String, document: String, by viewer: Viewer, on req: Request) async throws -> DossierAttachment {
        let dossier = try await DossierService.view(code, by: viewer, on: req.db)
        guard ![.notReceived, .stopped].contains(dossier.currentStatus) else {
            throw OneStopError.actionNotAllowed(action: "Đính kèm tệp", status: dossier.currentStatus.label)
        }
        guard !data.isEmpty else { throw OneStopError.fileRejected("Tệp rỗng.") }
        guard data.count <= AttachmentLimits.perFile else {
            throw OneStopError.fileRejected("Tệp vượt quá \(AttachmentLimits.perFile / 1_048_576) MB.")
        }
        guard let kind = AttachmentKind.detect(data) else {
            throw OneStopError.fileRejected("Chỉ nhận tệp PDF, JPEG, PNG, DOCX hoặc XLSX (kiểm tra theo nội dung tệp).")
        }
        let documentName = document.trimmingCharacters(in: .whitespaces)
        guard !documentName.isEmpty, documentName.count <= 300 else { throw OneStopError.fileRejected("Cần ghi tệp thuộc giấy tờ nào.") }
        let dossierID = try dossier.requireID()
        // Summed here: SQL SUM of a BIGINT is NUMERIC on PostgreSQL, and a dossier has few files.
        let used = try await DossierAttachment.query(on: req.db).filter(\.$dossierID == dossierID).all(\.$size).reduce(0, +)
        guard used + data.count <= AttachmentLimits.perDossier else {
            throw OneStopError.fileRejected("Tổng dung lượng tệp của hồ sơ vượt quá \(AttachmentLimits.perDossier / 1_048_576) MB.")
        }
        // Bytes first: the row is written only when the file it points at is on disk.
        let sha = try req.application.attachmentStore.put(data)
        let attachment = DossierAttachment()
        attachment.dossierID = dossierID
        attachment.sha256 = sha
        attachment.fileName = FileName.sanitised(fileName, kind: kind)
        attachment.kind = kind.rawValue
        attachment.size = data.count
        attachment.document = documentName
        attachment.uploadedAt = req.now
        attachment.uploadedBy = viewer.userID
        let now = req.now
        try await req.db.transaction { db in
            try await attachment.create(on: db)
            try await AuditChain.append(dossierID: dossierID, action: "attach", from: dossier.currentStatus, to: dossier.currentStatus,
                                        actorID: viewer.userID, actorName: viewer.displayName, at: now,
                                        comment: "\(attachment.document): \(attachment.fileName) (sha256 \(sha))", on: db)
        }
        return attachment
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
        let data = try req.application.attachmentStore.get(a.sha256)
        var headers = HTTPHeaders()
        headers.contentType = kind.mediaType
        let ascii = a.fileName.applyingTransform(.stripDiacritics, reverse: false)?.replacingOccurrences(of: "đ", with: "d")
            .replacingOccurrences(of: "Đ", with: "D").filter { $0.isASCII } ?? "tep"
        let encoded = a.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
