import App
import Foundation
import Kernel
import Testing
import TestSupport
import Vapor
import VaporTesting

@Suite("Application")
struct AppTests {
    @Test func healthAndReadiness() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            #expect(try await client.get("/healthz").status == .ok)
            let ready = try await client.get("/readyz")
            #expect(ready.status == .ok)
            #expect(ready.body.contains("ready"))
            let css = try await client.get("/assets/site.css")
            #expect(css.headers.contentType?.subType == "css")
        }
    }

    /// Every `/api/v1` route is in the published OpenAPI document and every documented operation exists.
    @Test func theBannerPrintsEveryDemoLoginWhole() {
        let lines = DemoProvince.banner(url: "http://127.0.0.1:8080", demoLoginsValid: true).split(separator: "\n")
        for l in DemoProvince.logins {
            #expect(lines.contains { $0.hasPrefix("  \(l.login) ") && $0.hasSuffix(l.who) }, "\(l.login)")
        }
        #expect(!DemoProvince.banner(url: "http://x", demoLoginsValid: false).contains(DemoProvince.password))
    }

    /// The command line: what starts the server (and seeds the demo), and how a failure reads.
    @Test func commandsStartTheServerOnlyWhenAskedAndFailOnce() {
        #expect(Startup.serves(["tinhso"]) && Startup.serves(["tinhso", "serve", "--port", "9000"]))
        #expect(!Startup.serves(["tinhso", "--help"]) && !Startup.serves(["tinhso", "serve", "--help"]) && !Startup.serves(["tinhso", "migrate"]))
        #expect(Startup.describe(CommandError.unknownInput("--dossiers -5")).contains("không hiểu tham số"))
    }

    @Test func openAPIMatchesTheRoutes() async throws {
        try await withApp { app async throws in
            let served = try await TestClient(app).get("/api/openapi.json")
            #expect(served.status == .ok)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(served.body.utf8)) as? [String: Any])
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, ops) in paths {
                for method in ops.keys where ["get", "put", "post", "patch", "delete"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            var routed = Set<String>()
            for route in app.routes.all {
                let parts = route.path.map { component -> String in
                    switch component {
                    case .constant(let c): c
                    case .parameter(let p): "{\(p)}"
                    case .anything: "*"
                    case .catchall: "**"
                    }
                }
                guard parts.starts(with: ["api", "v1"]) else { continue }
                routed.insert("\(route.method.rawValue) /\(parts.joined(separator: "/"))")
            }
            #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.json: \(routed.subtracting(documented).sorted())")
            #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
            #expect(routed.count >= 10)
        }
    }

    @Test func apiErrorsUseTheEnvelope() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let unknown = try await client.get("/api/v1/khong-co")
            #expect(unknown.status == .notFound)
            let envelope = try unknown.decode(ErrorEnvelope.self)
            #expect(envelope.error.code == "http.not-found")
            // With a token that may write, so the body is read and its size is what fails.
            var headers = HTTPHeaders()
            headers.contentType = .json
            headers.bearerAuthorization = BearerAuthorization(token: try await TokenFactory.token(app, scopes: "catalog:write"))
            let huge = ByteBuffer(string: "{\"x\": \"" + String(repeating: "a", count: 2_000_000) + "\"}")
            // Through a real listener: the in-memory tester hands routes an already-collected body,
            // so the size limit (checked while collecting) only shows on a live connection.
            let live = try app.testing(method: .running(hostname: "127.0.0.1", port: Int.random(in: 20_000..<60_000)))
            let response = try await live.performTest(request: TestingHTTPRequest(method: .PUT, url: URI(string: "/api/v1/procedures/1.000001"), headers: headers, body: huge))
            let tooLarge = TestClient.Result(status: response.status, headers: response.headers, body: String(buffer: response.body))
            #expect(tooLarge.status == .payloadTooLarge)
            #expect(try tooLarge.decode(ErrorEnvelope.self).error.code == "http.payload-too-large")
            let page = try await client.get("/khong-co-trang-nay")
            #expect(page.status == .notFound)
            #expect(page.body.contains("Không tìm thấy"))
            #expect(page.headers.contentType == .html)
        }
    }

    @Test func configurationIsCheckedAtStart() throws {
        let defaults = try AppConfig.load(from: [:])
        #expect(defaults.database == .sqlite(path: "data/tinhso.sqlite") || defaults.database == .sqlite(path: "./data/tinhso.sqlite"))
        #expect(defaults.port == 8080 && defaults.secureCookies == false && defaults.seedDemo)
        let pg = try AppConfig.load(from: ["DATABASE_URL": "postgres://u:p@db:5432/tinhso", "TINHSO_PUBLIC_URL": "https://dvc.phutho.gov.vn"])
        #expect(pg.database == .postgres(url: "postgres://u:p@db:5432/tinhso"))
        #expect(pg.secureCookies)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["DATABASE_URL": "mysql://x@y/z"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_PORT": "99999"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_DEMO": "maybe"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_BCRYPT_COST": "3"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_PUBLIC_URL": "ftp://x"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_UPSTREAM_CA": "/nonexistent/ca.pem"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_GATEWAY_PORT": "0"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_GATEWAY_PORT": "8080"]) }
        #expect(try AppConfig.load(from: ["TINHSO_GATEWAY_PORT": "8443"]).gatewayPort == 8443)
        #expect(try AppConfig.load(from: [:]).gatewayPort == nil)
        let dir = NSTemporaryDirectory() + "tinhso-ca-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TestCertificate.pem.write(toFile: dir + "/ca.pem", atomically: true, encoding: .utf8)
        #expect(try AppConfig.load(from: ["TINHSO_UPSTREAM_CA": dir + "/ca.pem"]).upstreamAuthorities.count == 1)
        try "hello".write(toFile: dir + "/not.pem", atomically: true, encoding: .utf8)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["TINHSO_UPSTREAM_CA": dir + "/not.pem"]) }
    }

    @Test func vietnameseFolding() {
        #expect(VietnameseText.fold("Đăng ký khai sinh") == "dang ky khai sinh")
        #expect(VietnameseText.fold("ĐẮK LẮK") == "dak lak")
        #expect(VietnameseText.searchTokens("  Hộ tịch, khai-sinh ") == ["ho", "tich", "khai", "sinh"])
        #expect(VietnameseText.searchTokens("50%_x") == ["50", "x"])
    }
}

