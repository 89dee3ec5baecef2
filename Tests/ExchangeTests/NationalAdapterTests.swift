@testable import Exchange
import AsyncHTTPClient
import Fluent
import Identity
import Foundation
import Kernel
import NationalSim
import Testing
import TestSupport
import Vapor

@Suite("National adapters: the one-stop prefills a citizen from the population database through the LGSP")
struct NationalAdapterTests {
    static func withSimulator(_ body: (String) async throws -> Void) async throws {
        let sim = try await Application.make(.testing)
        sim.logger.logLevel = .warning
        try sim.register(collection: NationalSimulator())
        do {
            try await sim.server.start(address: .hostname("127.0.0.1", port: 0))
            try await body("http://127.0.0.1:\(try #require(sim.http.server.shared.localAddress?.port))")
        } catch {
            await sim.server.shutdown()
            try? await sim.asyncShutdown()
            throw error
        }
        await sim.server.shutdown()
        try await sim.asyncShutdown()
    }

    @Test func theSubmissionFormIsFilledFromThePopulationDatabase() async throws {
        try await Self.withSimulator { simulator in
            try await withApp { app async throws in
                // The demo registers the simulator at this server's own address; here it runs apart.
                for s in try await ExchangeService.query(on: app.db).all() {
                    s.baseURL = simulator + (URL(string: s.baseURL)?.path.replacingOccurrences(of: "/mo-phong/quoc-gia", with: "") ?? "")
                    s.timeoutMilliseconds = 30_000  // the suite runs in parallel on 2 cores
                    try await s.save(on: app.db)
                }
                // The account's name differs from the register's, so only the lookup can put the register's in the form.
                let account = try #require(try await User.query(on: app.db).filter(\.$identityNumber == "025090000001").first())
                account.fullName = "Tên Trong Tài Khoản"
                try await account.save(on: app.db)
                let citizen = TestClient(app)
                try await citizen.login("025090000001", password: "tinhso2026")
                let form = try await citizen.get("/thu-tuc/1.012694/nop")
                #expect(form.status == .ok)
                #expect(form.body.contains("Thông tin người nộp được lấy từ Cơ sở dữ liệu quốc gia về dân cư"))
                #expect(form.body.contains(#"name="applicantName" type="text" value="Nguyễn Văn An""#))
                let record = try #require(try await MessageRecord.query(on: app.db).sort(\.$seq, .descending).first())
                #expect(record.client == "VN/GOV/000.00.00.H42/MOTCUA" && record.service == "VN/GOV/000.00.00.G12/DANCU/cong-dan")
                #expect(record.path == "/cong-dan/025090000001" && record.userID == "VN025090000001" && record.status == 200)
                #expect(form.body.contains(record.messageID))

                // A business form: the enterprise from the business register, the applicant as its representative.
                let business = try await citizen.get("/thu-tuc/2.002020/nop?ma-so-doanh-nghiep=2600123456")
                #expect(business.body.contains("Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp") && business.body.contains(#"name="ma-so-doanh-nghiep""#))
                #expect(business.body.contains(#"name="f_orgTaxCode" type="text" value="2600123456""#))
                #expect(business.body.contains(#"name="f_orgName" type="text" value="Công ty"#))
                #expect(business.body.contains(#"name="f_representativeName" type="text" value="Nguyễn Văn An""#))
                let looked = try #require(try await MessageRecord.query(on: app.db).sort(\.$seq, .descending).first())
                #expect(looked.service == "VN/GOV/000.00.00.G09/DKKD/doanh-nghiep" && looked.path == "/doanh-nghiep/2600123456" && looked.status == 200)
                let before = try await MessageRecord.query(on: app.db).count()
                let malformed = try await citizen.get("/thu-tuc/2.002020/nop?ma-so-doanh-nghiep=12ab")
                #expect(malformed.status == .ok && malformed.body.contains("gồm 10 chữ số"))
                let after = try await MessageRecord.query(on: app.db).sort(\.$seq, .descending).all()
                #expect(after.count == before + 1 && after[0].service.hasSuffix("/cong-dan"), "only the citizen is looked up, not a malformed code")

                // A suspended connection: the form still opens, from the account, and says why.
                let population = try #require(try await InformationSystem.query(on: app.db).filter(\.$code == "CSDLQGDC").first())
                population.status = .suspended
                try await population.save(on: app.db)
                app.exchangeDirectory.forgetEverything()
                let fallback = try await citizen.get("/thu-tuc/1.012694/nop")
                #expect(fallback.status == .ok && fallback.body.contains("Chưa tra cứu được Cơ sở dữ liệu quốc gia về dân cư"))
                #expect(fallback.body.contains(#"name="applicantName" type="text" value="Tên Trong Tài Khoản""#))
                let refused = try #require(try await MessageRecord.query(on: app.db).sort(\.$seq, .descending).first())
                #expect(refused.errorType == "Server.ServerProxy.ServiceUnavailable" && refused.status == 503)

                // A deployment whose LGSP has no population database: the form is filled from the account, and nothing is called.
                let services = try await ExchangeService.query(on: app.db).filter(\.$system.$id == population.requireID()).all()
                for s in services { try await AccessRight.query(on: app.db).filter(\.$service.$id == s.requireID()).delete(); try await s.delete(on: app.db) }
                app.exchangeDirectory.forgetEverything()
                let logged = try await MessageRecord.query(on: app.db).count()
                let unconnected = try await citizen.get("/thu-tuc/1.012694/nop")
                #expect(unconnected.status == .ok && !unconnected.body.contains("Cơ sở dữ liệu quốc gia về dân cư"))
                #expect(unconnected.body.contains(#"name="applicantName" type="text" value="Tên Trong Tài Khoản""#))
                #expect(try await MessageRecord.query(on: app.db).count() == logged)
            }
        }
    }

    @Test func theSimulatorAnswersLikeTheNationalSystems() async throws {
        guard case .success(let a) = NationalSimulator.citizen("001195012345"), case .success(let b) = NationalSimulator.citizen("001195012345") else {
            Issue.record("a valid number is a person"); return
        }
        #expect(a == b && a.GioiTinh == "Nữ" && a.NgaySinh.hasPrefix("1995-") && a.QueQuan == "Hà Nội")
        #expect((try? NationalSimulator.citizen("025090000001").get())?.HoVaTen == "Nguyễn Văn An")
        guard case .failure(let bad) = NationalSimulator.citizen("12345"), case .failure(let unknown) = NationalSimulator.citizen("999095012345") else {
            Issue.record("bad and unknown numbers are refused"); return
        }
        #expect(bad.status == .badRequest && unknown.status == .notFound)
        try await Self.withSimulator { base in
            let client = HTTPClient.shared
            for (path, status, text) in [("/dang-ky-kinh-doanh/doanh-nghiep/2600123456", 200, "MaSoDoanhNghiep"), ("/dang-ky-kinh-doanh/doanh-nghiep/12", 400, "10 chữ số"),
                                         ("/ho-tich/khai-sinh/025090000001", 200, "HoTenMe"), ("/ly-lich-tu-phap/025090000001", 200, "TinhTrangAnTich"),
                                         ("/dan-cu/cong-dan/999095012345", 404, "Không tìm thấy")] {
                let response = try await client.execute(HTTPClientRequest(url: base + path), timeout: .seconds(30))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                #expect(Int(response.status.code) == status && body.contains(text), "\(path): \(response.status) \(body)")
            }
        }
    }
}
