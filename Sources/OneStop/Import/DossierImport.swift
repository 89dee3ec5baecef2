import Directory
import Fluent
import Foundation
import Kernel
import NIOConcurrencyHelpers
import Procedures
import SQLKit
import Vapor

/// A line of an import that was not taken, and why (in Vietnamese, for the operator).
public struct ImportProblem: Error, Sendable, Equatable {
    public var line: Int
    public var code: String?
    public var reason: String
}

public struct ImportReport: Sendable {
    public var lines = 0
    public var imported = 0
    /// Already in the database from an earlier run: skipped, so a re-run is harmless.
    public var alreadyThere = 0
    public var problems: [ImportProblem] = []
    public var bytesRead: Int64 = 0
    public var bytesTotal: Int64 = 0
    /// Every line is written; the statistics are adding what the run held back (seconds).
    public var catchingUp = false
    /// Where the time went (the benchmark prints it): writing batches, the write queue waiting
    /// for the next batch's checks, and the statistics catching up.
    public var writing: TimeInterval = 0
    public var waitingForChecks: TimeInterval = 0
    public var catchingUpTime: TimeInterval = 0
    public init() {}
}

/// Nhập hồ sơ lịch sử: dossiers of a province's old system (or of the provinces merged into it)
/// read from JSON Lines in the national sync shape (research §9, `NationalDossierPayload`). Each
/// line is checked on its own: a procedure of the catalog, a legal sequence of statuses
/// (`Lifecycle`), dates in order, agencies of today (old codes mapped through `agencyMap`, old
/// communes through the Directory's 2025 conversion). A line that fails is reported with its
/// number and reason and the rest go on; a dossier is written whole or not at all, and one
/// already imported is skipped, so running the same file again changes nothing.
public struct DossierImporter: Sendable {
    struct ProcedureInfo: Sendable {
        var version: Int
        var name: String
        var field: String
        var hours: Int
    }

    let agencies: Set<String>
    /// 2025 commune code → its People's Committee's agency code.
    let communeAgency: [String: String]
    /// Pre-2025 commune code → 2025 commune code.
    let communeConversion: [String: String]
    let agencyMap: [String: String]
    let procedures: [String: ProcedureInfo]
    let now: Date
    static let reform = VietnamTime.startOfDay("2025-07-01")!

    public static func make(app: Application, agencyMap: [String: String]) async throws -> DossierImporter {
        let agencies = try await Agency.query(on: app.db).all()
        // A map to an agency this province does not have would reject every line it maps, blaming the old code.
        let known = Set(agencies.map(\.code))
        let unknown = Set(agencyMap.values).subtracting(known).sorted()
        guard unknown.isEmpty else {
            throw OneStopError.invalid(["Bảng đổi mã cơ quan trỏ tới mã không có trong danh mục cơ quan: \(unknown.prefix(10).joined(separator: ", "))"])
        }
        var communeAgency: [String: String] = [:]
        for a in agencies where a.level == .commune { if let unit = a.adminUnitCode { communeAgency[unit] = a.code } }
        guard let sql = app.db as? any SQLDatabase else { throw OneStopError.internalState("SQL database required") }
        struct Row: Decodable { var code: String; var current_version: Int }
        var procedures: [String: ProcedureInfo] = [:]
        for row in try await sql.select().columns("code", "current_version").from(Procedure.schema).all(decoding: Row.self) {
            let d = try await app.procedureDefinitions.definition(code: row.code, version: row.current_version, on: app.db)
            procedures[row.code] = ProcedureInfo(version: row.current_version, name: d.name, field: d.field, hours: d.processingTime.hours ?? 0)
        }
        return DossierImporter(agencies: Set(agencies.map(\.code)), communeAgency: communeAgency,
                               communeConversion: try await CommuneCodes.conversion(on: app.db), agencyMap: agencyMap,
                               procedures: procedures, now: app.clock.now())
    }

    struct Rejection: Error { var reason: String }

