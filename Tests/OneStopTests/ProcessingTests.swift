import Directory
import Exchange
import Fluent
import Foundation
import Identity
import NationalSim
import OneStop
import SQLKit
import Testing
import TestSupport
import Vapor

typealias Official = DossierTests.Official
typealias DossierBody = DossierTests.DossierBody

/// Helpers shared by the processing suites.
enum Flow {
    static let citizenCCCD = "025090000001"

    /// A petrol-station licence (2.000669): Sở Công Thương leads, Công an tỉnh checks fire safety in parallel.
    static func fuelStation(channel: Int = 1) -> String {
        let docs = ["Đơn đề nghị cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu (theo mẫu)", "Bản kê trang thiết bị của cửa hàng bán lẻ xăng dầu",
                    "Tài liệu chứng minh quyền sử dụng cửa hàng", "Văn bản nghiệm thu về phòng cháy, chữa cháy"]
        return """
        {"channel": \(channel), "submission": {"procedure": "2.000669",
          "applicant": {"name": "Nguyễn Văn An", "identity": "\(citizenCCCD)", "phone": "0912345678"},
          "form": {"orgName": "Công ty TNHH Xăng dầu Lạc Hồng", "orgTaxCode": "2600123456", "orgAddress": "Phường Phong Châu",
                   "representativeName": "Nguyễn Văn An", "representativeId": "\(citizenCCCD)", "orgPhone": "0912345678",
                   "stationAddress": "Quốc lộ 2", "pumps": "4"},
          "files": [\(docs.map(DossierTests.file).joined(separator: ","))]}}
        """
    }

    static func steps(_ code: String, on db: any Database) async throws -> [DossierStep] {
        let d = try await DossierService.find(code, on: db)
        return try await DossierStep.query(on: db).filter(\.$dossierID == d.requireID()).sort(\.$seq).all()
    }

    static func giveToCitizen(_ code: String, on db: any Database) async throws -> UUID {
        let citizen = try #require(try await User.query(on: db).filter(\.$identityNumber == citizenCCCD).first())
        let row = try await DossierService.find(code, on: db)
        row.applicantUserID = citizen.id
        try await row.save(on: db)
        return try citizen.requireID()
    }

    /// A new official with one role, signed in through the API.
    static func official(_ app: Application, _ username: String, _ role: Role, agencyCode: String) async throws -> Official {
        let agency = try #require(try await Agency.query(on: app.db).filter(\.$code == agencyCode).first())
        let user = try await Accounts.createOfficial(username: username, fullName: "Cán bộ \(username)", password: "tinhso2026", hash: "tinhso2026", on: app.db)
        try await Accounts.grant(role, to: user.requireID(), agencyID: agency.requireID(), on: app.db)
        return try await Official(app, username)
    }

    static func agencyCode(named fragment: String, on db: any Database) async throws -> String {
        try #require(try await Agency.query(on: db).filter(\.$level == .province).all().first { $0.name.contains(fragment) }).code
    }
}

