import Foundation
import Procedures
import Kernel
import SQLKit
import Vapor

/// What the QĐ 766 index needs of the procedure catalog: each procedure's current version.
public struct CatalogProcedure: Sendable {
    public var code: String
    public var name: String
    public var fieldCode: String
    /// Nil when the commune People's Committee where it is submitted decides.
    public var decidingAgency: String?
    public var levels: [String]
    public var onlineLevel: ProcedureDefinition.OnlineLevel
    public var hasFees: Bool
    /// Every component NĐ 63/2010 art. 8.2 requires is published (indicator 1.3).
    public var complete: Bool

    /// The codes of the procedures in `catalog` that are fully published (TT 01 index 6, a
    /// property of the procedure whoever decides the dossier).
    static func published(_ catalog: [CatalogProcedure]) -> Set<String> { Set(catalog.filter(\.complete).map(\.code)) }

    struct CacheKey: StorageKey { typealias Value = ShortLivedCache<String, [CatalogProcedure]> }

    /// The catalog as it stands, kept two seconds (it changes only by an administrator, and every
    /// index page and snapshot needs it whole).
    static func current(_ app: Application, on sql: any SQLDatabase) async throws -> [CatalogProcedure] {
        guard let cache = app.storage[CacheKey.self] else { return try await load(on: sql) }
        return try await cache.value("") { try await load(on: sql) } ?? []
    }

    static func load(on sql: any SQLDatabase) async throws -> [CatalogProcedure] {
        struct Row: Decodable { var definition: String }
        let rows = try await sql.select().column(SQLColumn("definition", table: "procedure_versions")).from("procedures")
            .join("procedure_versions", on: SQLColumn("procedure_id", table: "procedure_versions"), .equal, SQLColumn("id", table: "procedures"))
            .where(SQLColumn("version", table: "procedure_versions"), .equal, SQLColumn("current_version", table: "procedures"))
            .all(decoding: Row.self)
        let decoder = JSONDecoder()
        return try rows.map { row in
            let d = try decoder.decode(ProcedureDefinition.self, from: Data(row.definition.utf8))
            let complete = !d.name.isEmpty && !d.steps.isEmpty && !d.documents.isEmpty && d.processingTime.hours != nil
                && !d.applicants.isEmpty && !d.levels.isEmpty && !d.result.isEmpty
            return CatalogProcedure(code: d.code, name: d.name, fieldCode: d.field, decidingAgency: d.decidingAgency, levels: d.levels,
                                    onlineLevel: d.onlineLevel, hasFees: d.fees.contains { $0.amount > 0 }, complete: complete)
        }
    }
}