    /// Today's agency for a code of the record, or the People's Committee of its commune.
    func agency(_ code: String, commune: String?, at date: Date) -> String? {
        if agencies.contains(code) { return code }
        if let mapped = agencyMap[code], agencies.contains(mapped) { return mapped }
        guard let commune else { return nil }
        // A pre-reform record names a pre-reform commune; a code may exist in both structures.
        let current = date < Self.reform ? (communeConversion[commune] ?? commune) : commune
        return communeAgency[current] ?? communeConversion[commune].flatMap { communeAgency[$0] }
    }

    /// The rows of one record, or why it cannot be imported.
    func prepare(_ p: NationalDossierPayload, line: Int) throws(Rejection) -> NewDossier {
        let code = p.MaHoSo.trimmingCharacters(in: .whitespaces)
        guard !code.isEmpty, code.count <= 60 else { throw Rejection(reason: "mã hồ sơ trống hoặc dài quá 60 ký tự") }
        guard let procedure = procedures[p.MaTTHC] else { throw Rejection(reason: "thủ tục “\(p.MaTTHC.prefix(30))” không có trong danh mục") }
        guard let channel = Channel(rawValue: p.KenhThucHien) else { throw Rejection(reason: "KenhThucHien phải là 1, 2 hoặc 3") }
        guard let status = DossierStatus(rawValue: p.TrangThaiHoSo) else { throw Rejection(reason: "TrangThaiHoSo phải từ 1 đến 10") }
        guard let deciding = agency(p.DonViXuLy, commune: p.MaXa, at: p.NgayNopHoSo) else {
            throw Rejection(reason: "đơn vị xử lý “\(p.DonViXuLy.prefix(40))” không có trong danh mục cơ quan (và không có mã xã để chuyển đổi)")
        }
        let receiving = p.NoiNopHoSo.isEmpty ? deciding : (agency(p.NoiNopHoSo, commune: p.MaXa, at: p.NgayNopHoSo) ?? deciding)
        if let r = p.MucDoHaiLong, !(1...3).contains(r) { throw Rejection(reason: "MucDoHaiLong phải là 1, 2 hoặc 3") }
        try checkDates(p)

        let id = UUID.timeOrdered()
        let events = try trail(p, channel: channel, status: status, dossierID: id)
        let d = Dossier()
        d.id = id
        d.code = code
        d.procedureCode = p.MaTTHC
        d.procedureVersion = procedure.version
        d.procedureName = p.TenTTHC.isEmpty ? procedure.name : p.TenTTHC
        d.fieldCode = p.MaLinhVuc.isEmpty ? procedure.field : p.MaLinhVuc
        d.channel = channel.rawValue
        d.status = status.rawValue
        d.resumeStatus = status == .supplementRequested ? events.last?.fromStatus : nil
        d.applicantName = p.ChuHoSo.isEmpty ? "—" : String(p.ChuHoSo.prefix(200))
        d.applicantIdentity = String(p.SoGiayToChuHoSo.prefix(20))
        d.applicantPhone = String(p.SoDienThoai.prefix(20))
        d.applicantEmail = String(p.Email.prefix(200))
        d.summary = p.TrichYeuHoSo.isEmpty ? d.procedureName : String(p.TrichYeuHoSo.prefix(2000))
        d.formData = "{}"
        d.receivingAgency = receiving
        d.decidingAgency = deciding
        d.processingHours = procedure.hours
        d.submittedAt = p.NgayNopHoSo
        d.receivedAt = p.NgayTiepNhan
        d.dueAt = status == .supplementRequested ? nil : p.NgayHenTra
        d.finishedAt = [.resolved, .returned].contains(status) ? p.NgayKetThucXuLy : nil
        d.returnedAt = status == .returned ? p.NgayTra : nil
        d.refusedAt = status == .notReceived ? p.NgayTuChoi : nil
        d.rating = status == .returned ? p.MucDoHaiLong : nil
        // A decided dossier with a refusal date was refused after appraisal (Phiếu từ chối giải quyết), as the sync sends it.
        d.outcome = [.resolved, .returned].contains(status) ? (p.NgayTuChoi != nil ? Proposal.refuse : Proposal.grant).rawValue : nil
        d.paidOnline = p.DuocThanhToanTrucTuyen > 0 ? p.DuocThanhToanTrucTuyen : nil
        d.source = "import"
        d.nationalCode = p.MaHoSoQuocGia
        d.vneidVerified = p.TaiKhoanDuocXacThucVoiVNeID == 1
        d.revision = 1

        func file(_ name: String, document: String, purpose: AttachmentPurpose, at: Date) -> DossierAttachment {
            let a = DossierAttachment()
            a.id = UUID.timeOrdered()
            a.dossierID = id
            // The bytes stay in the old system: no content, so no download here.
            a.sha256 = ""
            a.fileName = String(name.prefix(200))
            a.kind = "external"
            a.size = 0
            a.document = String((document.isEmpty ? name : document).prefix(300))
            a.uploadedAt = at
            a.purpose = purpose.rawValue
            a.digitised = false
            a.reused = false
            a.electronicResult = false
            return a
        }
        var attachments = p.TaiLieuNop.map { f in
            let a = file(f.TenTepDinhKem, document: f.MaThanhPhanHoSo, purpose: .submitted, at: p.NgayNopHoSo)
            a.digitised = f.DuocSoHoa == 1 || p.HoSoCoThanhPhanSoHoa == 1
            a.reused = f.DuocTaiSuDung == 1 || f.DuocLayTuKhoDMQG == 1
            return a
        }
        attachments += p.DanhSachGiayToKetQua.map { r in
            let a = file(r.TenGiayTo, document: r.TenGiayTo, purpose: .result, at: p.NgayKetThucXuLy ?? p.NgayNopHoSo)
            a.electronicResult = r.LaKetQuaDienTu == 1
            return a
        }
        var payment: DossierPayment?
        let fees = p.DanhSachLePhi.filter { $0.Gia > 0 }
        if !fees.isEmpty {
            let pay = DossierPayment()
            pay.id = UUID.timeOrdered()
            pay.dossierID = id
            pay.items = String(decoding: (try? JSONEncoder().encode(fees.map { FeeItem(name: $0.TenPhiLePhi, amount: $0.Gia) })) ?? Data("[]".utf8), as: UTF8.self)
            pay.total = fees.reduce(0) { $0 + $1.Gia }
            let paid = p.DuocThanhToanTrucTuyen > 0 || [.resolved, .returned].contains(status)
            pay.status = (paid ? DossierPayment.Status.paid : .pending).rawValue
            pay.method = p.DuocThanhToanTrucTuyen > 0 ? PaymentMethod.online.rawValue : nil
            pay.requestedAt = p.NgayTiepNhan ?? p.NgayNopHoSo
            pay.paidAt = paid ? (p.NgayKetThucXuLy ?? p.NgayTiepNhan) : nil
            payment = pay
        }
        return NewDossier(line: line, dossier: d, events: events, attachments: attachments, payment: payment)
    }