@Suite("Vietnam time")
struct VietnamTimeTests {
    @Test func formatsInUTCPlus7() {
        let d = Date(timeIntervalSince1970: 1_770_714_000)  // 2026-02-10T09:00:00Z
        #expect(VietnamTime.iso(d) == "2026-02-10T16:00:00+07:00")
        #expect(VietnamTime.display(d) == "16:00 10/02/2026")
        #expect(VietnamTime.display(Date(timeIntervalSince1970: 1_770_742_799)) == "23:59 10/02/2026")
        #expect(VietnamTime.display(Date(timeIntervalSince1970: 1_770_742_800)) == "00:00 11/02/2026")
        #expect(VietnamTime.iso(Date(timeIntervalSince1970: -25_200)) == "1970-01-01T00:00:00+07:00")
        #expect(VietnamTime.iso(Date(timeIntervalSince1970: 951_800_400)) == "2000-02-29T12:00:00+07:00")
        #expect(VietnamTime.display(nil) == "—")
    }

    @Test func parsesDatesAndInstants() {
        #expect(VietnamTime.parse("2026-02-10T16:00:00+07:00") == Date(timeIntervalSince1970: 1_770_714_000))
        #expect(VietnamTime.parse("2026-02-10") == nil)
        #expect(VietnamTime.startOfDay("2026-02-10") == Date(timeIntervalSince1970: 1_770_656_400))
        #expect(VietnamTime.startOfDay("2026-02-31") == nil)
        #expect(VietnamTime.startOfDay("2026-13-01") == nil)
        #expect(VietnamTime.startOfDay("10/02/2026") == nil)
    }
}