@Suite("Processing: parallel inter-agency steps, consultation, sending back")
struct ProcessingTests {
    @Test func twoAgenciesInParallelThenTheLeaderApproves() async throws {
        try await withApp { app async throws in
            let desk = try await Official(app, "motcua.tinh")
            let lead = try await Official(app, "chuyenvien.congthuong")
            let police = try await Official(app, "chuyenvien.congan")
            let leader = try await Official(app, "lanhdao.congthuong")
            let outsider = try await Official(app, "chuyenvien.taichinh")
            let created = try await desk.post("/api/v1/dossiers", Flow.fuelStation())
            #expect(created.status == .created, "\(created.body)")
            let code = try created.decode(DossierBody.self).code
            #expect(try await desk.act(code, "start-processing").decode(DossierBody.self).status == 4)

            // Two steps open at once, each with its own deadline; the approval waits.
            var steps = try await Flow.steps(code, on: app.db)
            let open = steps.filter(\.isActive)
            #expect(open.count == 2 && Set(open.map(\.group)) == [1])
            #expect(open.filter(\.lead).map(\.agencyName).first?.contains("Công Thương") == true)
            #expect(open.allSatisfy { ($0.dueAt ?? .distantPast) > ($0.startedAt ?? .distantFuture) })
            #expect(steps.first { $0.role == "leader" }?.currentStatus == .waiting)
            // The coordinating agency sees the dossier; an uninvolved one does not.
            #expect(try await police.client.get("/api/v1/dossiers/\(code)", headers: police.headers).status == .ok)
            #expect(try await outsider.client.get("/api/v1/dossiers/\(code)", headers: outsider.headers).status == .forbidden)
            #expect(try await outsider.act(code, "propose", comment: "x", #""proposal": "grant""#).status == .forbidden)
            let tooEarly = try await leader.act(code, "approve")
            #expect(tooEarly.status == .conflict)

            // A consultation of Sở Xây dựng, answered by its specialist.
            let construction = try await Flow.agencyCode(named: "Xây dựng", on: app.db)
            #expect(try await lead.act(code, "consult", comment: "Ý kiến về vị trí xây dựng", #""agency": "\#(construction)", "workingDays": 40"#).status == .unprocessableEntity)
            #expect(try await lead.act(code, "consult", comment: "Ý kiến về vị trí xây dựng", #""agency": "\#(construction)", "workingDays": 3"#).status == .ok)
            let builder = try await Flow.official(app, "chuyenvien.xaydung", .specialist, agencyCode: construction)
            #expect(try await builder.act(code, "reply", comment: "").status == .unprocessableEntity)
            #expect(try await builder.act(code, "reply", comment: "Phù hợp quy hoạch").status == .ok)
            #expect(try await builder.act(code, "reply", comment: "Lần nữa").status == .conflict)  // answered
            #expect(try await Flow.steps(code, on: app.db).first { $0.currentKind == .consult }?.opinion == "Phù hợp quy hoạch")

            #expect(try await police.act(code, "propose", comment: "Đạt yêu cầu PCCC", #""proposal": "grant""#).status == .ok)
            #expect(try await Flow.steps(code, on: app.db).first { $0.role == "leader" }?.currentStatus == .waiting)  // the lead is still working
            #expect(try await lead.act(code, "propose", comment: "Đủ điều kiện", #""proposal": "grant""#).status == .ok)
            steps = try await Flow.steps(code, on: app.db)
            #expect(steps.first { $0.role == "leader" }?.isActive == true)

            // Sent back: both agencies redo their appraisal, then the leader decides again.
            #expect(try await leader.act(code, "send-back").status == .unprocessableEntity)  // needs a reason
            #expect(try await leader.act(code, "send-back", comment: "Bổ sung đánh giá khoảng cách an toàn").status == .ok)
            steps = try await Flow.steps(code, on: app.db)
            #expect(steps.filter { $0.isActive && $0.currentKind == .process }.count == 2)
            #expect(steps.contains { $0.currentStatus == .returned && $0.role == "leader" })
            #expect(try await police.act(code, "propose", comment: "Đạt", #""proposal": "grant""#).status == .ok)
            #expect(try await lead.act(code, "propose", comment: "Đủ điều kiện sau khi bổ sung", #""proposal": "grant""#).status == .ok)
            let approved = try await leader.act(code, "approve", comment: "Đồng ý cấp").decode(DossierBody.self)
            #expect(approved.status == 9)
            #expect(try await DossierService.find(code, on: app.db).outcome == "grant")
            #expect(approved.auditIntact)
            // Mẫu 06 shows every handover and each step against its own deadline.
            let sheetReader = TestClient(app)
            try await sheetReader.login("lanhdao.congthuong", password: "tinhso2026")
            let sheet = try await sheetReader.get("/ho-so/\(code)/mau/06")
            #expect(sheet.status == .ok && sheet.body.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"))
            #expect(sheet.body.contains("Thẩm định điều kiện phòng cháy, chữa cháy") && sheet.body.contains("Đúng hạn"))
            let register = try await sheetReader.get("/can-bo/so-theo-doi")
            #expect(register.status == .ok && register.body.contains("SỔ THEO DÕI HỒ SƠ") && register.body.contains(code))
        }
    }

