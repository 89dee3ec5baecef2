import Fluent
import FluentSQL
import Foundation
import Kernel
import Vapor
import WebUI

/// A document in a citizen's or business's personal data store (Kho quản lý dữ liệu điện tử của
/// tổ chức, cá nhân, NĐ 107/2021): electronic results the state issued them and papers they
/// uploaded, reusable in later dossiers so nobody is asked twice for the same paper.
public final class PersonalDocument: Model, @unchecked Sendable {
    public static let schema = "personal_documents"

    @ID(key: .id) public var id: UUID?
    @Field(key: "owner_id") public var ownerID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "sha256") public var sha256: String
    @Field(key: "file_name") public var fileName: String
    @Field(key: "kind") public var kind: String
    @Field(key: "size") public var size: Int
    /// `result` (issued by an agency) or `upload` (put there by the owner).
    @Field(key: "source") public var source: String
    @OptionalField(key: "dossier_code") public var dossierCode: String?
    /// An electronic result with the legal value of the paper one (NĐ 45/2020 art. 14).
    @Field(key: "electronic_result") public var electronicResult: Bool
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

struct CreatePersonalStore: AsyncMigration {
    var name: String { "onestop.008.personal-store" }
    func prepare(on db: any Database) async throws {
        try await db.schema(PersonalDocument.schema)
            .id()
            .field("owner_id", .uuid, .required)
            .field("name", .string, .required)
            .field("sha256", .string, .required)
            .field("file_name", .string, .required)
            .field("kind", .string, .required)
            .field("size", .int, .required)
            .field("source", .string, .required)
            .field("dossier_code", .string)
            .field("electronic_result", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "owner_id", "sha256", "name")
            .create()
        // What the national sync reports per file (DuocSoHoa, DuocTaiSuDung) and per result.
        try await db.schema(DossierAttachment.schema).field("purpose", .string, .required, .sql(.default("submitted"))).update()
        for flag in ["digitised", "reused", "electronic_result"] {
            try await db.schema(DossierAttachment.schema).field(.string(flag), .bool, .required, .sql(.default(false))).update()
        }
        try await db.schema(Dossier.schema).field("paid_online", .int).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema(Dossier.schema).deleteField("paid_online").update()
        for field in ["electronic_result", "reused", "digitised", "purpose"] {
            try await db.schema(DossierAttachment.schema).deleteField(.string(field)).update()
        }
        try await db.schema(PersonalDocument.schema).delete()
    }
}

public enum PersonalStore {
    public static func documents(of ownerID: UUID, on db: any Database) async throws -> [PersonalDocument] {
        try await PersonalDocument.query(on: db).filter(\.$ownerID == ownerID).sort(\.$createdAt, .descending).all()
    }

    /// The owner's document, or nil when it is someone else's (never a hint that it exists).
    public static func document(_ id: UUID, of ownerID: UUID, on db: any Database) async throws -> PersonalDocument? {
        try await PersonalDocument.query(on: db).filter(\.$id == id).filter(\.$ownerID == ownerID).first()
    }

    /// Puts the dossier's electronic results into the applicant's store, inside the caller's transaction.
    static func deliverResults(of dossier: Dossier, at now: Date, on db: any Database) async throws {
        guard let owner = dossier.applicantUserID else { return }
        let results = try await DossierAttachment.query(on: db).filter(\.$dossierID == dossier.requireID())
            .filter(\.$purpose == AttachmentPurpose.result.rawValue).filter(\.$electronicResult == true).all()
        for r in results {
            let exists = try await PersonalDocument.query(on: db).filter(\.$ownerID == owner).filter(\.$sha256 == r.sha256)
                .filter(\.$name == r.document).count() > 0
            guard !exists else { continue }
            try await store(owner: owner, name: r.document, sha256: r.sha256, fileName: r.fileName, kind: r.kind, size: r.size,
                            source: "result", dossierCode: dossier.code, electronic: true, at: now, on: db)
        }
    }

    /// The owner uploads a paper of their own.
    public static func upload(owner: UUID, name: String, data: Data, fileName: String, on req: Request) async throws -> PersonalDocument {
        let title = name.trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty, title.count <= 300 else { throw OneStopError.fileRejected("Cần tên giấy tờ (tối đa 300 ký tự).") }
        let kind = try AttachmentKind.check(data)
        let sha = try await req.application.attachmentStore.put(data)
        if let existing = try await PersonalDocument.query(on: req.db).filter(\.$ownerID == owner).filter(\.$sha256 == sha)
            .filter(\.$name == title).first() { return existing }
        return try await store(owner: owner, name: title, sha256: sha, fileName: FileName.sanitised(fileName, kind: kind), kind: kind.rawValue,
                               size: data.count, source: "upload", dossierCode: nil, electronic: false, at: req.now, on: req.db)
    }

    @discardableResult
    static func store(owner: UUID, name: String, sha256: String, fileName: String, kind: String, size: Int, source: String,
                      dossierCode: String?, electronic: Bool, at now: Date, on db: any Database) async throws -> PersonalDocument {
        let d = PersonalDocument()
        d.ownerID = owner
        d.name = name
        d.sha256 = sha256
        d.fileName = fileName
        d.kind = kind
        d.size = size
        d.source = source
        d.dossierCode = dossierCode
        d.electronicResult = electronic
        d.createdAt = now
        try await d.create(on: db)
        return d
    }
}
