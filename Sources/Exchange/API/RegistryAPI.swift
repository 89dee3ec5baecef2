import Fluent
import Foundation
import Vapor

/// `GET /api/v1/exchange/systems`: the LGSP's systems and their connection status, public as the
/// provinces publish them in their reports ("9 of 17 connected, 8 in trial"). No contacts, no
/// upstream addresses, no keys.
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
    }

    @Sendable func systems(_ req: Request) async throws -> ListDTO {
        let systems = try await InformationSystem.query(on: req.db).sort(\.$code).all()
        let services = Dictionary(grouping: try await ExchangeService.query(on: req.db).sort(\.$code).all(), by: { $0.$system.id })
        let counts = Dictionary(uniqueKeysWithValues: Registry.connectionCounts(systems).map { ($0.key.rawValue, $0.value) })
        return ListDTO(counts: counts, total: systems.count, systems: systems.map { s in
            SystemDTO(code: s.code, name: s.name, ownerAgency: s.ownerAgency, subsystem: s.subsystem, securityLevel: s.securityLevel,
                      status: s.status.rawValue, services: s.id.flatMap { services[$0] }?.map(\.code) ?? [])
        })
    }
}