    @Test func aRefusalProposalApprovedResolvesAsRefused() async throws {
        try await withApp { app async throws in
            let desk = try await Official(app, "motcua.tinh")
            let specialist = try await Official(app, "chuyenvien.taichinh")
            let leader = try await Official(app, "lanhdao.taichinh")
            let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1)).decode(DossierBody.self).code
            _ = try await desk.act(code, "start-processing")
            _ = try await specialist.act(code, "propose", comment: "Tên doanh nghiệp trùng", #""proposal": "refuse""#)
            #expect(try await leader.act(code, "approve").decode(DossierBody.self).status == 9)
            #expect(try await DossierService.find(code, on: app.db).outcome == "refuse")
        }
    }

    @Test func supplementsAreAskedWithinThreeWorkingDaysOfReceipt() async throws {
        try await withApp { app async throws in
            let desk = try await Official(app, "motcua.tinh")
            let specialist = try await Official(app, "chuyenvien.taichinh")
            let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1)).decode(DossierBody.self).code
            _ = try await desk.act(code, "start-processing")
            (app.clock as! TestClock).advance(by: 7 * 86_400)
            let late = try await specialist.act(code, "request-supplement", comment: "Thiếu điều lệ")
            #expect(late.status == .conflict)
            #expect(try late.decode(DossierTests.Envelope.self).error.message.contains("3 ngày làm việc"))
        }
    }
}

