import Fluent
import SQLKit

struct CreateProcedureSchema: AsyncMigration {
    var name: String { "procedures.001.schema" }

    func prepare(on db: any Database) async throws {
        try await db.schema(Procedure.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("name_folded", .string, .required)
            .field("field_code", .string, .required)
            .field("levels", .string, .required)
            .field("online_level", .string, .required)
            .field("receiving_agency", .string)
            .field("deciding_agency", .string)
            .field("processing_hours", .int, .required)
            .field("current_version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "code")
            .create()
        try await db.schema(ProcedureVersion.schema)
            .id()
            .field("procedure_id", .uuid, .required, .references(Procedure.schema, .id))
            .field("version", .int, .required)
            .field("definition", .string, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .uuid)
            .unique(on: "procedure_id", "version")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "procedures_field").on(Procedure.schema).column("field_code").run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema(ProcedureVersion.schema).delete()
        try await db.schema(Procedure.schema).delete()
    }
}