    func checkDates(_ p: NationalDossierPayload) throws(Rejection) {
        let earliest = VietnamTime.startOfDay("2000-01-01")!
        let latest = now.addingTimeInterval(86_400)
        let named: [(String, Date?)] = [("NgayNopHoSo", p.NgayNopHoSo), ("NgayTiepNhan", p.NgayTiepNhan), ("NgayHenTra", p.NgayHenTra),
                                        ("NgayKetThucXuLy", p.NgayKetThucXuLy), ("NgayTra", p.NgayTra), ("NgayTuChoi", p.NgayTuChoi)]
        for (name, date) in named {
            if let date, date < earliest || (name != "NgayHenTra" && date > latest) {
                throw Rejection(reason: "\(name) \(VietnamTime.display(date)) nằm ngoài khoảng từ năm 2000 đến nay")
            }
        }
        func order(_ a: (String, Date?), _ b: (String, Date?)) throws(Rejection) {
            if let x = a.1, let y = b.1, y < x { throw Rejection(reason: "\(b.0) (\(VietnamTime.display(y))) trước \(a.0) (\(VietnamTime.display(x)))") }
        }
        let submitted = named[0], received = named[1], due = named[2], ended = named[3], returned = named[4]
        try order(submitted, received)
        try order(received, due)
        try order(received, ended)
        try order(ended, returned)
        try order(submitted, named[5])
        if p.NgayTra != nil && p.NgayTiepNhan == nil { throw Rejection(reason: "có NgayTra nhưng chưa từng được tiếp nhận (thiếu NgayTiepNhan)") }
    }