@Suite("Payment, electronic result and the Kho")
struct PaymentAndStoreTests {
    @Test func paidOnlineApprovedAndTheResultReachesTheKho() async throws {
        try await withApp { app async throws in
            let desk = try await Official(app, "motcua.tinh")
            let specialist = try await Official(app, "chuyenvien.taichinh")
            let leader = try await Official(app, "lanhdao.taichinh")
            let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration()).decode(DossierBody.self).code
            let owner = try await Flow.giveToCitizen(code, on: app.db)
            _ = try await desk.act(code, "receive")
            _ = try await desk.act(code, "start-processing")
            #expect(try await specialist.act(code, "request-payment", comment: "", #""fees": []"#).status == .unprocessableEntity)
            let owed = try await specialist.act(code, "request-payment", comment: "", #""fees": [{"name": "Phí công bố", "amount": 100000}]"#)
            #expect(try owed.decode(DossierBody.self).status == 6)

            // The citizen pays on the sandbox platform and comes back.
            let citizen = TestClient(app)
            try await citizen.login(Flow.citizenCCCD, password: "tinhso2026")
            #expect(try await citizen.get("/ho-so/\(code)").body.contains("Thanh toán trực tuyến"))
            let start = try await citizen.post("/ho-so/\(code)/thanh-toan", form: [])
            let platform = try #require(start.location)
            #expect(platform.hasPrefix("/thanh-toan/thu-nghiem/TS"))
            #expect(try await citizen.get(platform).body.contains("100.000"))
            let back = try await citizen.post(platform, form: [("decision", "pay")])
            #expect(back.location == "/ho-so/\(code)/thanh-toan")
            _ = try await citizen.get("/ho-so/\(code)/thanh-toan")
            let paid = try await DossierService.find(code, on: app.db)
            #expect(paid.currentStatus == .processing && paid.paidOnline == 2)
            #expect(try await citizen.get("/ho-so/\(code)").body.contains("đã nộp (Thanh toán trực tuyến"))

            // The specialist attaches the signed electronic result; the leader approves; it lands in the Kho.
            var h = specialist.headers
            h.contentType = .binary
            let result = try await specialist.client.request(
                .POST, "/api/v1/dossiers/\(code)/attachments?document=Gi%E1%BA%A5y%20ch%E1%BB%A9ng%20nh%E1%BA%ADn&name=gcn.pdf&purpose=result&electronic=true",
                headers: h, body: ByteBuffer(data: AttachmentTests.pdf))
            #expect(result.status == .created, "\(result.body)")
            #expect(result.body.contains("\"electronicResult\":true"))
            _ = try await specialist.act(code, "propose", comment: "Đủ điều kiện", #""proposal": "grant""#)
            #expect(try await leader.act(code, "approve").decode(DossierBody.self).status == 9)
            let kho = try await PersonalStore.documents(of: owner, on: app.db)
            let delivered = try #require(kho.first { $0.dossierCode == code })
            #expect(delivered.electronicResult && delivered.source == "result")
            let page = try await citizen.get("/kho")
            #expect(page.body.contains("Kết quả điện tử của hồ sơ \(code)"))
            let download = try await citizen.get("/kho/\(delivered.requireID())")
            #expect(download.status == .ok && Data(download.body.utf8) == AttachmentTests.pdf)
            let stranger = TestClient(app)
            try await stranger.login("motcua.tinh", password: "tinhso2026")
            #expect(try await stranger.get("/kho/\(delivered.requireID())").status == .notFound)

            // Reused in a new dossier instead of being submitted again; someone else's Kho is refused.
            let fields: [(String, String)] = [
                ("applicantName", "Nguyễn Văn An"), ("applicantIdentity", Flow.citizenCCCD), ("applicantPhone", "0912345678"),
                ("f_companyName", "DNTN An Khang"), ("f_hqAddress", "Phường Việt Trì"), ("f_charterCapital", "500000000"),
                ("f_mainBusinessLine", "Bán lẻ"), ("f_representativeName", "Nguyễn Văn An"), ("f_representativeId", Flow.citizenCCCD),
                ("kho_0", try delivered.requireID().uuidString),
            ]
            let reused = try await citizen.post("/thu-tuc/2.001610/nop", form: fields)
            #expect(reused.status == .seeOther, "\(reused.body)")
            let newCode = String(try #require(reused.location?.split(separator: "/").last?.split(separator: "?").first))
            let files = try await Attachments.list(try await DossierService.find(newCode, on: app.db), on: app.db)
            #expect(files.count == 1 && files[0].reused && files[0].sha256 == delivered.sha256)
            let reuse = DossierTests.businessRegistration().replacingOccurrences(
                of: DossierTests.file("Giấy đề nghị đăng ký doanh nghiệp"),
                with: #"{"document": "Giấy đề nghị đăng ký doanh nghiệp", "fromStore": "\#(try delivered.requireID())"}"#)
            #expect(try await desk.post("/api/v1/dossiers", reuse).status == .unprocessableEntity)  // not the desk's Kho
        }
    }

    @Test func anUnconfirmedOnlinePaymentIsFoundByTheRecheck() async throws {
        try await withApp { app async throws in
            let desk = try await Official(app, "motcua.tinh")
            let specialist = try await Official(app, "chuyenvien.taichinh")
            let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1)).decode(DossierBody.self).code
            _ = try await Flow.giveToCitizen(code, on: app.db)
            _ = try await desk.act(code, "start-processing")
            _ = try await specialist.act(code, "request-payment", comment: "", #""fees": [{"name": "Lệ phí", "amount": 50000}]"#)
            let citizen = TestClient(app)
            try await citizen.login(Flow.citizenCCCD, password: "tinhso2026")
            let platform = try #require(try await citizen.post("/ho-so/\(code)/thanh-toan", form: []).location)
            _ = try await citizen.post(platform, form: [("decision", "pay")])  // paid, but never came back
            #expect(try await DossierService.find(code, on: app.db).currentStatus == .paymentRequested)
            #expect(try await Payments.recheck(app: app, now: app.clock.now()) == 0)  // checked too recently
            (app.clock as! TestClock).advance(by: 120)
            #expect(try await Payments.recheck(app: app, now: app.clock.now()) == 1)
            #expect(try await DossierService.find(code, on: app.db).currentStatus == .processing)
            // The desk records a cash payment only when something is owed.
            let cash = try await desk.act(code, "record-payment", comment: "", #""paymentMethod": "cash", "receiptNumber": "0001""#)
            #expect(cash.status == .conflict)
        }
    }
}

@Suite("Late warnings")
struct LateWarningTests {
    @Test func warnedOnceWithinOneWorkingDayOfTheDueDate() async throws {
        try await withApp { app async throws in
            let desk = try await Official(app, "motcua.tinh")
            let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1)).decode(DossierBody.self).code
            let due = try #require(try await DossierService.find(code, on: app.db).dueAt)
            #expect(try await LateWarnings.runOnce(app: app, now: app.clock.now()) == 0)
            let clock = app.clock as! TestClock
            clock.advance(by: due.addingTimeInterval(-3600).timeIntervalSince(clock.now()))
            #expect(try await LateWarnings.runOnce(app: app, now: clock.now()) >= 1)
            #expect(try await LateWarnings.runOnce(app: app, now: clock.now()) == 0)
            let d = try await DossierService.find(code, on: app.db)
            #expect(d.warnedAt != nil)
            let events = try await DossierEvent.query(on: app.db).filter(\.$dossierID == d.requireID()).all()
            #expect(events.contains { $0.action == "warn-late" && $0.comment.contains("Cảnh báo") })
            #expect(try await DossierService.auditBreak(d, on: app.db) == nil)
        }
    }
}

/// Captures what would be sent to the national portal.
final class CapturingPortal: NationalPortalClient, @unchecked Sendable {
    private let lock = NSLock()
    private var _pushed: [NationalDossierPayload] = []
    var pushed: [NationalDossierPayload] { lock.withLock { _pushed } }
    func push(_ payload: NationalDossierPayload, messageID: String) async throws { lock.withLock { _pushed.append(payload) } }
}

@Suite("National portal: inbound dossiers and the status sync")
struct NationalPortalTests {
    /// A business registration as the national portal forwards it, VNeID-verified, with its form and one file.
    static func forwardedDossier(_ nationalCode: String) -> String {
        """
        {"MaHoSoQuocGia": "\(nationalCode)", "MaTTHC": "2.001610", "ChuHoSo": "Nguyễn Văn An", "SoGiayToChuHoSo": "\(Flow.citizenCCCD)",
         "SoDienThoai": "0912345678", "TaiKhoanDuocXacThucVoiVNeID": 1,
         "DuLieuBieuMau": {"companyName": "DNTN Quốc Gia", "hqAddress": "Phường Việt Trì", "charterCapital": "100000000",
                           "mainBusinessLine": "Bán lẻ", "representativeName": "Nguyễn Văn An", "representativeId": "\(Flow.citizenCCCD)"},
         "TaiLieuNop": [{"MaThanhPhanHoSo": "Giấy đề nghị đăng ký doanh nghiệp", "TenTepDinhKem": "denghi.pdf", "NoiDung": "\(DossierTests.pdfBase64)"}]}
        """
    }

