import Fluent
import SQLKit

/// Tables of the shared catalogs.
struct CreateDirectorySchema: AsyncMigration {
    var name: String { "directory.001.schema" }

    func prepare(on db: any Database) async throws {
        try await db.schema(AdminUnit.schema)
            .id()
            .field("structure", .string, .required)
            .field("level", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("division_type", .string, .required)
            .field("parent_code", .string)
            .field("name_folded", .string, .required)
            .unique(on: "structure", "level", "code")
            .create()
        try await db.schema(AdminUnitConversion.schema)
            .id()
            .field("old_province_code", .string, .required)
            .field("old_district_code", .string, .required)
            .field("old_commune_code", .string, .required)
            .field("new_province_code", .string, .required)
            .field("new_commune_code", .string, .required)
            .field("is_default", .bool, .required)
            .create()
        try await db.schema(Agency.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("short_name", .string, .required)
            .field("kind", .string, .required)
            .field("level", .string, .required)
            .field("parent_id", .uuid, .references(Agency.schema, .id))
            .field("admin_unit_code", .string)
            .field("address", .string, .required)
            .field("phone", .string, .required)
            .field("email", .string, .required)
            .field("is_active", .bool, .required)
            .field("name_folded", .string, .required)
            .unique(on: "code")
            .create()
        try await db.schema(ProcedureField.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("ministry", .string, .required)
            .unique(on: "code")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "admin_units_parent").on(AdminUnit.schema)
                .column("structure").column("parent_code").run()
            try await sql.create(index: "admin_unit_conversions_old").on(AdminUnitConversion.schema)
                .column("old_commune_code").run()
            try await sql.create(index: "agencies_parent").on(Agency.schema).column("parent_id").run()
        }
    }

    func revert(on db: any Database) async throws {
        for schema in [ProcedureField.schema, Agency.schema, AdminUnitConversion.schema, AdminUnit.schema] {
            try await db.schema(schema).delete()
        }
    }
}
