import Fluent
import Identity
import Foundation
import OneStop
import Testing
import TestSupport
import Vapor

@Suite("Dossier pages: a citizen submits, the desk receives")
struct DossierPageTests {
    @Test func citizenSubmitsOnlineAndTheDeskReceives() async throws {
        try await withApp { app async throws in
            let citizen = TestClient(app)
            try await citizen.login("025090000001", password: "tinhso2026")
            let form = try await citizen.get("/thu-tuc/2.001610/nop")
            #expect(form.status == .ok)
            #expect(form.body.contains("Nguyễn Văn An"))  // prefilled from the account
            let fields: [(String, String)] = [
                ("applicantName", "Nguyễn Văn An"), ("applicantIdentity", "025090000001"), ("applicantPhone", "0912345678"),
                ("f_companyName", "DNTN An Phát"), ("f_hqAddress", "Phường Việt Trì"), ("f_charterCapital", "500000000"),
                ("f_mainBusinessLine", "Bán lẻ"), ("f_representativeName", "Nguyễn Văn An"),
            ]
            let missing = try await citizen.post("/thu-tuc/2.001610/nop", form: fields)
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.contains("role=\"alert\"") && missing.body.contains("Thiếu"))
            // The mandatory document comes from the citizen's Kho, so it is not submitted again.
            let owner = try #require(try await User.query(on: app.db).filter(\.$identityNumber == "025090000001").first()?.id)
            let kept = try await PersonalStore.upload(owner: owner, name: "Giấy đề nghị đã ký", data: AttachmentTests.pdf, fileName: "de-nghi.pdf",
                                                      on: Request(application: app, on: app.eventLoopGroup.next()))
            #expect(try await citizen.get("/thu-tuc/2.001610/nop").body.contains("Giấy đề nghị đã ký (de-nghi.pdf)"))
            let noDocument = try await citizen.post("/thu-tuc/2.001610/nop", form: fields + [("f_representativeId", "025090000001")])
            #expect(noDocument.status == .unprocessableEntity && noDocument.body.contains("Thiếu giấy tờ bắt buộc"))
            let created = try await citizen.post("/thu-tuc/2.001610/nop", form: fields + [("f_representativeId", "025090000001"), ("kho_0", kept.requireID().uuidString)])
            #expect(created.status == .seeOther)
            let location = try #require(created.location)
            let code = String(try #require(location.split(separator: "/").last?.split(separator: "?").first))
            let page = try await citizen.get(location)
            #expect(page.body.contains("Đã nộp hồ sơ. Mã hồ sơ: \(code)"))
            #expect(page.body.contains("Mới đăng ký"))
            #expect(page.body.contains("lấy từ Kho"))
            #expect(try await citizen.get("/ho-so-cua-toi").body.contains(code))

            let desk = TestClient(app)
            try await desk.login("motcua.tinh", password: "tinhso2026")
            let queue = try await desk.get("/can-bo/ho-so?hang=cho-tiep-nhan")
            #expect(queue.body.contains(code))
            let found = try await desk.get("/can-bo/ho-so?q=\(code.suffix(11))")
            let link = "href=\"/ho-so/\(code)\""
            #expect(found.body.contains(link))
            #expect(try await desk.get("/can-bo/ho-so?q=025090000001").body.contains(link))
            #expect(!(try await desk.get("/can-bo/ho-so?q=999999999999").body.contains(link)))
            let detail = try await desk.get("/ho-so/\(code)")
            #expect(detail.body.contains("value=\"receive\""))
            #expect(try await desk.post("/ho-so/\(code)/thao-tac", form: [("action", "receive")]).status == .seeOther)
            let slip = try await desk.get("/ho-so/\(code)/mau/01")
            #expect(slip.status == .ok)
            #expect(slip.body.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"))
            #expect(slip.body.contains("/tra-cuu?ma=\(code)"))
            #expect(slip.body.contains("<svg") && slip.body.contains("Mã QR tra cứu hồ sơ"))
            #expect(try await citizen.get("/ho-so/\(code)").body.contains("Được tiếp nhận"))
            #expect(try await desk.get("/ho-so/\(code)/mau/03").status == .conflict)  // never refused
            #expect(try await desk.get("/ho-so/\(code)/mau/09").status == .notFound)
            let register = try await desk.get("/can-bo/so-theo-doi.csv")
            #expect(register.headers.contentType?.subType == "csv")
            #expect(register.body.contains(code) && register.body.contains("Mã hồ sơ"))
            #expect(try await desk.get("/can-bo/so-theo-doi.csv?from=2026-13-01").status == .badRequest)

            // Another citizen and a commune desk see nothing of it.
            let stranger = TestClient(app)
            #expect(try await stranger.post("/dang-ky", form: [("fullName", "Trần Văn Khác"), ("identityNumber", "025188001234"), ("phone", "0911111111"), ("email", ""), ("password", "khac12345"), ("passwordConfirm", "khac12345")]).status == .seeOther)
            #expect(try await stranger.get("/ho-so/\(code)").status == .forbidden)
            let commune = TestClient(app)
            try await commune.login("motcua.viettri", password: "tinhso2026")
            #expect(try await commune.get("/ho-so/\(code)").status == .forbidden)
            #expect(!(try await commune.get("/can-bo/ho-so?hang=dang-xu-ly").body.contains(code)))
            #expect(!(try await commune.get("/can-bo/ho-so?q=\(code)").body.contains("href=\"/ho-so/\(code)\"")))
        }
    }
}
