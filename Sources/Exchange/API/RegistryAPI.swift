import Fluent
import Foundation
import Identity
import Kernel
import Vapor

/// `GET /api/v1/exchange/systems`: the LGSP's systems and their connection status, public as the
/// provinces publish them in their reports ("9 of 17 connected, 8 in trial"). No contacts, no
/// upstream addresses, no keys. With an administrator's `exchange:write` token, the registry's
/// changes (`Registry.addSystem` and the rest, checked as on the pages).
struct RegistryAPI: RouteCollection {
    struct SystemDTO: Content {
        var code: String
        var name: String
        var ownerAgency: String
        var subsystem: String
        var securityLevel: Int
        var status: String
        var services: [String]
    }
    struct ListDTO: Content {
        /// Systems by connection status (planned, trial, official, suspended).
        var counts: [String: Int]
        var total: Int
        var systems: [SystemDTO]
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("exchange", "systems", use: systems)
        let write = routes.grouped(RequireScope(.exchangeWrite)).grouped(RequireAdministrator())
        write.post("exchange", "systems", use: createSystem)
        write.put("exchange", "systems", ":code", "status", use: setStatus)
        write.put("exchange", "systems", ":code", "limits", use: setLimits)
        write.post("exchange", "systems", ":code", "services", use: addService)
        write.post("exchange", "systems", ":code", "rights", use: grant)
        write.post("exchange", "systems", ":code", "keys", use: issueKey)
        write.delete("exchange", "keys", ":id", use: revokeKey)
        write.delete("exchange", "systems", ":code", "rights", ":id", use: withdrawRight)
        write.put("exchange", "systems", ":code", "services", ":service", use: moveService)
        write.delete("exchange", "systems", ":code", "services", ":service", use: removeService)
        write.get("exchange", "log", "verification", use: verifyLog)
    }

    /// `GET /api/v1/exchange/log/verification?from=&through=`: the chain and seals of a range of
    /// the message log checked, with the first broken record, as `tinhso exchange verify` does.
    @Sendable func verifyLog(_ req: Request) async throws -> MessageLog.Verification {
        func number(_ name: String) throws -> Int? {
            guard let text = req.query[String.self, at: name] else { return nil }
            guard let n = Int(text), n >= 1 else { throw RequestError.badParameter(name: name, reason: "phải là số thứ tự bản ghi, từ 1") }
            return n
        }
        let from = try number("from") ?? 1, through = try number("through")
        if let through, through < from { throw RequestError.badParameter(name: "through", reason: "phải không nhỏ hơn from") }
        guard let key = req.application.platformKey else { throw Abort(.serviceUnavailable, reason: "chưa có khoá của nền tảng") }
        return try await MessageLog.verify(from: from, through: through, keys: key.verifying, on: req.db)
    }