    @Test func forwardedDossiersAreTakenOnceAndEveryChangeIsSynced() async throws {
        try await withApp { app async throws in
            let portal = CapturingPortal()
            app.nationalPortal = portal
            let client = TestClient(app)
            var h = HTTPHeaders()
            h.bearerAuthorization = BearerAuthorization(token: try await TokenFactory.token(app, scopes: "national:forward", login: "admin"))
            h.contentType = .json
            let body = Self.forwardedDossier("G22.99-261118-000123")
            struct Accepted: Decodable { var MaHoSo: String; var TrangThaiHoSo: Int }
            let first = try await client.request(.POST, "/api/v1/national/dossiers", headers: h, body: ByteBuffer(string: body))
            #expect(first.status == .created, "\(first.body)")
            let accepted = try first.decode(Accepted.self)
            #expect(accepted.MaHoSo.hasPrefix("H42.30-") && accepted.TrangThaiHoSo == 1)
            let again = try await client.request(.POST, "/api/v1/national/dossiers", headers: h, body: ByteBuffer(string: body))
            #expect(try again.decode(Accepted.self).MaHoSo == accepted.MaHoSo)
            let d = try await DossierService.find(accepted.MaHoSo, on: app.db)
            #expect(d.source == "dvcqg" && d.vneidVerified && d.nationalCode == "G22.99-261118-000123")
            #expect(d.applicantUserID == (try await User.query(on: app.db).filter(\.$identityNumber == Flow.citizenCCCD).first()?.id))

            // Only the integration account (admin, national:forward) may forward.
            let desk = try await Official(app, "motcua.tinh")
            #expect(try await desk.post("/api/v1/national/dossiers", body).status == .forbidden)

            try await NationalSync.runOnce(app: app, now: app.clock.now())
            let sent = try #require(portal.pushed.last { $0.MaHoSo == accepted.MaHoSo })
            #expect(sent.TrangThaiHoSo == 1 && sent.MaHoSoQuocGia == "G22.99-261118-000123" && sent.TaiKhoanDuocXacThucVoiVNeID == 1)
            #expect(sent.TaiLieuNop.count == 1 && sent.TaiLieuNop[0].DuocSoHoa == 0 && sent.KenhThucHien == 2)
            _ = try await desk.act(accepted.MaHoSo, "receive")
            try await NationalSync.runOnce(app: app, now: app.clock.now())
            let received = try #require(portal.pushed.last { $0.MaHoSo == accepted.MaHoSo })
            #expect(received.TrangThaiHoSo == 2 && received.NgayTiepNhan != nil && received.NgayHenTra != nil)
            #expect(received.QuaTrinhXuLy.map(\.TrangThai) == [1, 2])
            #expect(try await NationalSync.runOnce(app: app, now: app.clock.now()) == 0)  // nothing left
        }
    }
}

@Suite("Authorisation: who may do what to a dossier")
struct AuthorisationMatrixTests {
    static let logins = ["motcua.tinh", "chuyenvien.taichinh", "lanhdao.taichinh", "chuyenvien.congthuong", "motcua.viettri", Flow.citizenCCCD]

