@testable import Exchange
import Fluent
import Foundation
import Kernel
import Testing
import TestSupport
import Vapor

@Suite("Exchange registry API: an administrator's integrator changes the registry")
struct RegistryAPITests {
    struct Envelope: Decodable { struct Body: Decodable { var code: String; var message: String }; var error: Body }
    struct SystemDTO: Decodable { var code: String; var status: String; var services: [String] }
    struct KeyDTO: Decodable { var clientId: UUID; var key: String }

    @Test func subsystemIdentifiers() {
        #expect(SubsystemID("VN/GOV/000.00.00.H42/MOTCUA")?.description == "VN/GOV/000.00.00.H42/MOTCUA")
        // A part may come percent-encoded (in a path or in X-Road-Client); it is decoded before it is checked.
        #expect(SubsystemID("VN/GOV/000.00.00.H42/MOT%43UA")?.subsystemCode == "MOTCUA")
        #expect(SubsystemID("VN/GOV/bad%20code/MOTCUA") == nil)
        #expect(SubsystemID("VN/GOV/000.00.00.H42") == nil)
        #expect(SubsystemID("VN/GOV/000.00.00.H42/MOT/CUA") == nil)
        #expect(SubsystemID("VN/GOV//MOTCUA") == nil)
    }

    @Test func systemsServicesRightsAndKeysThroughTheAPI() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let token = try await TokenFactory.token(app, scopes: "exchange:write", login: "admin")
            let readOnly = try await TokenFactory.token(app, scopes: "dossiers:read", login: "admin")
            func send(_ method: HTTPMethod, _ path: String, _ json: String = "", token t: String? = token) async throws -> TestClient.Result {
                var h: HTTPHeaders = ["Content-Type": "application/json"]
                if let t { h.bearerAuthorization = BearerAuthorization(token: t) }
                return try await client.request(method, "/api/v1/exchange" + path, headers: h, body: ByteBuffer(string: json))
            }
            let system = #"{"code": "TNMT", "name": "Hệ thống tài nguyên môi trường", "ownerAgency": "H42.01", "securityLevel": 3, "subsystem": "VN/GOV/000.00.00.H42/TNMT"}"#
            #expect(try await send(.POST, "/systems", system, token: nil).status == .unauthorized)
            #expect(try await send(.POST, "/systems", system, token: readOnly).status == .forbidden)

