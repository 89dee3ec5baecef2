import Fluent
import Foundation
import Identity
import Kernel
import SQLKit
import Vapor

/// `GET /api/v1/statistics` and `GET /api/v1/indicators/766`: public, as the national portal
/// publishes the same figures; they carry counts only, never a dossier.
struct StatisticsAPI: RouteCollection {
    enum GroupBy: String, CaseIterable { case agency, commune, procedure, field }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("statistics", use: statistics)
        routes.get("indicators", "766", use: serviceIndex)
        routes.get("indicators", "tt01-2018", use: unitScores)
    }

    @Sendable func statistics(_ req: Request) async throws -> StatisticsDTO {
        let sql = try StatisticsService.sql(req.db)
        let units = try await Units.current(req.application, on: req.db)
        let r = try await StatisticsRequest.parse(req, names: .api, units: units)
        let groupBy = try req.queryEnum(GroupBy.self, "groupBy")
        let table = try await StatisticsTable.load(r.period, filter: r.filter, on: sql)
        var groups: [StatisticsDTO.Group]?
        if let groupBy {
            let names = groupBy == .procedure ? try await StatisticsService.procedureNames(req.application, on: sql) : [:]
            var communeNames: [String: String] = [:]
            let grouped: [String: Statistics] = switch groupBy {
            case .agency: table.byAgency
            case .procedure: table.byProcedure
            case .field: table.byField
            case .commune:
                // Each commune (2025 code) with the agencies under its People's Committee; the provincial agencies belong to none.
                try units.communes.reduce(into: [String: Statistics]()) { out, c in
                    communeNames[c.code] = c.name
                    let s = try Set(c.agencies.flatMap { try units.subtree($0) }).reduce(Statistics()) { $0 + (table.byAgency[$1] ?? Statistics()) }
                    if s != Statistics() { out[c.code] = s }
                }
            }
            groups = grouped.sorted { $0.key < $1.key }.map { code, s in
                let name = switch groupBy { case .agency: units.name(code); case .commune: communeNames[code] ?? code; default: names[code] ?? code }
                return StatisticsDTO.Group(code: code, name: name, figures: FiguresDTO(s))
            }
        }
        return StatisticsDTO(period: PeriodDTO(r.period), total: FiguresDTO(table.total), groups: groups)
    }

    @Sendable func serviceIndex(_ req: Request) async throws -> ServiceIndexDTO {
        let sql = try StatisticsService.sql(req.db)
        let units = try await Units.current(req.application, on: req.db)
        let r = try await StatisticsRequest.parse(req, names: .api, units: units)
        let report = try await StatisticsService.serviceIndex(r, units: units, ranking: try Self.flag(req, "ranking"), app: req.application, on: sql)
        let history = try await IndexSnapshots.history(agency: r.agency, in: IndexSnapshots.trendDays(r.period, today: VietnamTime.dayNumber(req.now)), on: sql)
        return report.dto(period: r.period, agency: r.agency, history: r.filter.procedureCode == nil && r.filter.fieldCode == nil ? history : [])
    }

    /// A true/false parameter; anything else is refused rather than read as false.
    static func flag(_ req: Request, _ name: String) throws -> Bool {
        switch try req.queryString(name, maxLength: 10) {
        case nil, "false": false
        case "true": true
        default: throw RequestError.badParameter(name: name, reason: "là true hoặc false")
        }
    }

    @Sendable func unitScores(_ req: Request) async throws -> UnitScoresDTO {
        let sql = try StatisticsService.sql(req.db)
        let units = try await Units.current(req.application, on: req.db)
        let r = try await StatisticsRequest.parse(req, names: .api, units: units)
        // The counts are public; an official's grade is not: only for a token (an official's).
        return try await StatisticsService.serviceIndex(r, units: units, ranking: true, officers: req.apiPrincipal != nil, app: req.application, on: sql)
            .scoresDTO(period: r.period, agency: r.agency)
    }
}