    /// The audit trail: from `QuaTrinhXuLy` when the record has one, otherwise from its dates;
    /// every change of status must be one the lifecycle allows, and it must end where the record says.
    func trail(_ p: NationalDossierPayload, channel: Channel, status: DossierStatus, dossierID: UUID) throws(Rejection) -> [DossierEvent] {
        var steps: [(Date, Int, String, String)] = p.QuaTrinhXuLy.enumerated()
            .sorted { ($0.element.ThoiDiemXuLy, $0.offset) < ($1.element.ThoiDiemXuLy, $1.offset) }
            .map { ($0.element.ThoiDiemXuLy, $0.element.TrangThai, $0.element.NguoiXuLy, $0.element.NoiDungXuLy) }
        if steps.isEmpty { steps = try synthesizedSteps(p, channel: channel, status: status) }
        guard let first = steps.first, first.0 >= p.NgayNopHoSo.addingTimeInterval(-60) else {
            throw Rejection(reason: "quá trình xử lý bắt đầu trước NgayNopHoSo")
        }
        var events: [DossierEvent] = []
        var current: DossierStatus?
        var resume: DossierStatus?
        for (n, step) in steps.enumerated() {
            guard let to = DossierStatus(rawValue: step.1) else { throw Rejection(reason: "QuaTrinhXuLy bước \(n + 1): trạng thái \(step.1) không có") }
            let action: String
            if let from = current {
                if from == to {
                    action = "note"
                } else if let a = DossierAction.allCases.first(where: { Lifecycle.next(from: from, $0, resumeTo: resume) == to }) {
                    action = a.rawValue
                    if to == .supplementRequested { resume = from }
                } else {
                    throw Rejection(reason: "QuaTrinhXuLy bước \(n + 1): không thể chuyển từ “\(from.label)” sang “\(to.label)”")
                }
            } else {
                switch to {
                case .submitted: action = "submit"
                case .received: action = "enter"
                default: throw Rejection(reason: "hồ sơ phải bắt đầu ở trạng thái 1 (mới đăng ký) hoặc 2 (được tiếp nhận)")
                }
            }
            let actor = step.2.isEmpty ? "Hệ thống cũ" : String(step.2.prefix(200))
            let comment = step.3.isEmpty ? "Nhập từ dữ liệu lịch sử" : String(step.3.prefix(4000))
            events.append(AuditChain.entry(after: events.last, dossierID: dossierID, action: action, from: current, to: to, actorID: nil,
                                           actorName: actor, at: step.0, comment: comment))
            current = to
        }
        guard current == status else {
            throw Rejection(reason: "quá trình xử lý kết thúc ở “\(current?.label ?? "")” nhưng TrangThaiHoSo là “\(status.label)”")
        }
        return events
    }

    /// Steps reconstructed from the record's dates when it carries no processing history.
    func synthesizedSteps(_ p: NationalDossierPayload, channel: Channel, status: DossierStatus) throws(Rejection) -> [(Date, Int, String, String)] {
        var out: [(Date, Int, String, String)] = []
        func add(_ date: Date?, _ s: DossierStatus, _ what: String) throws(Rejection) {
            guard let date else { throw Rejection(reason: "thiếu ngày cho bước “\(what)”") }
            out.append((date, s.rawValue, "", what))
        }
        if status == .notReceived {
            try add(p.NgayNopHoSo, .submitted, "Nộp hồ sơ")
            try add(p.NgayTuChoi ?? p.NgayKetThucXuLy, .notReceived, "Từ chối tiếp nhận")
            return out
        }
        if channel == .online || status == .submitted { try add(p.NgayNopHoSo, .submitted, "Nộp hồ sơ trực tuyến") }
        if status == .submitted { return out }
        try add(p.NgayTiepNhan, .received, "Tiếp nhận")
        if status == .received { return out }
        try add(p.NgayTiepNhan, .processing, "Chuyển xử lý")
        for s in p.DanhSachHoSoBoSung.sorted(by: { $0.NgayBoSung < $1.NgayBoSung }) {
            out.append((s.NgayBoSung, DossierStatus.supplementRequested.rawValue, s.NguoiYeuCauBoSung, s.NoiDungBoSung))
            if let back = s.NgayTiepNhanBoSung { out.append((back, DossierStatus.processing.rawValue, "", "Bổ sung hồ sơ")) }
        }
        switch status {
        case .paymentRequested: try add(out.last?.0, .paymentRequested, "Yêu cầu nộp phí, lệ phí")
        case .withdrawalRequested: try add(p.NgayKetThucXuLy ?? out.last?.0, .withdrawalRequested, "Công dân yêu cầu rút hồ sơ")
        case .stopped:
            try add(p.NgayKetThucXuLy ?? out.last?.0, .withdrawalRequested, "Công dân yêu cầu rút hồ sơ")
            try add(p.NgayKetThucXuLy ?? out.last?.0, .stopped, "Dừng xử lý")
        case .resolved: try add(p.NgayKetThucXuLy, .resolved, "Có kết quả")
        case .returned:
            try add(p.NgayKetThucXuLy, .resolved, "Có kết quả")
            try add(p.NgayTra, .returned, "Trả kết quả")
        default: break
        }
        return out
    }

