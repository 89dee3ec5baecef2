import Fluent
import Foundation
import Identity
import OneStop
import Testing
import TestSupport
import Vapor
import WebUI

@Suite("Dossiers: submission, codes, lifecycle, audit")
struct DossierTests {
    struct DossierBody: Decodable, Sendable {
        var code: String; var status: Int; var statusLabel: String; var dueAt: Date?; var receivedAt: Date?
        var nextActions: [String]; var auditIntact: Bool
        struct Event: Decodable { var action: String; var toStatus: Int }
        var history: [Event]
    }
    struct Envelope: Decodable { struct Body: Decodable { var code: String; var message: String }; var error: Body }

    /// An API client acting with a demo official's roles.
    struct Official {
        let client: TestClient
        let headers: HTTPHeaders
        init(_ app: Application, _ login: String) async throws {
            client = TestClient(app)
            var h = HTTPHeaders()
            h.bearerAuthorization = BearerAuthorization(token: try await TokenFactory.token(app, scopes: "dossiers:write", login: login))
            h.contentType = .json
            headers = h
        }
        func post(_ path: String, _ json: String, extra: [(String, String)] = []) async throws -> TestClient.Result {
            var h = headers
            for (k, v) in extra { h.add(name: k, value: v) }
            return try await client.request(.POST, path, headers: h, body: ByteBuffer(string: json))
        }
        func act(_ code: String, _ action: String, comment: String = "", _ more: String = "") async throws -> TestClient.Result {
            try await post("/api/v1/dossiers/\(code)/actions/\(action)", #"{"comment": "\#(comment)"\#(more.isEmpty ? "" : ", " + more)}"#)
        }
    }

    /// A small valid PDF, base64, for the mandatory documents.
    static let pdfBase64 = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8).base64EncodedString()

    static func file(_ document: String) -> String {
        #"{"document": "\#(document)", "fileName": "tep.pdf", "content": "\#(pdfBase64)"}"#
    }

    static func businessRegistration(channel: Int = 2, representativeID: String = "025090000001") -> String {
        """
        {"channel": \(channel), "submission": {"procedure": "2.001610",
          "applicant": {"name": "Nguyễn Văn An", "identity": "025090000001", "phone": "0912345678"},
          "form": {"companyName": "Doanh nghiệp tư nhân An Phát", "hqAddress": "Phường Việt Trì, Tỉnh Phú Thọ",
                   "charterCapital": "500000000", "mainBusinessLine": "Bán lẻ", "representativeName": "Nguyễn Văn An",
                   "representativeId": "\(representativeID)"},
          "files": [\(file("Giấy đề nghị đăng ký doanh nghiệp"))]}}
        """
    }

