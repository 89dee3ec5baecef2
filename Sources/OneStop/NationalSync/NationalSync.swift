import Fluent
import FluentSQL
import Foundation
import Kernel
import Vapor

/// The outbound sync to the national public service portal (Cổng DVCQG): every status change
/// leaves a row in an outbox in the same transaction; a background pass sends the dossier's §9
/// payload (as it stands when sent) and keeps what it sent as evidence.
public final class NationalSyncMessage: Model, @unchecked Sendable {
    public static let schema = "national_sync_outbox"

    @ID(key: .id) public var id: UUID?
    @Field(key: "dossier_id") public var dossierID: UUID
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "next_attempt_at") public var nextAttemptAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?
    @OptionalField(key: "failed_at") public var failedAt: Date?
    @OptionalField(key: "last_error") public var lastError: String?
    /// The payload that was sent.
    @OptionalField(key: "payload") public var payload: String?

    public init() {}
}

/// Where the payload goes: the national portal's API, or the log when none is configured.
/// `messageID` names the dossier's state (`code@revision`): a push repeated after a lost answer
/// carries the same id, so the portal can take each state once.
public protocol NationalPortalClient: Sendable {
    func push(_ payload: NationalDossierPayload, messageID: String) async throws
}

public struct LogNationalPortal: NationalPortalClient {
    let logger: Logger
    public init(logger: Logger) { self.logger = logger }
    public func push(_ payload: NationalDossierPayload, messageID: String) async throws {
        logger.info("national sync \(messageID) status \(payload.TrangThaiHoSo)")
    }
}

extension Application {
    private struct PortalKey: StorageKey { typealias Value = any NationalPortalClient }
    public var nationalPortal: any NationalPortalClient {
        get { storage[PortalKey.self] ?? LogNationalPortal(logger: logger) }
        set { storage[PortalKey.self] = newValue }
    }
}

struct CreateNationalSync: AsyncMigration {
    var name: String { "onestop.009.national-sync" }
    func prepare(on db: any Database) async throws {
        try await db.schema(NationalSyncMessage.schema)
            .id()
            .field("dossier_id", .uuid, .required, .references(Dossier.schema, .id))
            .field("created_at", .datetime, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("failed_at", .datetime)
            .field("last_error", .string)
            .field("payload", .string)
            .create()
        // Where the dossier came from (`portal`, `counter`, `dvcqg`) and the national portal's own code.
        try await db.schema(Dossier.schema).field("source", .string, .required, .sql(.default("portal"))).update()
        try await db.schema(Dossier.schema).field("national_code", .string).update()
        try await db.schema(Dossier.schema).field("vneid_verified", .bool, .required, .sql(.default(false))).update()
    }
    func revert(on db: any Database) async throws {
        for f in ["vneid_verified", "national_code", "source"] { try await db.schema(Dossier.schema).deleteField(.string(f)).update() }
        try await db.schema(NationalSyncMessage.schema).delete()
    }
}

public enum NationalSync {
    static func enqueue(dossierID: UUID, at now: Date, on db: any Database) async throws {
        try await message(dossierID: dossierID, at: now).create(on: db)
    }

    /// The outbox row for a change at `now`, not yet written.
    static func message(dossierID: UUID, at now: Date) -> NationalSyncMessage {
        let m = NationalSyncMessage()
        m.id = UUID.timeOrdered()
        m.dossierID = dossierID
        m.createdAt = now
        m.attempts = 0
        m.nextAttemptAt = now
        return m
    }

