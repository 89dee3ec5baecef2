import Fluent
import Foundation
@testable import Identity
import Kernel
import Testing
import TestSupport
import Vapor

@Suite("Registration, sessions and tokens")
struct SessionTests {
    static func registration(_ cccd: String, password: String = "matkhau123") -> [(String, String)] {
        [("fullName", "Đỗ Thị Hoa"), ("identityNumber", cccd), ("phone", "0987654321"), ("email", "hoa@example.vn"),
         ("password", password), ("passwordConfirm", password)]
    }

    @Test func citizenRegistersAndSignsIn() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let r = try await client.post("/dang-ky", form: Self.registration("025195001234"))
            #expect(r.status == .seeOther)
            #expect(r.location == "/tai-khoan")
            let account = try await client.get("/tai-khoan")
            #expect(account.body.contains("Đỗ Thị Hoa"))
            #expect(account.body.contains("Công dân"))
            let user = try #require(try await User.query(on: app.db).filter(\.$identityNumber == "025195001234").first())
            #expect(user.kind == .citizen && user.phone == "0987654321")
            try await client.post("/dang-xuat", form: [])
            #expect(try await client.get("/tai-khoan").status == .seeOther)
            let again = TestClient(app)
            #expect(try await again.login("025195001234", password: "matkhau123").location == "/tai-khoan")
        }
    }

    @Test func businessRegistersWithTaxCode() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            var form = Self.registration("0101248141")
            form[0] = ("fullName", "Công ty Cổ phần Thử nghiệm")
            #expect(try await client.post("/dang-ky", form: form).status == .seeOther)
            #expect(try await User.query(on: app.db).filter(\.$identityNumber == "0101248141").first()?.kind == .business)
        }
    }

    @Test func badRegistrationsAreRefusedWithMessages() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let before = try await User.query(on: app.db).count()
            let bad = try await client.post("/dang-ky", form: Self.registration("123"))
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("role=\"alert\""))
            #expect(bad.body.contains("12 chữ số"))
            let weak = try await client.post("/dang-ky", form: Self.registration("025195001234", password: "short"))
            #expect(weak.body.contains("ít nhất 8 ký tự"))
            let badTax = try await client.post("/dang-ky", form: Self.registration("0100112438"))
            #expect(badTax.body.contains("chữ số kiểm tra"))
            #expect(try await User.query(on: app.db).count() == before)
            // The demo citizen already exists.
            let duplicate = try await client.post("/dang-ky", form: Self.registration("025090000001"))
            #expect(duplicate.status == .conflict)
            #expect(duplicate.body.contains("đã được đăng ký"))
            #expect(try await User.query(on: app.db).count() == before)
        }
    }

    @Test func formsWithoutTheCSRFTokenAreRejected() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let r = try await client.post("/dang-nhap", form: [("login", "admin"), ("password", "tinhso2026")], csrf: false)
            #expect(r.status == .forbidden)
            #expect(r.body.contains("Biểu mẫu đã hết hạn"))
            try await client.get("/")
            client.setCookie("tinhso_csrf", String(repeating: "x", count: 43))
            let forged = try await client.request(.POST, "/dang-nhap", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "login=admin&password=tinhso2026&_csrf=other"))
            #expect(forged.status == .forbidden)
        }
    }

    @Test func wrongPasswordsAreThrottled() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            for _ in 0..<5 {
                let r = try await client.login("admin", password: "sai-mat-khau1")
                #expect(r.status == .unauthorized)
                #expect(r.body.contains("không đúng"))
            }
            let blocked = try await client.login("admin", password: "tinhso2026")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.body.contains("thử lại sau 15 phút"))
            (app.clock as! TestClock).advance(by: 16 * 60)
            #expect(try await client.login("admin", password: "tinhso2026").status == .seeOther)
        }
    }

    @Test func sessionsExpireAndCanBeEndedEverywhere() async throws {
        try await withApp { app async throws in
            let phone = TestClient(app), laptop = TestClient(app)
            try await phone.login("motcua.tinh", password: "tinhso2026")
            try await laptop.login("motcua.tinh", password: "tinhso2026")
            #expect(try await phone.get("/can-bo").status == .ok)
            try await laptop.post("/tai-khoan/dang-xuat-tat-ca", form: [])
            let afterLogout = try await phone.get("/can-bo")
            #expect(afterLogout.status == .seeOther)
            #expect(afterLogout.location?.contains("/dang-nhap") == true)

            try await phone.login("motcua.tinh", password: "tinhso2026")
            (app.clock as! TestClock).advance(by: 3 * 3600)  // past the idle timeout
            let expired = try await phone.get("/can-bo")
            #expect(expired.location?.contains("expired=1") == true)
            let login = try await phone.get(try #require(expired.location))
            #expect(login.body.contains("Phiên đăng nhập đã hết hạn"))
        }
    }

    @Test func changingThePasswordEndsOtherSessions() async throws {
        try await withApp { app async throws in
            let a = TestClient(app), b = TestClient(app)
            try await a.login("chuyenvien.taichinh", password: "tinhso2026")
            try await b.login("chuyenvien.taichinh", password: "tinhso2026")
            let wrong = try await a.post("/tai-khoan/mat-khau", form: [("current", "nope"), ("new", "moi12345678"), ("confirm", "moi12345678")])
            #expect(wrong.body.contains("Mật khẩu hiện tại không đúng"))
            let ok = try await a.post("/tai-khoan/mat-khau", form: [("current", "tinhso2026"), ("new", "moi12345678"), ("confirm", "moi12345678")])
            #expect(ok.status == .seeOther)
            #expect(try await a.get("/can-bo").status == .ok)
            #expect(try await b.get("/can-bo").status == .seeOther)
            #expect(try await TestClient(app).login("chuyenvien.taichinh", password: "moi12345678").status == .seeOther)
        }
    }

    @Test func officialsAndRolesAreAdministered() async throws {
        try await withApp { app async throws in
            let admin = TestClient(app)
            try await admin.login("admin", password: "tinhso2026")
            let created = try await admin.post("/quan-tri/nguoi-dung", form: [
                ("username", "vanthu.tinh"), ("fullName", "Ngô Văn Phúc"), ("password", "vanthu2026"),
                ("role", "clerk"), ("agencyCode", "H42"),
            ])
            #expect(created.status == .seeOther)
            #expect(try await User.query(on: app.db).filter(\.$username == "vanthu.tinh").first()?.kind == .official)
            let page = try await admin.get(try #require(created.location))
            #expect(page.body.contains("Văn thư"))
            let grant = try await admin.post(try #require(created.location), form: [("action", "grant"), ("role", "leader"), ("agencyCode", "H42.07900")])
            #expect(grant.status == .seeOther)
            let official = TestClient(app)
            try await official.login("vanthu.tinh", password: "vanthu2026")
            let home = try await official.get("/can-bo")
            #expect(home.body.contains("Văn thư") && home.body.contains("Lãnh đạo"))
            let noAgency = try await admin.post("/quan-tri/nguoi-dung", form: [
                ("username", "khac"), ("fullName", "Người Khác"), ("password", "khac20261"), ("role", "specialist"), ("agencyCode", ""),
            ])
            #expect(noAgency.body.contains("cần mã cơ quan"))
            // Locking signs the user out everywhere.
            try await admin.post(try #require(created.location), form: [("action", "lock")])
            #expect(try await official.get("/can-bo").status == .seeOther)
            #expect(try await TestClient(app).login("vanthu.tinh", password: "vanthu2026").status == .forbidden)
        }
    }

    @Test func apiTokensAuthenticateAndCanBeRevoked() async throws {
        try await withApp { app async throws in
            let token = try await TokenFactory.token(app, scopes: "catalog:write")
            let client = TestClient(app)
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: token)
            let me = try await client.get("/api/v1/me", headers: headers)
            #expect(me.status == .ok)
            #expect(me.body.contains("catalog:write"))
            #expect(try await client.get("/api/v1/me").status == .unauthorized)
            var bad = HTTPHeaders()
            bad.bearerAuthorization = BearerAuthorization(token: "tsk_khong-hop-le")
            let invalid = try await client.get("/api/v1/fields", headers: bad)
            #expect(invalid.status == .unauthorized)
            #expect(invalid.body.contains("\"identity.invalid-token\""))

            let admin = TestClient(app)
            try await admin.login("admin", password: "tinhso2026")
            let page = try await admin.get("/tai-khoan/api-token")
            // The page lists the admin's tokens (the demo's integration token too): revoke the one made here.
            let marker = "/tai-khoan/api-token/thu-hoi/"
            let stored = try #require(try await APIToken.query(on: app.db).filter(\.$tokenHash == SecureToken.hash(token)).first())
            let id = try stored.requireID().uuidString
            #expect(page.body.contains(marker + id))
            #expect(try await admin.post(marker + id, form: []).status == .seeOther)
            #expect(try await client.get("/api/v1/me", headers: headers).status == .unauthorized)
        }
    }
}
