import Foundation
import Kernel
import SQLKit
import Vapor

/// A request for statistics as the pages and the API take it: a period and what to count.
public struct StatisticsRequest: Sendable {
    public var period: Period
    public var filter: StatisticsFilter
    /// The agency asked for (with its sub-agencies), and the commune.
    public var agency: String?
    public var commune: String?
    public var procedure: String?
    public var field: String?

    /// Query parameter names: the API's are English, the pages' Vietnamese.
    public struct Names: Sendable {
        var period, from, to, agency, commune, procedure, field: String
        public static let api = Names(period: "period", from: "from", to: "to", agency: "agency", commune: "commune", procedure: "procedure", field: "field")
        public static let page = Names(period: "ky", from: "tu", to: "den", agency: "co-quan", commune: "xa", procedure: "thu-tuc", field: "linh-vuc")
    }

    /// What is counted, for a page's heading: " · Sở Tài chính · lĩnh vực X · thủ tục Y", or " · toàn tỉnh".
    public func scope(_ units: Units) -> String {
        var parts: [String] = []
        if let agency { parts.append(units.name(agency)) }
        if let commune {
            parts.append(units.communes.first { $0.code == commune }.map { "các cơ quan của \($0.name)" } ?? "xã \(commune)")
        }
        if parts.isEmpty { parts.append("toàn tỉnh") }
        if let field { parts.append("lĩnh vực \(field)") }
        if let procedure { parts.append("thủ tục \(procedure)") }
        return parts.map { " · " + $0 }.joined()
    }

    /// The query items that ask for this again (for links).
    public func query(_ n: Names) -> [(String, String?)] {
        let custom = period.label.contains("..")
        return [(n.period, custom ? nil : period.label), (n.from, custom ? VietnamTime.isoDay(period.first) : nil),
                (n.to, custom ? VietnamTime.isoDay(period.last) : nil), (n.agency, agency), (n.commune, commune),
                (n.procedure, procedure), (n.field, field)]
    }

    public static func parse(_ req: Request, names n: Names, units: Units) async throws -> StatisticsRequest {
        let today = VietnamTime.dayNumber(req.now)
        let period = try Period.parse(period: req.queryString(n.period, maxLength: 30), from: req.queryString(n.from, maxLength: 30),
                                      to: req.queryString(n.to, maxLength: 30), today: today)
        let agency = try req.queryString(n.agency, maxLength: 60)?.uppercased()
        let commune = try req.queryString(n.commune, maxLength: 10)
        var codes: [String]?
        if let agency { codes = try units.subtree(agency) }
        if let commune {
            guard let c = units.communes.first(where: { $0.code == commune }) else {
                throw RequestError.badParameter(name: n.commune, reason: "không có cơ quan nào của xã mã “\(commune)”")
            }
            let inCommune = Set(try c.agencies.flatMap { try units.subtree($0) })
            codes = codes.map { $0.filter(inCommune.contains) } ?? inCommune.sorted()
        }
        let procedure = try req.queryString(n.procedure, maxLength: 40)
        let field = try req.queryString(n.field, maxLength: 40)
        // An unknown code would count nothing, and a page of zeros reads as a fact.
        if procedure != nil || field != nil {
            let sql = try StatisticsService.sql(req.db)
            let catalog = try await CatalogProcedure.current(req.application, on: sql)
            func counted(_ column: String, _ code: String) async throws -> Bool {
                try await sql.select().column(column).from(FactStore.table).where(SQLIdentifier(column), .equal, SQLBind(code)).limit(1).first() != nil
            }
            if let procedure, !catalog.contains(where: { $0.code == procedure }), try await !counted("procedure_code", procedure) {
                throw RequestError.badParameter(name: n.procedure, reason: "không có thủ tục mã “\(procedure)” trong danh mục hay trong hồ sơ")
            }
            if let field, !catalog.contains(where: { $0.fieldCode == field }), try await !counted("field_code", field) {
                throw RequestError.badParameter(name: n.field, reason: "không có lĩnh vực mã “\(field)” trong danh mục hay trong hồ sơ")
            }
        }
        return StatisticsRequest(period: period, filter: StatisticsFilter(agencyCodes: codes, procedureCode: procedure, fieldCode: field),
                                 agency: agency, commune: commune, procedure: procedure, field: field)
    }
}