    /// One pass over the outbox, oldest first; returns how many messages were sent.
    ///
    /// The payload is the dossier as it stands, with every step in `QuaTrinhXuLy`: one push covers
    /// all the changes waiting for its dossier, so they are all marked sent with it, and a later
    /// state can never be followed by an earlier one. A dossier whose oldest waiting change is
    /// backing off after a failure is not pushed until that change is due again.
    @discardableResult
    public static func runOnce(app: Application, now: Date, limit: Int = 50) async throws -> Int {
        let due = try await NationalSyncMessage.query(on: app.db).filter(\.$sentAt == nil).filter(\.$failedAt == nil)
            .filter(\.$nextAttemptAt <= now).sort(\.$createdAt).limit(limit).all()
        // Every waiting change of the due dossiers, and the dossiers, in one query each.
        let ids = Array(Set(due.map(\.dossierID)))
        guard !ids.isEmpty else { return 0 }
        let waitingByDossier = Dictionary(grouping: try await NationalSyncMessage.query(on: app.db).filter(\.$dossierID ~~ ids)
            .filter(\.$sentAt == nil).filter(\.$failedAt == nil).sort(\.$createdAt).all(), by: \.dossierID)
        let dossiers = Dictionary(uniqueKeysWithValues: try await Dossier.query(on: app.db).filter(\.$id ~~ ids).all().compactMap { d in d.id.map { ($0, d) } })
        var sent = 0
        var done = Set<UUID>()
        for m in due where done.insert(m.dossierID).inserted {
            guard let waiting = waitingByDossier[m.dossierID], let oldest = waiting.first, oldest.nextAttemptAt <= now,
                  let d = dossiers[m.dossierID] else { continue }
            do {
                let payload = try await NationalDossierPayload.make(d, on: app.db)
                try await app.nationalPortal.push(payload, messageID: "\(d.code)@\(d.revision)")
                let text = String(decoding: try JSONEncoder.national.encode(payload), as: UTF8.self)
                try await NationalSyncMessage.query(on: app.db).filter(\.$id ~~ waiting.compactMap(\.id))
                    .set(\.$payload, to: text).set(\.$sentAt, to: now).update()
                sent += waiting.count
            } catch {
                oldest.attempts += 1
                oldest.lastError = String(String(describing: error).prefix(500))
                if oldest.attempts >= OutboxDispatcher.maxAttempts { oldest.failedAt = now } else {
                    oldest.nextAttemptAt = OutboxDispatcher.retryAt(after: oldest.attempts, now: now)
                }
                try await oldest.save(on: app.db)
            }
        }
        return sent
    }
}

extension JSONEncoder {
    /// Dates as the national portal writes them: `yyyyMMddHHmmss` in Vietnam time.
    public static var national: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(VietnamTime.compact(date))
        }
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

/// The dossier as the national portal receives it (research §9; field names as in the national sync).
public struct NationalDossierPayload: Content, Sendable {
    public struct File: Content, Sendable {
        public var TenTepDinhKem: String
        public var MaThanhPhanHoSo: String
        public var DuongDanTaiTepTin: String
        public var DuocSoHoa: Int
        public var DuocTaiSuDung: Int
        public var DuocLayTuKhoDMQG: Int
    }
    public struct Fee: Content, Sendable {
        public var TenPhiLePhi: String
        public var Gia: Int
        public var HinhThucThu: String
    }
    public struct Supplement: Content, Sendable {
        public var NguoiYeuCauBoSung: String
        public var NoiDungBoSung: String
        public var NgayBoSung: Date
        public var NgayTiepNhanBoSung: Date?
    }
    public struct Result: Content, Sendable {
        public var TenGiayTo: String
        public var DuongDanTepTinKetQua: String
        public var LaKetQuaDienTu: Int
    }
    public struct Step: Content, Sendable {
        public var NguoiXuLy: String
        public var ThoiDiemXuLy: Date
        public var NoiDungXuLy: String
        public var TrangThai: Int
    }
    public var MaHoSo: String
    public var MaHoSoQuocGia: String?
    public var MaTTHC: String
    public var TenTTHC: String
    public var MaLinhVuc: String
    public var KenhThucHien: Int
    public var ChuHoSo: String
    public var SoGiayToChuHoSo: String
    public var Email: String
    public var SoDienThoai: String
    public var TrichYeuHoSo: String
    public var NgayNopHoSo: Date
    public var NgayTiepNhan: Date?
    public var NgayHenTra: Date?
    public var NgayKetThucXuLy: Date?
    public var NgayTra: Date?
    public var NgayTuChoi: Date?
    public var TrangThaiHoSo: Int
    public var NoiNopHoSo: String
    public var DonViXuLy: String
    public var HoSoCoThanhPhanSoHoa: Int
    public var TaiKhoanDuocXacThucVoiVNeID: Int
    /// 0 not paid online; 2 paid on the provincial platform.
    public var DuocThanhToanTrucTuyen: Int
    public var TaiLieuNop: [File]
    public var DanhSachLePhi: [Fee]
    public var DanhSachHoSoBoSung: [Supplement]
    public var DanhSachGiayToKetQua: [Result]
    public var QuaTrinhXuLy: [Step]
    /// tinhso's additions for imports from older systems: the commune (old or 2025 code) whose
    /// People's Committee handled the dossier when `DonViXuLy` is an agency code no longer in
    /// use, and the applicant's rating (3 rất hài lòng, 2 hài lòng, 1 không hài lòng).
    public var MaXa: String?
    public var MucDoHaiLong: Int?