    /// The action forms each person sees on the dossier page, which is exactly what they may do.
    static func offered(_ app: Application, _ code: String) async throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for login in logins {
            let client = TestClient(app)
            try await client.login(login, password: "tinhso2026")
            let page = try await client.get("/ho-so/\(code)")
            guard page.status == .ok else { result[login] = ["(không xem được)"]; continue }
            result[login] = Set(DossierAction.allCases.map(\.rawValue).filter { page.body.contains("name=\"action\" value=\"\($0)\"") })
        }
        return result
    }

    @Test func eachRoleSeesOnlyItsActionsAtEachStage() async throws {
        try await withApp { app async throws in
            let desk = try await Official(app, "motcua.tinh")
            let specialist = try await Official(app, "chuyenvien.taichinh")
            let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration()).decode(DossierBody.self).code
            _ = try await Flow.giveToCitizen(code, on: app.db)
            let hidden: Set<String> = ["(không xem được)"]

            let submitted = try await Self.offered(app, code)
            #expect(submitted["motcua.tinh"] == ["receive", "refuse", "request-supplement"])
            #expect(submitted[Flow.citizenCCCD] == ["request-withdrawal"])
            #expect(submitted["chuyenvien.taichinh"] == [] && submitted["lanhdao.taichinh"] == [])
            #expect(submitted["chuyenvien.congthuong"] == hidden && submitted["motcua.viettri"] == hidden)

            _ = try await desk.act(code, "receive")
            let received = try await Self.offered(app, code)
            #expect(received["motcua.tinh"] == ["start-processing", "request-supplement", "apologize"])
            #expect(received["chuyenvien.taichinh"] == [] && received["lanhdao.taichinh"] == [])

            _ = try await desk.act(code, "start-processing")
            let appraisal = try await Self.offered(app, code)
            #expect(appraisal["motcua.tinh"] == ["apologize"])
            #expect(appraisal["chuyenvien.taichinh"] == ["request-supplement", "request-payment", "propose", "consult"])
            #expect(appraisal["lanhdao.taichinh"] == ["assign"])
            #expect(appraisal[Flow.citizenCCCD] == ["request-withdrawal"])

            _ = try await specialist.act(code, "propose", comment: "Đủ điều kiện", #""proposal": "grant""#)
            let approval = try await Self.offered(app, code)
            #expect(approval["lanhdao.taichinh"] == ["approve", "send-back"])
            #expect(approval["chuyenvien.taichinh"] == [])

            _ = try await Official(app, "lanhdao.taichinh").act(code, "approve")
            let resolved = try await Self.offered(app, code)
            #expect(resolved["motcua.tinh"] == ["return-result"])
            #expect(resolved[Flow.citizenCCCD] == [])
            #expect(resolved["motcua.viettri"] == hidden)
        }
    }
}