    /// Dossiers checked and found once in the file, with their rows and what the observers need
    /// of them already made, so that the write queue only runs statements. They are made in
    /// parts, one per core: made on one, they took as long as the checks on both (0.6–0.9 s of
    /// 5,000 dossiers), while the write of the batch before waited for the same cores.
    struct Batch: Sendable {
        struct Part: Sendable {
            var dossiers: [NewDossier]
            var rows: [BulkRows]
            var observed: [(any Sendable)?]
        }

        var parts: [Part]
        var count: Int { parts.reduce(0) { $0 + $1.dossiers.count } }
        var dossiers: [NewDossier] { parts.flatMap(\.dossiers) }

        init(_ dossiers: [NewDossier], app: Application) {
            parts = [Part(dossiers: dossiers, rows: DossierImporter.rows(of: dossiers, asCopyText: app.writesPostgreSQL),
                          observed: app.dossierObservers.prepare(created: dossiers))]
        }

        init(parts: [Part]) { self.parts = parts }

        static func make(_ dossiers: [NewDossier], app: Application) async -> Batch {
            let (observers, copyText) = (app.dossierObservers, app.writesPostgreSQL)
            let slices = DossierImporter.slices(dossiers.count)
            return await withTaskGroup(of: (Int, Part).self) { group in
                for (k, range) in slices.enumerated() {
                    let some = Array(dossiers[range])
                    group.addTask { (k, Part(dossiers: some, rows: DossierImporter.rows(of: some, asCopyText: copyText), observed: observers.prepare(created: some))) }
                }
                var made: [(Int, Part)] = []
                for await part in group { made.append(part) }
                return Batch(parts: made.sorted { $0.0 < $1.0 }.map(\.1))
            }
        }
    }

    /// `count` items cut into one range per core (one range when there are few).
    static func slices(_ count: Int) -> [Range<Int>] {
        let parts = max(1, min(System.coreCount, count / 200))
        let size = (count + parts - 1) / parts
        return (0..<parts).map { min(count, $0 * size)..<min(count, ($0 + 1) * size) }
    }

    /// The rows of `dossiers`, table by table in the order their references need; for PostgreSQL
    /// (`asCopyText`), already in COPY's text.
    static func rows(of dossiers: [NewDossier], asCopyText: Bool) -> [BulkRows] {
        var tables = [Dossier.schema, DossierEvent.schema, DossierAttachment.schema, DossierPayment.schema].map { BulkRows(into: $0, asCopyText: asCopyText) }
        for d in dossiers {
            tables[0].append(d.dossier.row)
            for e in d.events { tables[1].append(e.row) }
            for a in d.attachments { tables[2].append(a.row) }
            if let p = d.payment { tables[3].append(p.row) }
        }
        return tables
    }