    @Test func codesFollowTheRuleAndNeverRepeatUnderConcurrency() async throws {
        try await withApp { app async throws in
            let officer = try await Official(app, "motcua.tinh")
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        let r = try await officer.post("/api/v1/dossiers", Self.businessRegistration(channel: 1))
                        #expect(r.status == .created)
                        return try r.decode(DossierBody.self).code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(codes).count == 16)
            // H42.30-YYMMDD-NNNN, consecutive numbers with no gap (after the demo's dossiers of the day).
            #expect(codes.allSatisfy { $0.wholeMatch(of: /H42\.30-\d{6}-\d{4}/) != nil })
            let numbers = codes.map { Int($0.suffix(4))! }
            let first = try #require(numbers.min())
            #expect(Set(numbers) == Set(first..<(first + 16)))
        }
    }

    @Test func throughTheWholeLifecycleWithAnIntactAuditTrail() async throws {
        try await withApp { app async throws in
            let integrator = try await Official(app, "motcua.tinh")
            let specialist = try await Official(app, "chuyenvien.taichinh")
            let leader = try await Official(app, "lanhdao.taichinh")
            let otherDesk = try await Official(app, "motcua.viettri")

            let created = try await integrator.post("/api/v1/dossiers", Self.businessRegistration(), extra: [("Idempotency-Key", "dvcqg-123")])
            #expect(created.status == .created)
            let dossier = try created.decode(DossierBody.self)
            #expect(dossier.status == 1 && dossier.dueAt == nil)
            let again = try await integrator.post("/api/v1/dossiers", Self.businessRegistration(), extra: [("Idempotency-Key", "dvcqg-123")])
            #expect(try again.decode(DossierBody.self).code == dossier.code)
            let code = dossier.code

            // Only the receiving agency's desk receives; a commune desk may not.
            #expect(try await otherDesk.act(code, "receive").status == .forbidden)
            #expect(try await specialist.act(code, "approve").status == .conflict)  // not yet in processing
            let received = try await integrator.act(code, "receive").decode(DossierBody.self)
            #expect(received.status == 2)
            let due = try #require(received.dueAt)
            #expect(due > (received.receivedAt ?? .distantFuture))
            let twice = try await integrator.act(code, "receive")
            #expect(twice.status == .conflict)
            #expect(try twice.decode(Envelope.self).error.code == "onestop.action-not-allowed")

            #expect(try await integrator.act(code, "start-processing").decode(DossierBody.self).status == 4)
            #expect(try await specialist.act(code, "request-supplement").status == .unprocessableEntity)  // needs a reason
            let paused = try await specialist.act(code, "request-supplement", comment: "Bổ sung bản sao điều lệ").decode(DossierBody.self)
            #expect(paused.status == 5 && paused.dueAt == nil)

            // The applicant supplies the documents: the period restarts from zero.
            let citizen = try #require(try await User.query(on: app.db).filter(\.$identityNumber == "025090000001").first())
            let dossierRow = try #require(try await Dossier.query(on: app.db).filter(\.$code == code).first())
            dossierRow.applicantUserID = citizen.id
            try await dossierRow.save(on: app.db)
            (app.clock as! TestClock).advance(by: 2 * 86_400)
            let req = Request(application: app, on: app.eventLoopGroup.next())
            let viewer = Viewer(userID: try citizen.requireID(), displayName: citizen.fullName, kind: .citizen, grants: [])
            let resumed = try await DossierService.perform(.supplement, code: code, ActionInput(comment: "Đã bổ sung"), by: viewer, on: req)
            #expect(resumed.currentStatus == .processing)
            #expect(try #require(resumed.dueAt) > due)

            #expect(try await specialist.act(code, "approve").status == .forbidden)  // a leader approves
            // …once the appraisal is done: the leader's step is not open yet.
            let early = try await leader.act(code, "approve")
            #expect(early.status == .conflict)
            #expect(try early.decode(Envelope.self).error.message.contains("Thẩm định"))
            #expect(try await specialist.act(code, "propose", comment: "Đủ điều kiện").status == .unprocessableEntity)  // grant or refuse?
            #expect(try await specialist.act(code, "propose", comment: "Đủ điều kiện", #""proposal": "grant""#).decode(DossierBody.self).status == 4)
            #expect(try await leader.act(code, "approve").decode(DossierBody.self).status == 9)
            #expect(try await integrator.act(code, "return-result").status == .unprocessableEntity)  // how?
            let done = try await integrator.act(code, "return-result", comment: "", #""returnMethod": "counter""#).decode(DossierBody.self)
            #expect(done.status == 10)
            #expect(done.nextActions == ["rate"])
            #expect(done.history.map(\.action) == ["submit", "receive", "start-processing", "request-supplement", "supplement", "propose", "approve", "return-result"])
            #expect(done.auditIntact)

            // The applicant rates once, on the 3-level scale.
            let badRating = try? await DossierService.perform(.rate, code: code, ActionInput(rating: 5), by: viewer, on: req)
            #expect(badRating == nil)
            let rated = try await DossierService.perform(.rate, code: code, ActionInput(rating: 3), by: viewer, on: req)
            #expect(rated.rating == 3)
            let ratedTwice = try? await DossierService.perform(.rate, code: code, ActionInput(rating: 1), by: viewer, on: req)
            #expect(ratedTwice == nil)
            #expect(try await DossierService.find(code, on: app.db).rating == 3)

            // Rewriting history is detected.
            let event = try #require(try await DossierEvent.query(on: app.db).filter(\.$dossierID == dossierRow.requireID()).filter(\.$seq == 4).first())
            event.comment = "Không yêu cầu gì"
            try await event.save(on: app.db)
            #expect(try await DossierService.auditBreak(dossierRow, on: app.db) == 4)
        }
    }

    @Test func badSubmissionsAreRefusedWhole() async throws {
        try await withApp { app async throws in
            let officer = try await Official(app, "motcua.tinh")
            let before = try await Dossier.query(on: app.db).count()
            let badCCCD = try await officer.post("/api/v1/dossiers", Self.businessRegistration(representativeID: "123"))
            #expect(badCCCD.status == .unprocessableEntity)
            #expect(try badCCCD.decode(Envelope.self).error.message.contains("CCCD"))
            let missing = try await officer.post("/api/v1/dossiers", #"{"channel": 2, "submission": {"procedure": "2.001610", "applicant": {"name": "An", "identity": "025090000001", "phone": "0912345678"}, "form": {}}}"#)
            #expect(missing.status == .unprocessableEntity)
            #expect(try missing.decode(Envelope.self).error.message.contains("Thiếu"))
            let unknown = try await officer.post("/api/v1/dossiers", Self.businessRegistration().replacingOccurrences(of: "2.001610", with: "9.999999"))
            #expect(unknown.status == .notFound)
            let channel = try await officer.post("/api/v1/dossiers", Self.businessRegistration(channel: 7))
            #expect(channel.status == .badRequest)
            // A commune-level procedure needs the commune where it is submitted.
            let birthFiles = [Self.file("Tờ khai đăng ký khai sinh theo mẫu"), Self.file("Giấy chứng sinh (hoặc văn bản của người làm chứng/giấy cam đoan về việc sinh nếu không có Giấy chứng sinh)"), Self.file("birthCertificate")].joined(separator: ",")
            let birth = #"{"channel": 2, "submission": {"procedure": "1.001193", "applicant": {"name": "An", "identity": "025090000001", "phone": "0912345678"}, "form": {"childFullName": "Bé", "birthDate": "2026-11-01", "gender": "Nam", "ethnicity": "Kinh", "birthPlace": "Việt Trì"}, "files": [\#(birthFiles)]}}"#
            // Documents are checked: a missing mandatory one, and a file that is not what it claims.
            let noFiles = try await officer.post("/api/v1/dossiers", Self.businessRegistration().replacingOccurrences(of: #""files": ["#, with: #""files": [], "x": ["#))
            #expect(noFiles.status == .unprocessableEntity)
            #expect(try noFiles.decode(Envelope.self).error.message.contains("Thiếu giấy tờ bắt buộc “Giấy đề nghị đăng ký doanh nghiệp”"))
            let fake = try await officer.post("/api/v1/dossiers", Self.businessRegistration().replacingOccurrences(of: Self.pdfBase64, with: Data("MZ not a pdf".utf8).base64EncodedString()))
            #expect(fake.status == .unprocessableEntity)
            #expect(try fake.decode(Envelope.self).error.message.contains("PDF"))
            #expect(try await officer.post("/api/v1/dossiers", birth).status == .unprocessableEntity)
            let withCommune = birth.replacingOccurrences(of: #""form""#, with: #""agency": "H42.07900", "form""#)
            #expect(try await officer.post("/api/v1/dossiers", withCommune).status == .created)
            #expect(try await Dossier.query(on: app.db).count() == before + 1)
            // Without a token, or with a read-only one, nothing is created.
            #expect(try await TestClient(app).request(.POST, "/api/v1/dossiers", headers: ["Content-Type": "application/json"], body: ByteBuffer(string: Self.businessRegistration())).status == .unauthorized)
        }
    }

    @Test func publicLookupShowsNoPersonalData() async throws {
        try await withApp { app async throws in
            let officer = try await Official(app, "motcua.tinh")
            let code = try await officer.post("/api/v1/dossiers", Self.businessRegistration(channel: 1)).decode(DossierBody.self).code
            let anonymous = TestClient(app)
            let lookup = try await anonymous.get("/api/v1/lookup/\(code)")
            #expect(lookup.status == .ok)
            #expect(lookup.body.contains("Được tiếp nhận"))
            #expect(!lookup.body.contains("025090000001") && !lookup.body.contains("Nguyễn Văn An"))
            #expect(try await anonymous.get("/api/v1/lookup/H42.30-000000-0000").status == .notFound)
            let page = try await anonymous.get("/tra-cuu?ma=\(code)")
            #expect(page.body.contains("Đăng ký thành lập doanh nghiệp tư nhân"))
            #expect(!page.body.contains("025090000001"))
            // Full details only for the officials involved.
            #expect(try await anonymous.get("/api/v1/dossiers/\(code)").status == .unauthorized)
            let commune = try await Official(app, "motcua.viettri")
            #expect(try await commune.client.get("/api/v1/dossiers/\(code)", headers: commune.headers).status == .forbidden)
            let specialist = try await Official(app, "chuyenvien.taichinh")
            #expect(try await specialist.client.get("/api/v1/dossiers/\(code)", headers: specialist.headers).status == .ok)
        }
    }

    @Test func demoHasDossiersAtEveryStage() async throws {
        try await withApp { app async throws in
            let statuses = Set(try await Dossier.query(on: app.db).all().map(\.status))
            #expect(statuses == Set(1...10).subtracting([7]))
            for d in try await Dossier.query(on: app.db).all() {
                #expect(try await DossierService.auditBreak(d, on: app.db) == nil)
            }
        }
    }

    @Test func lifecycleTable() {
        #expect(Lifecycle.next(from: .submitted, .receive) == .received)
        #expect(Lifecycle.next(from: .received, .receive) == nil)
        #expect(Lifecycle.next(from: .supplementRequested, .supplement, resumeTo: .received) == .received)
        #expect(Lifecycle.next(from: .returned, .requestWithdrawal) == nil)
        #expect(Lifecycle.next(from: .withdrawalRequested, .stop) == .stopped)
        for status in DossierStatus.allCases where status.isFinal {
            #expect(Lifecycle.actions(in: status).allSatisfy { $0 == .rate }, "\(status) is final")
        }
        #expect(Lifecycle.actions(in: .returned) == [.rate])
        // Every non-final status has a way forward.
        for status in DossierStatus.allCases where !status.isFinal {
            #expect(!Lifecycle.actions(in: status).isEmpty, "\(status)")
        }
    }
}

@Suite("Withdrawal and stop")
struct WithdrawalTests {
    @Test func applicantWithdrawsAndTheDeskStops() async throws {
        try await withApp { app async throws in
            let citizen = TestClient(app)
            try await citizen.login("025090000001", password: "tinhso2026")
            let desk = TestClient(app)
            try await desk.login("motcua.tinh", password: "tinhso2026")
            let officer = try await DossierTests.Official(app, "motcua.tinh")
            let code = try await officer.post("/api/v1/dossiers", DossierTests.businessRegistration()).decode(DossierTests.DossierBody.self).code
            // Hand the dossier to the demo citizen, as if submitted from their account.
            let row = try #require(try await Dossier.query(on: app.db).filter(\.$code == code).first())
            row.applicantUserID = try await User.query(on: app.db).filter(\.$identityNumber == "025090000001").first()?.id
            try await row.save(on: app.db)

            #expect(try await citizen.get("/ho-so/\(code)").body.contains("value=\"request-withdrawal\""))
            #expect(try await citizen.post("/ho-so/\(code)/thao-tac", form: [("action", "request-withdrawal")]).status == .seeOther)
            let noReason = try await desk.post("/ho-so/\(code)/thao-tac", form: [("action", "stop")])
            #expect(noReason.status == .unprocessableEntity)
            #expect(try await desk.post("/ho-so/\(code)/thao-tac", form: [("action", "stop"), ("comment-stop", "Theo đơn rút hồ sơ")]).status == .seeOther)
            let notice = try await desk.get("/ho-so/\(code)/mau/05")
            #expect(notice.status == .ok)
            #expect(notice.body.contains("DỪNG GIẢI QUYẾT HỒ SƠ") && notice.body.contains("Theo đơn rút hồ sơ"))
            #expect(try await TestClient(app).get("/api/v1/lookup/\(code)").body.contains("Dừng xử lý"))
        }
    }
}

@Suite("Apology and new appointment")
struct ApologyTests {
    @Test func theDeskApologisesOnceWithALaterDate() async throws {
        try await withApp { app async throws in
            let officer = try await DossierTests.Official(app, "motcua.tinh")
            let code = try await officer.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1)).decode(DossierTests.DossierBody.self).code
            let desk = TestClient(app)
            try await desk.login("motcua.tinh", password: "tinhso2026")
            #expect(try await desk.get("/ho-so/\(code)").body.contains("value=\"apologize\""))
            let before = try #require(try await DossierService.find(code, on: app.db).dueAt)
            let early = try await desk.post("/ho-so/\(code)/thao-tac", form: [("action", "apologize"), ("comment-apologize", "Chờ xác minh"), ("newDue-apologize", "2020-01-01")])
            #expect(early.status == .unprocessableEntity)
            let ok = try await desk.post("/ho-so/\(code)/thao-tac", form: [("action", "apologize"), ("comment-apologize", "Chờ xác minh thông tin"), ("newDue-apologize", "2027-01-15")])
            #expect(ok.status == .seeOther)
            let after = try await DossierService.find(code, on: app.db)
            #expect(after.originalDueAt == before)
            #expect(try #require(after.dueAt) > before)
            let form = try await desk.get("/ho-so/\(code)/mau/04")
            #expect(form.body.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ") && form.body.contains("15/01/2027"))
            // At most once.
            let twice = try await desk.post("/ho-so/\(code)/thao-tac", form: [("action", "apologize"), ("comment-apologize", "Lần nữa"), ("newDue-apologize", "2027-02-15")])
            #expect(twice.status == .conflict)
            #expect(!(try await desk.get("/ho-so/\(code)").body.contains("value=\"apologize\"")))
        }
    }
}