@Suite("National portal: the status sync through the LGSP, end to end")
struct NationalSyncThroughGatewayTests {
    /// The simulated national portal on a port of its own, as the LGSP's upstream.
    static func withPortal(_ body: (NationalPortalSimulator, String) async throws -> Void) async throws {
        let portal = NationalPortalSimulator()
        let server = try await Application.make(.testing)
        server.logger.logLevel = .warning
        try server.register(collection: portal)
        do {
            try await server.server.start(address: .hostname("127.0.0.1", port: 0))
            try await body(portal, "http://127.0.0.1:\(try #require(server.http.server.shared.localAddress?.port))")
        } catch {
            await server.server.shutdown()
            try? await server.asyncShutdown()
            throw error
        }
        await server.server.shutdown()
        try await server.asyncShutdown()
    }

    /// The portal forwards a dossier through the province's gateway to the inbound API, and the
    /// dossier's status goes back the same way.
    @Test func aDossierComesInThroughTheGatewayAndItsStatusGoesBack() async throws {
        try await Self.withPortal { portal, portalURL in
            try await withApp { app async throws in
                try await app.server.start(address: .hostname("127.0.0.1", port: 0))
                do {
                    let appURL = "http://127.0.0.1:\(try #require(app.http.server.shared.localAddress?.port))"
                    let sql = try #require(app.db as? any SQLDatabase)
                    try await sql.update("exchange_services").set("base_url", to: portalURL + "/dvcqg").where("code", .equal, "dong-bo-ho-so").run()
                    // The demo registers the inbound API as MOTCUA's service, with the integration token the gateway presents to it;
                    // here the server listens on another port than the demo's.
                    try await sql.update("exchange_services").set("base_url", to: appURL + "/api/v1/national").where("code", .equal, "tiep-nhan-ho-so").run()
                    // A loaded 2-core machine once took over the demo's 10 s to take a dossier in.
                    try await sql.update("exchange_services").set("timeout_ms", to: 60_000).run()
                    let dvcqg = try #require(try await InformationSystem.query(on: app.db).filter(\.$subsystem == Registry.nationalPortal.description).first())
                    let key = try await Registry.issueKey(for: dvcqg, at: app.clock.now(), on: app.db).key

                    let json = NationalPortalTests.forwardedDossier("G22.99-261118-000777")
                    func forward() async throws -> ClientResponse {
                        try await NationalPortalSimulator.forward(json, nationalCode: "G22.99-261118-000777", gateway: appURL, province: Registry.oneStop.description,
                                                                  client: Registry.nationalPortal.description, key: key, using: app.client)
                    }
                    struct Accepted: Decodable { var MaHoSo: String; var TrangThaiHoSo: Int }
                    let first = try await forward()
                    #expect(first.status == .created, "\(first.body.map { String(buffer: $0) } ?? "")")
                    let code = try first.content.decode(Accepted.self).MaHoSo
                    #expect(try await forward().content.decode(Accepted.self).MaHoSo == code, "forwarded twice, taken once")
                    let d = try await DossierService.find(code, on: app.db)
                    #expect(d.source == "dvcqg" && d.nationalCode == "G22.99-261118-000777")
                    let inLog = try await MessageRecord.query(on: app.db).filter(\.$messageID == "dvcqg-G22.99-261118-000777").sort(\.$seq).all()
                    #expect(inLog.map(\.status) == [201, 201] && inLog.allSatisfy { $0.client == Registry.nationalPortal.description })
                    // Without the provider's credential the inbound API refuses the gateway: the token came from the registry, not the caller.
                    try await sql.update("exchange_services").set("upstream_authorization", to: SQLLiteral.null).where("code", .equal, "tiep-nhan-ho-so").run()
                    app.exchangeDirectory.forgetEverything()
                    #expect(try await forward().status == .unauthorized)

                    try await NationalSync.runOnce(app: app, now: app.clock.now())
                    #expect(portal.received(code).map(\.TrangThaiHoSo) == [1])
                } catch {
                    await app.server.shutdown()
                    throw error
                }
                await app.server.shutdown()
            }
        }
    }