            let bad = try await send(.POST, "/systems", #"{"code": "", "ownerAgency": "KHONG", "securityLevel": 9, "subsystem": "VN/GOV"}"#)
            #expect(bad.status == .unprocessableEntity)
            let problems = try bad.decode(Envelope.self).error
            #expect(problems.code == "exchange.invalid" && problems.message.contains("Cấp độ an toàn") && problems.message.contains("KHONG"))
            let created = try await send(.POST, "/systems", system)
            #expect(created.status == .created)
            #expect(try created.decode(SystemDTO.self).status == "planned")
            #expect(try await send(.POST, "/systems", system).status == .unprocessableEntity, "the same code twice")

            #expect(try await send(.PUT, "/systems/TNMT/status", #"{"status": "official"}"#).decode(SystemDTO.self).status == "official")
            #expect(try await send(.PUT, "/systems/TNMT/status", #"{"status": "xong"}"#).status == .unprocessableEntity)
            #expect(try await send(.PUT, "/systems/KHONGCO/status", #"{"status": "official"}"#).status == .notFound)
            #expect(try await send(.PUT, "/systems/TNMT/limits", #"{"ratePerSecond": 10, "dailyQuota": null}"#).status == .ok)
            #expect(try await send(.PUT, "/systems/TNMT/limits", #"{"ratePerSecond": 0}"#).status == .unprocessableEntity)
            let tnmt = try #require(try await InformationSystem.query(on: app.db).filter(\.$code == "TNMT").first())
            #expect(tnmt.status == .official && tnmt.ratePerSecond == 10 && tnmt.dailyQuota == nil)

            #expect(try await send(.POST, "/systems/TNMT/services", #"{"code": "dat-dai", "baseURL": "ftp://x"}"#).status == .unprocessableEntity)
            // The caller's path and query go after the base URL; the metadata services' names are the gateway's.
            #expect(try await send(.POST, "/systems/TNMT/services", #"{"code": "dat-dai", "baseURL": "http://127.0.0.1:9000/api?x=1"}"#).status == .unprocessableEntity)
            #expect(try await send(.POST, "/systems/TNMT/services", #"{"code": "listMethods", "baseURL": "http://127.0.0.1:9000"}"#).status == .unprocessableEntity)
            let service = try await send(.POST, "/systems/TNMT/services", #"{"code": "dat-dai", "baseURL": "http://127.0.0.1:9000", "upstreamAuthorization": "Bearer bi-mat"}"#)
            #expect(service.status == .created && service.body.contains(#""upstreamAuthorization":true"#) && !service.body.contains("bi-mat"))
            struct List: Decodable { var systems: [SystemDTO] }
            #expect(try await send(.GET, "/systems", token: nil).decode(List.self).systems.first { $0.code == "TNMT" }?.services == ["dat-dai"])
            #expect(try await send(.POST, "/systems/TNMT/rights", #"{"consumer": "KHONGCO", "service": "dat-dai"}"#).status == .unprocessableEntity)
            let granted = try await send(.POST, "/systems/TNMT/rights", #"{"consumer": "MOTCUA", "service": "dat-dai", "method": "get", "path": "/thua-dat/*"}"#)
            #expect(granted.status == .created)
            let datDai = try #require(try await ExchangeService.query(on: app.db).filter(\.$code == "dat-dai").first())
            let right = try #require(try await AccessRight.query(on: app.db).filter(\.$service.$id == datDai.requireID()).first())
            #expect(right.method == "GET" && right.path == "/thua-dat/*")
            struct Granted: Decodable { var id: UUID }
            #expect(try granted.decode(Granted.self).id == right.id)
            #expect(try await send(.POST, "/systems/TNMT/rights", #"{"consumer": "MOTCUA", "service": "dat-dai", "method": "GET", "path": "/thua-dat/*"}"#).status == .unprocessableEntity,
                    "the same right twice")
            // A body that is not JSON, or not of the operation's shape, is refused as malformed (400), on every write.
            for (method, path) in [(HTTPMethod.POST, "/systems"), (.PUT, "/systems/TNMT/status"), (.PUT, "/systems/TNMT/limits"),
                                   (.POST, "/systems/TNMT/services"), (.POST, "/systems/TNMT/rights"), (.PUT, "/systems/TNMT/services/dat-dai")] {
                for body in ["{không phải JSON", "[1, 2]"] {
                    let refused = try await send(method, path, body)
                    #expect(refused.status == .badRequest && refused.body.contains("\"request.malformed-body\""), "\(method) \(path) \(body): \(refused.status)")
                }
            }
            // The upstream moves; a second service is removed with its rights.
            #expect(try await send(.PUT, "/systems/TNMT/services/dat-dai", #"{"baseURL": "http://127.0.0.1:9001", "timeoutMilliseconds": 2000}"#).status == .ok)
            #expect(try await send(.PUT, "/systems/TNMT/services/dat-dai", #"{"baseURL": "ftp://x"}"#).status == .unprocessableEntity)
            #expect(try await ExchangeService.find(datDai.requireID(), on: app.db)?.baseURL == "http://127.0.0.1:9001")
            #expect(try await send(.POST, "/systems/TNMT/services", #"{"code": "tam", "baseURL": "http://127.0.0.1:9000"}"#).status == .created)
            #expect(try await send(.DELETE, "/systems/TNMT/services/tam").status == .noContent)
            #expect(try await send(.DELETE, "/systems/TNMT/services/tam").status == .notFound)
            // Withdrawn at once; only through the system whose service it is.
            #expect(try await send(.DELETE, "/systems/MOTCUA/rights/\(try right.requireID())").status == .notFound)
            #expect(try await send(.DELETE, "/systems/TNMT/rights/\(try right.requireID())").status == .noContent)
            #expect(try await AccessRight.query(on: app.db).filter(\.$service.$id == datDai.requireID()).count() == 0)

            let issued = try await send(.POST, "/systems/TNMT/keys")
            #expect(issued.status == .created && issued.headers.first(name: .cacheControl) == "no-store")
            let key = try issued.decode(KeyDTO.self)
            let directory = app.exchangeDirectory
            #expect(try await directory.credential(hash: SecureToken.hash(key.key), now: app.clock.now(), on: app.db)?.subsystem == "VN/GOV/000.00.00.H42/TNMT")
            #expect(try await send(.DELETE, "/keys/\(key.clientId.uuidString)").status == .noContent)
            directory.forgetEverything()
            #expect(try await directory.credential(hash: SecureToken.hash(key.key), now: app.clock.now(), on: app.db) == nil)
            #expect(try await send(.DELETE, "/keys/\(UUID().uuidString)").status == .notFound)
        }
    }
}
