import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor

/// The queries the pages and the API share.
enum StatisticsService {
    static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "statistics need an SQL database") }
        return sql
    }

    /// Procedure names by code, from the cached catalog.
    static func procedureNames(_ app: Application, on sql: any SQLDatabase) async throws -> [String: String] {
        Dictionary(try await CatalogProcedure.current(app, on: sql).map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    struct IndexReport {
        /// The statistics the index was computed from.
        var table: StatisticsTable
        var index: ServiceIndex
        /// Each ranked unit's index, best first (only for the whole province).
        var ranking: [(Units.Unit, ServiceIndex)]?
        /// The TT 01/2018 score of the request's unit (the province when none), and of each ranked unit.
        var score: UnitScore?
        var unitScores: [(Units.Unit, UnitScore?)]?
        /// The officials of the request's agency (`OfficerScore`), when one was asked for.
        var officers: [OfficerScore]?

        func dto(period: Period, agency: String?, history: [IndexSnapshots.Point]) -> ServiceIndexDTO {
            ServiceIndexDTO(
                period: PeriodDTO(period), agency: agency, total: index.total, measuredMax: index.measuredMax,
                groups: ServiceIndex.groups.map { .init(group: $0.0, name: $0.1, points: index.points(group: $0.0), maxPoints: $0.2) },
                indicators: index.indicators,
                ranking: ranking?.map { .init(code: $0.0.code, name: $0.0.name, total: $0.1.total) },
                history: history.map { .init(date: VietnamTime.isoDay($0.day), total: $0.total) })
        }

        func scoresDTO(period: Period, agency: String?) -> UnitScoresDTO {
            UnitScoresDTO(period: PeriodDTO(period), agency: agency, score: score,
                          units: unitScores?.map { .init(code: $0.0.code, name: $0.0.name, score: $0.1) },
                          officers: officers?.map { .init(userID: $0.userID, name: $0.name, score: $0.score) })
        }
    }

    /// The index for the request's unit (the province when none), and with `ranking` (for the
    /// province only) the index of every unit, which reads the larger per-agency-and-procedure table.
    /// - Parameter officers: also score the agency's officials (`OfficerScore`): it reads the
    ///   period's facts and trail, so only when asked, and only for an agency.
    static func serviceIndex(_ r: StatisticsRequest, units: Units, ranking wanted: Bool, officers wantedOfficers: Bool = false, app: Application,
                             on sql: any SQLDatabase) async throws -> IndexReport {
        let ranked = wanted && r.filter.agencyCodes == nil
        let table = try await StatisticsTable.load(r.period, filter: r.filter, pairs: ranked, on: sql)
        let catalog = try await CatalogProcedure.current(app, on: sql).filter { p in
            r.filter.procedureCode.map { $0 == p.code } ?? true && r.filter.fieldCode.map { $0 == p.fieldCode } ?? true
        }
        let unitCatalog = procedures(of: r.filter.agencyCodes, catalog: catalog, units: units)
        let published = CatalogProcedure.published(catalog)
        let index = ServiceIndex.compute(table, procedures: unitCatalog)
        func score(_ t: StatisticsTable, _ procedures: [CatalogProcedure]) -> UnitScore? {
            UnitScore.compute(t.total, procedures: procedures, published: published, endedByProcedure: t.byProcedure.mapValues(\.ended))
        }
        guard ranked else {
            let officers = r.agency == nil || !wantedOfficers ? nil : try await OfficerScore.compute(r.period, filter: r.filter, procedures: unitCatalog, published: published, on: sql)
            return IndexReport(table: table, index: index, ranking: nil, score: score(table, unitCatalog), officers: officers)
        }
        var ranking: [(Units.Unit, ServiceIndex)] = []
        var scores: [(Units.Unit, UnitScore?)] = []
        let deciding = Set(catalog.compactMap(\.decidingAgency) + table.byAgency.keys)
        for unit in units.ranked(deciding: deciding) {
            let codes = Set(try units.subtree(unit.code))
            let part = table.restricted(to: codes)
            let own = procedures(of: Array(codes), catalog: catalog, units: units)
            ranking.append((unit, ServiceIndex.compute(part, procedures: own)))
            scores.append((unit, score(part, own)))
        }
        ranking.sort { ($0.1.total, $1.0.code) > ($1.1.total, $0.0.code) }
        scores.sort { ($0.1?.total ?? -1, $1.0.code) > ($1.1?.total ?? -1, $0.0.code) }
        return IndexReport(table: table, index: index, ranking: ranking, score: score(table, unitCatalog), unitScores: scores)
    }

    /// The procedures under the authority of some agencies: those they decide, and for commune
    /// People's Committees the procedures decided "where submitted".
    static func procedures(of codes: [String]?, catalog: [CatalogProcedure], units: Units) -> [CatalogProcedure] {
        guard let codes else { return catalog }
        let set = Set(codes)
        let hasCommune = codes.contains { units.unit(code: $0)?.level == .commune }
        return catalog.filter { p in p.decidingAgency.map(set.contains) ?? (hasCommune && p.levels.contains("commune")) }
    }
}