    @Test func everyStateArrivesOnceAndInOrderAcrossLostAnswersAndARestart() async throws {
        try await Self.withPortal { portal, portalURL in
            try await withRestarts { start in
                var app = try await start()
                let sql = try #require(app.db as? any SQLDatabase)
                try await sql.update("exchange_services").set("base_url", to: portalURL + "/dvcqg").where("code", .equal, "dong-bo-ho-so").run()
                let desk = try await Official(app, "motcua.tinh")
                let specialist = try await Official(app, "chuyenvien.taichinh")
                let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration()).decode(DossierBody.self).code
                func sync() async throws { try await NationalSync.runOnce(app: app, now: app.clock.now()) }

                try await sync()
                #expect(portal.received(code).map(\.TrangThaiHoSo) == [1])
                // Two changes before the next pass go in one push that carries both steps.
                #expect(try await desk.act(code, "receive").status == .ok)
                #expect(try await desk.act(code, "start-processing").status == .ok)
                try await sync()
                #expect(portal.received(code).map(\.TrangThaiHoSo) == [1, 4])
                #expect(portal.received(code).last?.steps == [1, 2, 4])

                // The portal keeps a state but its answer is lost: the retry carries the same id and is not kept twice.
                portal.loseAnswers(1)
                #expect(try await specialist.act(code, "request-supplement", comment: "Bổ sung bản sao điều lệ").status == .ok)
                try await sync()
                let pending = try await NationalSyncMessage.query(on: app.db).filter(\.$sentAt == nil).all()
                #expect(pending.count == 1 && pending.first?.attempts == 1)
                #expect(portal.received(code).map(\.TrangThaiHoSo) == [1, 4, 5])

                // The server restarts before the retry is due; the retry goes after it, once.
                try await app.asyncShutdown()
                app = try await start()
                (app.clock as? TestClock)?.advance(by: 120)
                try await sync()
                #expect(try await NationalSyncMessage.query(on: app.db).filter(\.$sentAt == nil).count() == 0)
                #expect(portal.received(code).map(\.TrangThaiHoSo) == [1, 4, 5], "the repeat was acknowledged, not kept")

                // Every exchange went through the gateway's log, as MOTCUA calling DVCQG.
                let records = try await MessageRecord.query(on: app.db).filter(\.$service == "VN/GOV/000.00.00.G22/DVCQG/dong-bo-ho-so")
                    .filter(\.$issue == code).sort(\.$seq).all()
                #expect(records.map(\.status) == [200, 200, 503, 200])
                #expect(records.map(\.messageID) == portal.received(code).map(\.messageID) + [portal.received(code)[2].messageID])
                #expect(Set(records.map(\.client)) == ["VN/GOV/000.00.00.H42/MOTCUA"])
                try await app.asyncShutdown()
            }
        }
    }
}
