@testable import Exchange
import Fluent
import Foundation
import Kernel
import Testing
import TestSupport
import Vapor

@Suite("Exchange registry pages: systems, services, rights and keys")
struct RegistryPagesTests {
    @Test func anAdministratorConnectsTwoSystems() async throws {
        try await withApp { app async throws in
            let officer = TestClient(app)
            try await officer.login("motcua.tinh", password: "tinhso2026")
            #expect(try await officer.get("/quan-tri/lgsp").status == .forbidden)

            let admin = TestClient(app)
            #expect(try await admin.login("admin", password: "tinhso2026").status == .seeOther)
            func system(_ code: String, _ subsystem: String, status: String) -> [(String, String)] {
                [("code", code), ("name", "Hệ thống \(code)"), ("ownerAgency", "H42.01"), ("subsystem", subsystem), ("securityLevel", "3"),
                 ("levelApproval", "approved"), ("status", status), ("operatorContact", "Trung tâm CĐS, 0210 3840 000")]
            }
            let bad = try await admin.post("/quan-tri/lgsp", form: system("X", "VN/GOV/có dấu/Y", status: "official")
                .map { $0.0 == "securityLevel" ? ($0.0, "7") : $0.0 == "ownerAgency" ? ($0.0, "H99.99") : $0 })
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("Định danh phải có dạng") && bad.body.contains("Cấp độ an toàn từ 1 đến 5") && bad.body.contains("Không có cơ quan mã “H99.99”"))
            #expect(try await admin.post("/quan-tri/lgsp", form: system("KTXH", "VN-test/GOV/000.00.00.H42/KTXH", status: "official")).status == .seeOther)
            #expect(try await admin.post("/quan-tri/lgsp", form: system("TNMT", "VN-test/GOV/000.00.00.H42/TNMT", status: "trial")).status == .seeOther)
            #expect(try await admin.post("/quan-tri/lgsp", form: system("TNMT", "VN-test/GOV/000.00.00.H42/KHAC", status: "trial")).status == .badRequest)

            let badService = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [("action", "service"), ("serviceCode", "cong dan"), ("baseURL", "ftp://x")])
            #expect(badService.status == .badRequest && badService.body.contains("http://"))
            let service = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [
                ("action", "service"), ("serviceCode", "cong-dan"), ("version", "v1"), ("baseURL", "http://127.0.0.1:9/dan-cu"),
                ("classification", "restricted"), ("timeout", "3000"),
            ])
            #expect(service.status == .ok && service.body.contains("/r1/VN-test/GOV/000.00.00.H42/KTXH/cong-dan"))
            let grant = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [
                ("action", "grant"), ("consumer", "TNMT"), ("serviceCode", "cong-dan"), ("method", "get"), ("path", "/cong-dan/*"),
            ])
            #expect(grant.status == .ok && grant.body.contains("Đã cấp quyền cho TNMT"))
            let tnmt = try #require(try await InformationSystem.query(on: app.db).filter(\.$code == "TNMT").first())
            let right = try #require(try await AccessRight.query(on: app.db).filter(\.$consumer.$id == tnmt.requireID()).first())
            #expect(right.method == "GET" && right.path == "/cong-dan/*")
            #expect(grant.body.contains(#"name="right" value="\#(try right.requireID())""#), "each right has its withdraw button")
            let twice = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [
                ("action", "grant"), ("consumer", "TNMT"), ("serviceCode", "cong-dan"), ("method", "GET"), ("path", "/cong-dan/*"),
            ])
            #expect(twice.status == .badRequest && twice.body.contains("đã có đúng quyền này"))
            let withdrawn = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [("action", "withdraw"), ("right", try right.requireID().uuidString)])
            #expect(withdrawn.status == .ok && withdrawn.body.contains("Đã thu hồi quyền gọi"))
            #expect(try await AccessRight.query(on: app.db).filter(\.$consumer.$id == tnmt.requireID()).count() == 0)
            // The upstream moves: its address changes, checked like a new one; then the service is removed.
            let ktxh = try #require(try await InformationSystem.query(on: app.db).filter(\.$code == "KTXH").first())
            let citizens = try #require(try await ExchangeService.query(on: app.db).filter(\.$system.$id == ktxh.requireID()).filter(\.$code == "cong-dan").first())
            let badMove = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [("action", "move-service"), ("service", try citizens.requireID().uuidString),
                                                                                      ("baseURL", "http://127.0.0.1:9/x?y=1"), ("timeout", "5000")])
            #expect(badMove.status == .badRequest && badMove.body.contains("truy-vấn"))
            let moved = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [("action", "move-service"), ("service", try citizens.requireID().uuidString),
                                                                                   ("baseURL", "http://127.0.0.1:10/dan-cu"), ("timeout", "3000")])
            #expect(moved.status == .ok && moved.body.contains("Đã lưu dịch vụ cong-dan"))
            let movedService = try #require(try await ExchangeService.find(citizens.requireID(), on: app.db))
            #expect(movedService.baseURL == "http://127.0.0.1:10/dan-cu" && movedService.timeoutMilliseconds == 3000)
            _ = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [("action", "service"), ("serviceCode", "tam"), ("baseURL", "http://127.0.0.1:9/tam")])
            _ = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [("action", "grant"), ("consumer", "TNMT"), ("serviceCode", "tam")])
            let temporary = try #require(try await ExchangeService.query(on: app.db).filter(\.$code == "tam").first())
            let removed = try await admin.post("/quan-tri/lgsp/he-thong/KTXH", form: [("action", "remove-service"), ("service", try temporary.requireID().uuidString)])
            #expect(removed.status == .ok && removed.body.contains("Đã gỡ dịch vụ tam"))
            #expect(try await ExchangeService.find(temporary.requireID(), on: app.db) == nil)
            #expect(try await AccessRight.query(on: app.db).filter(\.$service.$id == temporary.requireID()).count() == 0)

            // A key is shown once, stored as its hash, and can be revoked.
            let issued = try await admin.post("/quan-tri/lgsp/he-thong/TNMT", form: [("action", "key")])
            let key = try #require(issued.body.range(of: #"lgsp_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(issued.body[$0]) })
            let stored = try #require(try await ExchangeCredential.query(on: app.db).filter(\.$system.$id == tnmt.requireID()).first())
            #expect(stored.keyHash == SecureToken.hash(key) && stored.revokedAt == nil)
            #expect(issued.body.contains("<code>\(stored.id!.uuidString)</code>"), "the OAuth client_id is shown with the key")
            #expect(try await admin.get("/quan-tri/lgsp/he-thong/TNMT").body.contains(key) == false)
            let revoked = try await admin.post("/quan-tri/lgsp/he-thong/TNMT", form: [("action", "revoke"), ("key", stored.id!.uuidString)])
            #expect(revoked.status == .ok && revoked.body.contains("Đã thu hồi"))
            #expect(try await ExchangeCredential.find(stored.id, on: app.db)?.revokedAt != nil)

            // Rotation: a new key at once, the old one for 24 more hours beside it, then not.
            let current = try await Registry.issueKey(for: tnmt, at: app.clock.now(), on: app.db)
            let rotated = try await admin.post("/quan-tri/lgsp/he-thong/TNMT", form: [("action", "rotate"), ("key", current.id.uuidString)])
            // The whole new key (the flash names the old one by its first characters).
            let replacement = try #require(rotated.body.range(of: #"lgsp_[A-Za-z0-9_-]{20,}"#, options: .regularExpression).map { String(rotated.body[$0]) })
            #expect(rotated.status == .ok && replacement != current.key && rotated.body.contains("Dùng đến"))
            let directory = app.exchangeDirectory
            func works(_ k: String) async throws -> Bool {
                directory.forgetEverything()
                return try await directory.credential(hash: SecureToken.hash(k), now: app.clock.now(), on: app.db) != nil
            }
            #expect(try await works(current.key))
            #expect(try await works(replacement))
            let clock = try #require(app.clock as? TestClock)
            clock.advance(by: Registry.rotationGrace + 1)
            #expect(try await works(current.key) == false)
            #expect(try await works(replacement))
            clock.advance(by: -(Registry.rotationGrace + 1))  // the admin's session goes on

            // Limits: a bad number is refused in Vietnamese; an empty field means no limit.
            let badLimit = try await admin.post("/quan-tri/lgsp/he-thong/TNMT", form: [("action", "limits"), ("ratePerSecond", "-3"), ("dailyQuota", "")])
            #expect(badLimit.status == .badRequest && badLimit.body.contains("Giới hạn mỗi giây là số nguyên dương"))
            #expect(try await admin.post("/quan-tri/lgsp/he-thong/TNMT", form: [("action", "limits"), ("ratePerSecond", "50"), ("dailyQuota", "")]).status == .ok)
            let limited = try #require(try await InformationSystem.find(tnmt.id, on: app.db))
            #expect(limited.ratePerSecond == 50 && limited.dailyQuota == nil)

            // "Connected N of M", as the provinces report it: the demo's seven systems and these two.
            let official = try await InformationSystem.query(on: app.db).filter(\.$status == .official).count()
            let all = try await InformationSystem.query(on: app.db).count()
            let overview = try await admin.get("/quan-tri/lgsp")
            #expect(overview.status == .ok && overview.body.contains("<strong>\(official)/\(all)</strong>") && overview.body.contains("<svg"))
            #expect(official == 4 && all == 9)
            // The same figures in the API, public, without contacts, upstream addresses or keys.
            struct List: Decodable { var counts: [String: Int]; var total: Int; var systems: [S]; struct S: Decodable { var code: String; var services: [String] } }
            let api = try await TestClient(app).get("/api/v1/exchange/systems")
            let list = try api.decode(List.self)
            #expect(api.status == .ok && list.counts["official"] == 4 && list.total == 9)
            #expect(list.systems.first { $0.code == "KTXH" }?.services == ["cong-dan"])
            #expect(!api.body.contains("127.0.0.1") && !api.body.contains("0210 3840 000") && !api.body.contains("lgsp_"))
            #expect(try await admin.get("/quan-tri/lgsp/nhat-ky?kiem-tra=1").body.contains("Nhật ký nguyên vẹn: 0 bản ghi"))
            #expect(try await admin.get("/quan-tri/lgsp/he-thong/KHONGCO").status == .notFound)
        }
    }
}
