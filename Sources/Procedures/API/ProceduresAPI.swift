import Fluent
import Identity
import Kernel
import Vapor

struct ProceduresAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("procedures", use: list)
        routes.get("procedures", ":code", use: show)
        routes.get("procedures", ":code", "versions", ":version", use: version)
        routes.grouped(RequireScope(.catalogWrite)).put("procedures", ":code", use: put)
    }

    static func filter(_ req: Request) throws -> ProcedureQueries.Filter {
        let level = try req.queryString("level")
        if let level, !["province", "commune"].contains(level) {
            throw RequestError.badParameter(name: "level", reason: "phải là province hoặc commune")
        }
        return ProcedureQueries.Filter(
            q: try req.queryString("q"), field: try req.queryString("field"), agency: try req.queryString("agency"),
            level: level, online: try req.queryEnum(ProcedureDefinition.OnlineLevel.self, "online"))
    }

    @Sendable func list(_ req: Request) async throws -> Paged<ProcedureSummaryDTO> {
        try await ProcedureQueries.search(Self.filter(req), page: Paging(from: req), on: req.db)
    }

    @Sendable func show(_ req: Request) async throws -> ProcedureDTO {
        try await ProcedureQueries.procedure(code: req.pathParameter("code"), on: req.db)
    }

    @Sendable func version(_ req: Request) async throws -> ProcedureDTO {
        guard let v = Int(try req.pathParameter("version")), v >= 1 else {
            throw RequestError.badParameter(name: "version", reason: "phải là số nguyên dương")
        }
        return try await ProcedureQueries.procedure(code: req.pathParameter("code"), version: v, on: req.db)
    }

    /// Creates or revises a procedure; the path's code wins over the body's.
    @Sendable func put(_ req: Request) async throws -> ProcedureDTO {
        var d = try req.content.decode(ProcedureDefinition.self)
        d.code = try req.pathParameter("code")
        let (definition, by, now) = (d, req.apiPrincipal?.userID, req.now)
        let version = try await req.application.groupCommit.transaction { db in try await ProcedureCatalog.save(definition, by: by, now: now, on: db) }
        req.application.procedureDefinitions.forgetCurrent(code: d.code)
        return try await ProcedureQueries.procedure(code: d.code, version: version, on: req.db)
    }
}
