import Fluent
import Kernel
import Vapor

/// `/api/v1` routes of the shared catalogs. Public, read-only.
struct DirectoryAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("admin-units", use: adminUnits)
        routes.get("admin-units", "convert", use: convert)
        routes.get("admin-units", ":code", use: adminUnit)
        routes.get("agencies", use: agencies)
        routes.get("agencies", ":code", use: agency)
        routes.get("fields", use: fields)
    }

    func structure(_ req: Request) throws -> AdminUnit.Structure {
        guard let raw = try req.queryString("structure") else { return .y2025 }
        guard let s = AdminUnit.Structure(rawValue: raw) else {
            throw RequestError.badParameter(name: "structure", reason: "phải là 2025 hoặc 2024")
        }
        return s
    }

    @Sendable func adminUnits(_ req: Request) async throws -> ItemsDTO<AdminUnitDTO> {
        ItemsDTO(items: try await DirectoryQueries.adminUnits(structure: structure(req), parent: req.queryString("parent"), on: req.db))
    }

    @Sendable func adminUnit(_ req: Request) async throws -> AdminUnitDTO {
        try await DirectoryQueries.adminUnit(structure: structure(req), code: req.pathParameter("code"), on: req.db)
    }

    @Sendable func convert(_ req: Request) async throws -> ConvertedAddress {
        guard let address = try req.queryString("address", maxLength: 500) else { throw DirectoryError.emptyAddress }
        return try await req.addressConverter().convert(address)
    }

    @Sendable func agencies(_ req: Request) async throws -> Paged<AgencyDTO> {
        let filter = DirectoryQueries.AgencyFilter(
            q: try req.queryString("q"), level: try req.queryEnum(Agency.Level.self, "level"),
            parentCode: try req.queryString("parent"), kind: try req.queryEnum(Agency.Kind.self, "kind"))
        return try await DirectoryQueries.agencies(filter, page: Paging(from: req, defaultPer: 50), on: req.db)
    }

    @Sendable func agency(_ req: Request) async throws -> AgencyDTO {
        try await DirectoryQueries.agency(code: req.pathParameter("code"), on: req.db)
    }

    @Sendable func fields(_ req: Request) async throws -> ItemsDTO<FieldDTO> {
        ItemsDTO(items: try await DirectoryQueries.fields(on: req.db))
    }
}