    /// The token's owner must be an administrator, whatever scopes the token carries.
    struct RequireAdministrator: AsyncMiddleware {
        func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            guard let p = req.apiPrincipal, let viewer = try await Identity.viewer(userID: p.userID, on: req.db) else { throw RequestError.unauthorized }
            guard viewer.isAdmin else { throw RequestError.forbidden }
            return try await next.respond(to: req)
        }
    }

    func system(_ req: Request) async throws -> InformationSystem { try await Registry.system(code: req.parameters.get("code"), on: req.db) }

    func dto(_ s: InformationSystem, on db: any Database) async throws -> SystemDTO {
        Self.dto(s, services: try await ExchangeService.query(on: db).filter(\.$system.$id == s.requireID()).sort(\.$code).all().map(\.code))
    }

    static func dto(_ s: InformationSystem, services: [String]) -> SystemDTO {
        SystemDTO(code: s.code, name: s.name, ownerAgency: s.ownerAgency, subsystem: s.subsystem, securityLevel: s.securityLevel,
                  status: s.status.rawValue, services: services)
    }

    @Sendable func createSystem(_ req: Request) async throws -> Response {
        let s = try await Registry.addSystem(try req.content.decode(Registry.NewSystem.self), on: req.db)
        return try await Self.dto(s, services: []).encodeResponse(status: .created, for: req)
    }

    struct StatusBody: Content { var status: String }

    @Sendable func setStatus(_ req: Request) async throws -> SystemDTO {
        let s = try await system(req)
        try await Registry.setStatus(s, to: try req.content.decode(StatusBody.self).status, on: req.db)
        req.application.exchangeDirectory.forgetEverything()
        return try await dto(s, on: req.db)
    }

    struct LimitsBody: Content {
        /// Calls a second; null for no limit.
        var ratePerSecond: Int?
        /// Calls a day; null for no limit.
        var dailyQuota: Int?
    }

    @Sendable func setLimits(_ req: Request) async throws -> LimitsBody {
        let s = try await system(req)
        let body = try req.content.decode(LimitsBody.self)
        try await Registry.setLimits(s, ratePerSecond: body.ratePerSecond, dailyQuota: body.dailyQuota, on: req.db)
        req.application.exchangeDirectory.forgetEverything()
        return LimitsBody(ratePerSecond: s.ratePerSecond, dailyQuota: s.dailyQuota)
    }

    struct ServiceDTO: Content {
        var code: String
        var version: String
        var baseURL: String
        var classification: String
        var timeoutMilliseconds: Int
        var viaPeer: Bool
        /// Whether the gateway presents a credential of its own to the upstream (never the value).
        var upstreamAuthorization: Bool

        init(_ v: ExchangeService) {
            (code, version, baseURL, classification) = (v.code, v.version, v.baseURL, v.classification.rawValue)
            (timeoutMilliseconds, viaPeer, upstreamAuthorization) = (v.timeoutMilliseconds, v.viaPeer, v.upstreamAuthorization != nil)
        }
    }

    @Sendable func addService(_ req: Request) async throws -> Response {
        let v = try await Registry.addService(try req.content.decode(Registry.NewService.self), to: try await system(req), on: req.db)
        return try await ServiceDTO(v).encodeResponse(status: .created, for: req)
    }

    func service(_ req: Request) async throws -> ExchangeService {
        let s = try await system(req), code = req.parameters.get("service") ?? ""
        guard let v = try await ExchangeService.query(on: req.db).filter(\.$system.$id == s.requireID()).filter(\.$code == code).first() else {
            throw RequestError.notFound(what: "dịch vụ \(code)")
        }
        return v
    }

    struct MoveBody: Content { var baseURL: String; var timeoutMilliseconds: Int? }

    /// `PUT …/services/{service}`: the upstream's new address (and timeout); code and rights stay.
    @Sendable func moveService(_ req: Request) async throws -> ServiceDTO {
        let v = try await service(req), body = try req.content.decode(MoveBody.self)
        try await Registry.moveService(v, baseURL: body.baseURL, timeoutMilliseconds: body.timeoutMilliseconds, on: req.db)
        req.application.exchangeDirectory.forgetEverything()
        return ServiceDTO(v)
    }

    /// `DELETE …/services/{service}`: the service and the rights on it.
    @Sendable func removeService(_ req: Request) async throws -> HTTPStatus {
        try await Registry.removeService(try await service(req), on: req.db)
        req.application.exchangeDirectory.forgetEverything()
        return .noContent
    }

    struct RightBody: Content {
        /// In the answer: the id to withdraw the right by.
        var id: UUID?
        var consumer: String
        var service: String
        var method: String?
        var path: String?
    }

    @Sendable func grant(_ req: Request) async throws -> Response {
        let body = try req.content.decode(RightBody.self)
        let r = try await Registry.grant(consumerCode: body.consumer, serviceCode: body.service, of: try await system(req),
                                         method: body.method, path: body.path, on: req.db)
        req.application.exchangeDirectory.forgetEverything()
        return try await RightBody(id: r.id, consumer: body.consumer.trimmingCharacters(in: .whitespaces), service: body.service, method: r.method, path: r.path)
            .encodeResponse(status: .created, for: req)
    }

    struct KeyDTO: Content {
        /// The OAuth `client_id`, and the id to revoke the key by.
        var clientId: UUID
        /// Shown this once: only its hash is kept.
        var key: String
    }

    @Sendable func issueKey(_ req: Request) async throws -> Response {
        let issued = try await Registry.issueKey(for: try await system(req), at: req.now, on: req.db)
        let response = try await KeyDTO(clientId: issued.id, key: issued.key).encodeResponse(status: .created, for: req)
        // The secret is shown once: no cache may keep it.
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable func revokeKey(_ req: Request) async throws -> HTTPStatus {
        guard let id = req.parameters.get("id", as: UUID.self), let k = try await ExchangeCredential.find(id, on: req.db) else {
            throw RequestError.notFound(what: "khoá truy cập")
        }
        try await Registry.revoke(k, at: req.now, on: req.db)
        req.application.exchangeDirectory.forgetEverything()
        return .noContent
    }

    /// `DELETE …/systems/{code}/rights/{id}`: a right on one of the system's services withdrawn, at once.
    @Sendable func withdrawRight(_ req: Request) async throws -> HTTPStatus {
        let s = try await system(req)
        guard let id = req.parameters.get("id", as: UUID.self), let r = try await Registry.right(id, of: s, on: req.db) else {
            throw RequestError.notFound(what: "quyền gọi")
        }
        try await r.delete(on: req.db)
        req.application.exchangeDirectory.forgetEverything()
        return .noContent
    }

    @Sendable func systems(_ req: Request) async throws -> ListDTO {
        let systems = try await InformationSystem.query(on: req.db).sort(\.$code).all()
        let services = Dictionary(grouping: try await ExchangeService.query(on: req.db).sort(\.$code).all(), by: { $0.$system.id })
        let counts = Dictionary(uniqueKeysWithValues: Registry.connectionCounts(systems).map { ($0.key.rawValue, $0.value) })
        return ListDTO(counts: counts, total: systems.count,
                       systems: systems.map { s in Self.dto(s, services: s.id.flatMap { services[$0] }?.map(\.code) ?? []) })
    }
}