    /// `prepared` without the codes met before in this run, which are reported as duplicates.
    /// `seen` holds those codes as 64-bit hashes: a code seen twice is a duplicate, one found only
    /// in the database was imported by an earlier run.
    func unique(_ prepared: [NewDossier], seen: inout Set<UInt64>, problems: inout [ImportProblem]) -> [NewDossier] {
        var unique: [NewDossier] = []
        for p in prepared {
            if seen.insert(Self.fingerprint(p.dossier.code)).inserted { unique.append(p) } else {
                problems.append(ImportProblem(line: p.line, code: p.dossier.code, reason: "mã hồ sơ trùng với một dòng trước trong tệp"))
            }
        }
        return unique
    }

    /// Writes the dossiers of a batch that are not in the database yet, in one transaction with
    /// what the observers derive (through their `runs` during a run); returns the codes that were
    /// already there, and whether a run asks to catch up.
    func write(_ batch: Batch, runs: ObserverRuns?, app: Application) async throws -> (existing: Set<String>, due: Bool) {
        guard batch.count > 0 else { return ([], false) }
        let observers = app.dossierObservers
        @Sendable func created(_ dossiers: [NewDossier], _ prepared: [(any Sendable)?], on db: any Database) async throws -> [(any Sendable)?] {
            if let runs { return try await runs.created(dossiers, prepared: prepared, on: db) }
            try await observers.notify(created: dossiers, prepared: prepared, on: db)
            return []
        }
        let (existing, held) = try await app.groupCommit.transaction { db -> (Set<String>, [[(any Sendable)?]]) in
            guard let sql = db as? any SQLDatabase else { throw OneStopError.internalState("SQL database required") }
            struct Row: Decodable { var code: String }
            var existing = Set<String>()
            let codes = batch.parts.flatMap { $0.dossiers.map(\.dossier.code) }
            if sql.dialect.name == "postgresql" {
                // One array, not a list of 2,000 binds: while an import grows the table faster than
                // its statistics, PostgreSQL at times planned the list as a scan that compared every
                // row with every code (1–13 s a batch instead of 40 ms).
                for r in try await sql.raw("SELECT code FROM \(ident: Dossier.schema) WHERE code = ANY(\(bind: codes))").all(decoding: Row.self) {
                    existing.insert(r.code)
                }
            } else {
                for start in stride(from: 0, to: codes.count, by: 2000) {
                    for r in try await sql.select().column("code").from(Dossier.schema)
                        .where("code", .in, Array(codes[start..<min(codes.count, start + 2000)])).all(decoding: Row.self) { existing.insert(r.code) }
                }
            }
            var held: [[(any Sendable)?]] = []
            if existing.isEmpty {
                for part in batch.parts {
                    for rows in part.rows { try await rows.insert(on: sql) }
                    held.append(try await created(part.dossiers, part.observed, on: db))
                }
            } else {
                // A re-run: what was made ahead included dossiers already there.
                let fresh = batch.dossiers.filter { !existing.contains($0.dossier.code) }
                for rows in Self.rows(of: fresh, asCopyText: app.writesPostgreSQL) { try await rows.insert(on: sql) }
                held.append(try await created(fresh, observers.prepare(created: fresh), on: db))
            }
            return (existing, held)
        }
        return (existing, runs.map { runs in held.map { runs.committed($0) }.contains(true) } ?? false)
    }

