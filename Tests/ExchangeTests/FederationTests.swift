@testable import Exchange
import Fluent
import Foundation
import Kernel
import Testing
import TestSupport
import Vapor

@Suite("Exchange federation: two platforms call each other's services through their gateways")
struct FederationTests {
    /// Serves both platforms on loopback ports, for each other's gateways to call, while `body` runs.
    static func serving(_ a: Application, _ b: Application, _ body: (String, String) async throws -> Void) async throws {
        func listen(_ app: Application) async throws -> String {
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            return "http://127.0.0.1:\(try #require(app.http.server.shared.localAddress?.port))"
        }
        do {
            try await body(try await listen(a), try await listen(b))
        } catch {
            await a.server.shutdown()
            await b.server.shutdown()
            throw error
        }
        await a.server.shutdown()
        await b.server.shutdown()
    }

    struct Comparable: Equatable {
        var client, service, path, method, userID, issue, requestHash, responseHash: String
        var status: Int
        init(_ r: MessageRecord) {
            (client, service, path, method, userID, issue, requestHash, responseHash, status) =
                (r.client, r.service, r.path, r.method, r.userID, r.issue, r.requestHash, r.responseHash, r.status)
        }
    }

    @Test func aProvinceAndAHubCallEachOtherAndBothLogsAgree() async throws {
        try await GatewayTests.withUpstream { upstream in
            try await withApp { province async throws in
                try await withApp { hub async throws in
                    // Each platform its own key (the test apps share a data directory).
                    hub.platformKey = PlatformKey(privateKey: Curve25519.Signing.PrivateKey())
                    let (provinceKey, hubKey) = (try #require(province.platformKey), try #require(hub.platformKey))
                    try await Self.serving(province, hub) { provinceURL, hubURL in
                        let oneStopID = "VN-test/GOV/000.00.00.H42/MOTCUA", populationID = "VN-HUB/GOV/000.00.00.G12/DANCU"
                        let portalID = "VN-HUB/GOV/000.00.00.G12/DVCQG"
                        // The hub: the population database, the national portal (a caller), and the province's one-stop as a consumer.
                        let population = try await GatewayTests.system("H-DANCU", populationID, on: hub.db)
                        let portal = try await GatewayTests.system("H-DVCQG", portalID, on: hub.db)
                        let provinceAtHub = try await GatewayTests.system("H-TINH-MOTCUA", oneStopID, on: hub.db)
                        let citizens = try await GatewayTests.service("cong-dan", of: population, baseURL: upstream, on: hub.db)
                        try await GatewayTests.grant(provinceAtHub, citizens, method: "GET", on: hub.db)
                        let dossiersAtHub = try await GatewayTests.service("ho-so", of: provinceAtHub,
                                                                           baseURL: "\(provinceURL)/r1/\(oneStopID)/ho-so", viaPeer: true, on: hub.db)
                        try await GatewayTests.grant(portal, dossiersAtHub, on: hub.db)
                        let portalKey = try await Registry.issueKey(for: portal, at: hub.clock.now(), on: hub.db).key
                        // The province: its one-stop (a caller and a provider), and the hub's systems.
                        let oneStop = try await GatewayTests.system("T-MOTCUA", oneStopID, on: province.db)
                        let populationAtProvince = try await GatewayTests.system("T-HUB-DANCU", populationID, on: province.db)
                        let portalAtProvince = try await GatewayTests.system("T-HUB-DVCQG", portalID, on: province.db)
                        let citizensAtProvince = try await GatewayTests.service("cong-dan", of: populationAtProvince,
                                                                                baseURL: "\(hubURL)/r1/\(populationID)/cong-dan", viaPeer: true, on: province.db)
                        try await GatewayTests.grant(oneStop, citizensAtProvince, on: province.db)
                        let dossiers = try await GatewayTests.service("ho-so", of: oneStop, baseURL: upstream, on: province.db)
                        try await GatewayTests.grant(portalAtProvince, dossiers, method: "GET", on: province.db)
                        let oneStopKey = try await Registry.issueKey(for: oneStop, at: province.clock.now(), on: province.db).key

                        // The mutual trust list, each from the other's published key.
                        struct JWKSet: Decodable { var keys: [[String: String]] }
                        let hubJWK = try await TestClient(hub).get("/api/v1/exchange/keys").decode(JWKSet.self).keys[0]
                        let provinceJWK = try await TestClient(province).get("/api/v1/exchange/keys").decode(JWKSet.self).keys[0]
                        #expect(try await Registry.trust(name: "Tỉnh thử", instance: "VN-test", publicKey: provinceJWK["x"] ?? "", at: hub.clock.now(), on: hub.db).isEmpty)
                        #expect(try await Registry.trust(name: "Trục quốc gia", instance: "VN-HUB", publicKey: hubJWK["x"] ?? "", at: province.clock.now(), on: province.db).isEmpty)
                        #expect(try await Registry.trust(name: "Lặp", instance: "VN-HUB", publicKey: hubJWK["x"] ?? "", at: province.clock.now(), on: province.db)
                            == ["Khoá này đã có trong danh sách tin cậy."])

                        func call(_ app: Application, _ path: String, as caller: String, key: String, id: String) async throws -> TestClient.Result {
                            try await TestClient(app).request(.GET, "/r1/\(path)", headers: [
                                "X-Road-Client": caller, "Authorization": "Bearer \(key)", "X-Road-Id": id, "X-Road-UserId": "VN025090000001",
                                "X-Road-Issue": "H42.01-251118-0001",
                            ])
                        }
                        // Province → hub: the one-stop looks a citizen up in the national population database.
                        let up = try await call(province, "\(populationID)/cong-dan/citizens/025090000001", as: oneStopID, key: oneStopKey, id: "fed-1")
                        #expect(up.status == .ok && up.body.contains("025090000001"))
                        #expect(up.headers.first(name: "X-Seen-Client") == oneStopID)
                        // Hub → province: the national portal reads a dossier at the province.
                        let down = try await call(hub, "\(oneStopID)/ho-so/citizens/H42.01-251118-0001", as: portalID, key: portalKey, id: "fed-2")
                        #expect(down.status == .ok && down.body.contains("H42.01-251118-0001"))

                        // Both logs hold each exchange once, alike.
                        for id in ["fed-1", "fed-2"] {
                            let here = try await MessageRecord.query(on: province.db).filter(\.$messageID == id).all()
                            let there = try await MessageRecord.query(on: hub.db).filter(\.$messageID == id).all()
                            #expect(here.count == 1 && there.count == 1)
                            #expect(here.map(Comparable.init) == there.map(Comparable.init), "\(id)")
                            #expect(here.first?.status == 200)
                        }
                        let keys = [provinceKey.keyID: provinceKey.publicKey, hubKey.keyID: hubKey.publicKey]
                        #expect(try await MessageLog.verify(keys: keys, on: province.db).firstBroken == nil)
                        #expect(try await MessageLog.verify(keys: keys, on: hub.db).firstBroken == nil)

                        // What the hub refuses: a stranger's signature, and a peer speaking for another instance's system.
                        let stranger = try AccessToken.issue(credential: nil, subsystem: oneStopID, audience: .peer,
                                                             key: PlatformKey(privateKey: Curve25519.Signing.PrivateKey()), now: hub.clock.now())
                        let forged = try await call(hub, "\(populationID)/cong-dan/citizens/1", as: oneStopID, key: stranger, id: "fed-3")
                        #expect(forged.status == .unauthorized && forged.headers.first(name: "X-Road-Error") == "Client.Unauthorized")
                        let overreach = try AccessToken.issue(credential: nil, subsystem: portalID, audience: .peer, key: provinceKey, now: hub.clock.now())
                        let other = try await call(hub, "\(populationID)/cong-dan/citizens/1", as: portalID, key: overreach, id: "fed-4")
                        #expect(other.status == .forbidden && other.headers.first(name: "X-Road-Error") == "Client.IdentityMismatch")
                        // A token for this gateway's own clients is not a peer's call, and the other way round.
                        let asGateway = try AccessToken.issue(credential: nil, subsystem: oneStopID, audience: .gateway, key: provinceKey, now: hub.clock.now())
                        #expect(try await call(hub, "\(populationID)/cong-dan/citizens/1", as: oneStopID, key: asGateway, id: "fed-5").status == .unauthorized)

                        // Once the hub drops the province from its trust list, the province's calls are refused there.
                        let trusted = try #require(try await TrustedPeer.query(on: hub.db).filter(\.$instance == "VN-test").first())
                        try await trusted.delete(on: hub.db)
                        hub.exchangeDirectory.forgetEverything()
                        let dropped = try await call(province, "\(populationID)/cong-dan/citizens/025090000001", as: oneStopID, key: oneStopKey, id: "fed-6")
                        #expect(dropped.status == .unauthorized && dropped.headers.first(name: "X-Road-Error") == "Client.Unauthorized")
                        let refusedThere = try await MessageRecord.query(on: hub.db).filter(\.$messageID == "fed-6").first()
                        #expect(refusedThere?.status == 401 && refusedThere?.errorType == "Client.Unauthorized")
                    }
                }
            }
        }
    }