    static func make(_ d: Dossier, on db: any Database) async throws -> NationalDossierPayload {
        let id = try d.requireID()
        let files = try await DossierAttachment.query(on: db).filter(\.$dossierID == id).sort(\.$uploadedAt).all()
        let events = try await DossierEvent.query(on: db).filter(\.$dossierID == id).sort(\.$seq).all()
        let payments = try await Payments.all(dossierID: id, on: db)
        let link = { (a: DossierAttachment) in "/api/v1/dossiers/\(d.code)/attachments/\(a.id?.uuidString ?? "")" }
        var supplements: [Supplement] = []
        for e in events where e.action == DossierAction.requestSupplement.rawValue {
            let answer = events.first { $0.seq > e.seq && $0.action == DossierAction.supplement.rawValue }
            supplements.append(Supplement(NguoiYeuCauBoSung: e.actorName, NoiDungBoSung: e.comment, NgayBoSung: e.at, NgayTiepNhanBoSung: answer?.at))
        }
        let submitted = files.filter { $0.purpose != AttachmentPurpose.result.rawValue }
        return NationalDossierPayload(
            MaHoSo: d.code, MaHoSoQuocGia: d.nationalCode, MaTTHC: d.procedureCode, TenTTHC: d.procedureName, MaLinhVuc: d.fieldCode,
            KenhThucHien: d.channel, ChuHoSo: d.applicantName, SoGiayToChuHoSo: d.applicantIdentity, Email: d.applicantEmail,
            SoDienThoai: d.applicantPhone, TrichYeuHoSo: d.summary, NgayNopHoSo: d.submittedAt, NgayTiepNhan: d.receivedAt,
            NgayHenTra: d.dueAt, NgayKetThucXuLy: d.finishedAt, NgayTra: d.returnedAt, NgayTuChoi: d.refusedAt ?? (d.outcome == Proposal.refuse.rawValue ? d.finishedAt : nil), TrangThaiHoSo: d.status,
            NoiNopHoSo: d.receivingAgency, DonViXuLy: d.decidingAgency,
            HoSoCoThanhPhanSoHoa: submitted.contains(where: \.digitised) ? 1 : 0,
            TaiKhoanDuocXacThucVoiVNeID: d.vneidVerified ? 1 : 0, DuocThanhToanTrucTuyen: d.paidOnline ?? 0,
            TaiLieuNop: submitted.map { File(TenTepDinhKem: $0.fileName, MaThanhPhanHoSo: $0.document, DuongDanTaiTepTin: link($0),
                                             DuocSoHoa: $0.digitised ? 1 : 0, DuocTaiSuDung: $0.reused ? 1 : 0, DuocLayTuKhoDMQG: 0) },
            DanhSachLePhi: payments.flatMap { p in p.feeItems.map { Fee(TenPhiLePhi: $0.name, Gia: $0.amount, HinhThucThu: p.method ?? "") } },
            DanhSachHoSoBoSung: supplements,
            DanhSachGiayToKetQua: files.filter { $0.purpose == AttachmentPurpose.result.rawValue }
                .map { Result(TenGiayTo: $0.document, DuongDanTepTinKetQua: link($0), LaKetQuaDienTu: $0.electronicResult ? 1 : 0) },
            QuaTrinhXuLy: events.map { Step(NguoiXuLy: $0.actorName, ThoiDiemXuLy: $0.at, NoiDungXuLy: $0.comment, TrangThai: $0.toStatus) },
            MaXa: nil, MucDoHaiLong: d.rating)
    }
}