    /// Imports a JSON Lines file, `batchSize` lines at a time; `progress` is called after each batch.
    /// Two batches are in flight (one written, the next checked). Larger batches upsert fewer
    /// bucket rows a dossier but were not faster: 10,000 and 20,000 ran at 0.87× and 0.93× of
    /// 5,000 (decision 0013).
    public func run(path: String, app: Application, batchSize: Int = 5_000,
                    progress: @Sendable (ImportReport) -> Void = { _ in }) async throws -> ImportReport {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw OneStopError.invalid(["Không mở được tệp “\(path)”."]) }
        defer { try? handle.close() }
        var report = ImportReport()
        report.bytesTotal = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0)
        // Used by one batch's preparation at a time, in the file's order.
        let seen = NIOLockedValueBox(Set<UInt64>())
        var reader = LineReader(handle: handle)
        /// The next lines with content, and whether the file had any line left.
        func nextBatch() throws -> ([(Int, Data)], Bool) {
            var lines: [(Int, Data)] = []
            let before = report.lines
            while lines.count < batchSize, let line = try reader.next() {
                report.lines += 1
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { lines.append((report.lines, line)) }
            }
            report.bytesRead = reader.bytesRead
            return (lines, report.lines > before)
        }
        func prepareBatch(_ lines: [(Int, Data)]) async -> (Batch, [ImportProblem]) {
            var (prepared, problems) = await prepareConcurrently(lines)
            let unique = seen.withLockedValue { self.unique(prepared, seen: &$0, problems: &problems) }
            return (await Batch.make(unique, app: app), problems)
        }
        let observers = app.dossierObservers
        let runs = try await app.groupCommit.transaction { db in try await ObserverRuns.begin(observers, on: db) }
        // A written batch is freed by another task: freeing its tens of thousands of models took
        // some 6 % of an import's time in this loop, while the write queue waited for it.
        let (toFree, freeing) = AsyncStream<Batch>.makeStream()
        Task.detached(priority: .utility) { for await _ in toFree {} }
        defer { freeing.finish() }
        do {
            // While one batch is written, the next is decoded, checked and made into rows.
            let (first, any) = try nextBatch()
            var more = any
            var current = await prepareBatch(first)
            while more || current.0.count > 0 || !current.1.isEmpty {
                let (lines, left) = try nextBatch()
                more = left
                async let following = prepareBatch(lines)
                report.problems += current.1
                let writeStarted = Date()
                try await store(current.0, runs: runs, report: &report, app: app)
                report.writing += Date().timeIntervalSince(writeStarted)
                progress(report)
                var written: Batch? = current.0
                let waitStarted = Date()
                current = await following
                report.waitingForChecks += Date().timeIntervalSince(waitStarted)
                freeing.yield(written!)
                written = nil
            }
        } catch {
            // What the committed batches held back is still done; if that fails too, the run's
            // mark stays, and the next run or the server's start repairs the statistics.
            try? await Self.catchUp(runs, ending: true, app: app)
            throw error
        }
        report.catchingUp = true
        progress(report)
        let catchUpStarted = Date()
        try await Self.catchUp(runs, ending: true, app: app)
        report.catchingUpTime = Date().timeIntervalSince(catchUpStarted)
        report.catchingUp = false
        report.problems.sort { $0.line < $1.line }
        return report
    }

    /// Does what the observers held back in the run so far, in a transaction of its own.
    static func catchUp(_ runs: ObserverRuns, ending: Bool, app: Application) async throws {
        try await app.groupCommit.transaction { db in try await runs.catchUp(ending: ending, on: db) }
        runs.caughtUp()
    }

    /// Writes prepared dossiers, skipping those already imported and reporting duplicates (see `unique`).
    public func store(_ prepared: [NewDossier], seen: inout Set<UInt64>, report: inout ImportReport, app: Application) async throws {
        let unique = unique(prepared, seen: &seen, problems: &report.problems)
        try await store(await Batch.make(unique, app: app), runs: nil, report: &report, app: app)
    }

    func store(_ batch: Batch, runs: ObserverRuns?, report: inout ImportReport, app: Application) async throws {
        var due = false
        do {
            let (existing, asked) = try await write(batch, runs: runs, app: app)
            report.imported += batch.count - existing.count
            report.alreadyThere += existing.count
            due = asked
        } catch {
            // One bad row fails its batch: write them one by one to name it.
            for p in batch.dossiers {
                do {
                    let (existing, asked) = try await write(Batch([p], app: app), runs: runs, app: app)
                    if existing.isEmpty { report.imported += 1 } else { report.alreadyThere += 1 }
                    due = due || asked
                } catch {
                    report.problems.append(ImportProblem(line: p.line, code: p.dossier.code, reason: "không ghi được: \(String(describing: error).prefix(200))"))
                }
            }
        }
        if let runs, due { try await Self.catchUp(runs, ending: false, app: app) }
    }

    /// Checks records already decoded (the generator's), on every core.
    public func prepare(_ records: [(Int, NationalDossierPayload)]) async -> ([NewDossier], [ImportProblem]) {
        await inParallel(records) { n, payload in attempt(payload, line: n) }
    }

    /// Reads and checks lines on every core.
    func prepareConcurrently(_ lines: [(Int, Data)]) async -> ([NewDossier], [ImportProblem]) {
        await inParallel(lines) { n, data in
            do {
                let payload = try data.withUnsafeBytes { raw throws(JSONScanner.Failure) in
                    try NationalDossierPayload(jsonLine: raw.bindMemory(to: UInt8.self))
                }
                return attempt(payload, line: n)
            } catch let failure as JSONScanner.Failure {
                return .failure(ImportProblem(line: n, code: nil, reason: Self.describe(failure)))
            } catch {
                return .failure(ImportProblem(line: n, code: nil, reason: "không đọc được dòng"))
            }
        }
    }

    func attempt(_ payload: NationalDossierPayload, line: Int) -> Result<NewDossier, ImportProblem> {
        do { return .success(try prepare(payload, line: line)) } catch {
            return .failure(ImportProblem(line: line, code: payload.MaHoSo, reason: error.reason))
        }
    }

    /// `work` over the items in one task per core, results in the items' order.
    func inParallel<T: Sendable>(_ items: [(Int, T)], _ work: @escaping @Sendable (Int, T) -> Result<NewDossier, ImportProblem>) async
        -> ([NewDossier], [ImportProblem]) {
        await withTaskGroup(of: (Int, [NewDossier], [ImportProblem]).self) { group in
            for (k, range) in Self.slices(items.count).enumerated() {
                let slice = Array(items[range])
                group.addTask {
                    var ok: [NewDossier] = [], bad: [ImportProblem] = []
                    for (n, item) in slice {
                        switch work(n, item) {
                        case .success(let p): ok.append(p)
                        case .failure(let problem): bad.append(problem)
                        }
                    }
                    return (k, ok, bad)
                }
            }
            var results: [(Int, [NewDossier], [ImportProblem])] = []
            for await r in group { results.append(r) }
            results.sort { $0.0 < $1.0 }
            return (results.flatMap(\.1), results.flatMap(\.2))
        }
    }

    static func describe(_ failure: JSONScanner.Failure) -> String {
        switch failure {
        case .syntax: return "dòng không phải JSON hợp lệ"
        case .missing(let path): return "thiếu trường \(path)"
        case .type(let path): return "trường \(path) sai kiểu dữ liệu"
        case .invalid(let path, let message): return "trường \(path): \(message)"
        }
    }

    /// FNV-1a, 64 bits.
    static func fingerprint(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

extension Application {
    /// Whether rows are written to PostgreSQL, so that they can be made as COPY text ahead of the write queue.
    var writesPostgreSQL: Bool { (db as? any SQLDatabase)?.dialect.name == "postgresql" }
}

/// Lines of a file, read in large blocks.
struct LineReader {
    let handle: FileHandle
    var buffer = Data()
    var offset = 0
    var bytesRead: Int64 = 0
    var finished = false

    init(handle: FileHandle) { self.handle = handle }

    mutating func next() throws -> Data? {
        while true {
            // memchr, not `Data.firstIndex(of:)`: the generic search was 5 % of an import's CPU in a profile.
            let start = offset
            let newline: Int? = buffer.withUnsafeBytes { raw in
                guard start < raw.count, let base = raw.baseAddress,
                      let found = memchr(base + start, 0x0A, raw.count - start) else { return nil }
                return base.distance(to: UnsafeRawPointer(found))
            }
            if let nl = newline {
                offset = nl + 1
                return buffer.subdata(in: start..<nl)
            }
            if finished {
                guard offset < buffer.count else { return nil }
                let rest = Data(buffer[offset...])
                offset = buffer.count
                return rest
            }
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            bytesRead += Int64(chunk.count)
            buffer = Data(buffer[offset...]) + chunk
            offset = 0
            if chunk.isEmpty { finished = true }
        }
    }
}

extension DossierPayment {
    var row: SQLCells {
        [("id", id), ("dossier_id", dossierID), ("items", items), ("total", total), ("status", status), ("method", method),
         ("reference", reference), ("provider", provider), ("receipt_number", receiptNumber), ("receipt_url", receiptURL),
         ("requested_at", requestedAt), ("paid_at", paidAt), ("checked_at", checkedAt)]
    }
}