    @Test func theTrustPageAddsAndRemovesAPeer() async throws {
        try await withApp { app async throws in
            let admin = TestClient(app)
            #expect(try await admin.login("admin", password: "tinhso2026").status == .seeOther)
            let page = try await admin.get("/quan-tri/lgsp/tin-cay")
            let own = try #require(app.platformKey)
            #expect(page.status == .ok && page.body.contains(own.keyID))
            let bad = try await admin.post("/quan-tri/lgsp/tin-cay", form: [("action", "add"), ("name", "Trục"), ("instance", "VN HUB"), ("publicKey", "abc")])
            #expect(bad.status == .badRequest && bad.body.contains("Instance X-Road") && bad.body.contains("Khoá công khai"))
            let peer = PlatformKey(privateKey: Curve25519.Signing.PrivateKey())
            let added = try await admin.post("/quan-tri/lgsp/tin-cay", form: [("action", "add"), ("name", "Trục quốc gia"), ("instance", "VN-HUB"),
                                                                              ("publicKey", AccessToken.jwk(peer)["x"] ?? "")])
            #expect(added.status == .ok && added.body.contains(peer.keyID))
            let stored = try #require(try await TrustedPeer.query(on: app.db).first())
            #expect(stored.keyID == peer.keyID && stored.instance == "VN-HUB")
            let removed = try await admin.post("/quan-tri/lgsp/tin-cay", form: [("action", "remove"), ("peer", stored.id!.uuidString)])
            #expect(removed.status == .ok && !removed.body.contains(peer.keyID))
            #expect(try await TrustedPeer.query(on: app.db).count() == 0)
        }
    }
}
