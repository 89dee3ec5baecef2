import Fluent
import Foundation
import Kernel
import SQLKit

/// Loads the public reference data the project ships (Resources/admin-units): the 2025 and
/// pre-2025 structures and the conversion between them. Reference data, not demo data: every
/// installation gets it.
struct LoadAdminUnits: AsyncMigration {
    var name: String { "directory.002.load-admin-units" }

    func prepare(on db: any Database) async throws {
        let data = try AdminUnitSource.load()
        guard let sql = db as? any SQLDatabase else { return }
        let columns = ["id", "structure", "level", "code", "name", "division_type", "parent_code", "name_folded"]
        let rows: [[any SQLExpression]] = data.units.map { u in
            [SQLBind(UUID()), SQLBind(u.structure.rawValue), SQLBind(u.level.rawValue), SQLBind(u.code),
             SQLBind(u.name), SQLBind(u.divisionType), SQLBind(u.parentCode), SQLBind(VietnameseText.fold(u.name))]
        }
        try await insertBatches(sql, table: AdminUnit.schema, columns: columns, rows: rows)
        let convColumns = ["id", "old_province_code", "old_district_code", "old_commune_code",
                           "new_province_code", "new_commune_code", "is_default"]
        let convRows: [[any SQLExpression]] = data.conversions.map { c in
            [SQLBind(UUID()), SQLBind(c.oldProvince), SQLBind(c.oldDistrict), SQLBind(c.oldCommune),
             SQLBind(c.newProvince), SQLBind(c.newCommune), SQLBind(c.isDefault)]
        }
        try await insertBatches(sql, table: AdminUnitConversion.schema, columns: convColumns, rows: convRows)
    }

    func revert(on db: any Database) async throws {
        try await AdminUnitConversion.query(on: db).delete()
        try await AdminUnit.query(on: db).delete()
    }
}

/// Multi-row inserts keep loading ~13,000 rows to well under a second; 500 rows × 8 binds stays
/// below SQLite's and PostgreSQL's bind limits.
func insertBatches(_ sql: any SQLDatabase, table: String, columns: [String], rows: [[any SQLExpression]]) async throws {
    var start = 0
    while start < rows.count {
        let end = min(start + 500, rows.count)
        try await sql.insert(into: table).columns(columns).rows(Array(rows[start..<end])).run()
        start = end
    }
}
