import Fluent
import SQLKit

/// The indexes the officer queues and the search need at a million dossiers (issue 4: every
/// queue page under 50 ms; `bench/run queue` measures it).
///
/// - `dossiers_receiving_queue` (receiving_agency, status, submitted_at, id, due_at) and
///   `dossiers_deciding_queue` (deciding_agency, status, submitted_at, id, receiving_agency,
///   due_at): a queue is a few ranges of these, each already in page order and holding every
///   column the queue filters on, so a page and its count never read the table (see
///   `DossierQueries.queue`). They replace the (agency, status) indexes of the first schema.
/// - `dossiers_status_due` (status, due_at): the late-warning pass looks for running dossiers
///   due soon across all agencies.
/// - `dossiers_procedure` (procedure_code): search matches a procedure code exactly.
/// - Substring search on code and CCCD (`LIKE '%…%'`) needs trigrams. SQLite: `dossier_search`,
///   an FTS5 table with the trigram tokenizer kept by triggers; it names the dossier by `id`,
///   not by rowid, which VACUUM may renumber in a table without an INTEGER PRIMARY KEY.
///   PostgreSQL: pg_trgm GIN indexes, when the extension can be created (it is trusted since
///   PostgreSQL 13: the database owner may); without it search still works, by scanning.
struct AddQueueIndexes: AsyncMigration {
    var name: String { "onestop.010.queue-indexes" }

    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX IF NOT EXISTS dossiers_receiving_queue ON dossiers (receiving_agency, status, submitted_at, id, due_at)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS dossiers_deciding_queue ON dossiers (deciding_agency, status, submitted_at, id, receiving_agency, due_at)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS dossiers_status_due ON dossiers (status, due_at)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS dossiers_procedure ON dossiers (procedure_code)").run()
        try await sql.raw("DROP INDEX IF EXISTS dossiers_receiving_status").run()
        try await sql.raw("DROP INDEX IF EXISTS dossiers_deciding_status").run()
        if sql.dialect.name == "sqlite" {
            try await sql.raw("CREATE VIRTUAL TABLE dossier_search USING fts5(code, applicant_identity, dossier_id UNINDEXED, tokenize = 'trigram')").run()
            try await sql.raw("INSERT INTO dossier_search (code, applicant_identity, dossier_id) SELECT code, applicant_identity, id FROM dossiers").run()
            // Code and CCCD are written once, at intake; the other two triggers are for safety.
            // They find the old entry by its code (a phrase match) rather than scan for its id.
            try await sql.raw("""
                CREATE TRIGGER dossier_search_insert AFTER INSERT ON dossiers BEGIN
                  INSERT INTO dossier_search (code, applicant_identity, dossier_id) VALUES (new.code, new.applicant_identity, new.id);
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER dossier_search_delete AFTER DELETE ON dossiers BEGIN
                  DELETE FROM dossier_search WHERE dossier_search MATCH ('code: "' || old.code || '"') AND dossier_id = old.id;
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER dossier_search_update AFTER UPDATE OF code, applicant_identity ON dossiers BEGIN
                  DELETE FROM dossier_search WHERE dossier_search MATCH ('code: "' || old.code || '"') AND dossier_id = old.id;
                  INSERT INTO dossier_search (code, applicant_identity, dossier_id) VALUES (new.code, new.applicant_identity, new.id);
                END
                """).run()
        } else {
            do {
                try await sql.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm").run()
            } catch {
                db.logger.warning("pg_trgm unavailable (\(String(reflecting: error))): dossier search will scan instead of using trigram indexes")
                return
            }
            try await sql.raw("CREATE INDEX IF NOT EXISTS dossiers_code_trgm ON dossiers USING gin (code gin_trgm_ops)").run()
            try await sql.raw("CREATE INDEX IF NOT EXISTS dossiers_identity_trgm ON dossiers USING gin (applicant_identity gin_trgm_ops)").run()
        }
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            for trigger in ["dossier_search_insert", "dossier_search_delete", "dossier_search_update"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(ident: trigger)").run()
            }
            try await sql.raw("DROP TABLE IF EXISTS dossier_search").run()
        }
        for index in ["dossiers_code_trgm", "dossiers_identity_trgm", "dossiers_procedure", "dossiers_status_due", "dossiers_deciding_queue", "dossiers_receiving_queue"] {
            try await sql.raw("DROP INDEX IF EXISTS \(ident: index)").run()
        }
        try await sql.create(index: "dossiers_receiving_status").on(Dossier.schema).column("receiving_agency").column("status").run()
        try await sql.create(index: "dossiers_deciding_status").on(Dossier.schema).column("deciding_agency").column("status").run()
    }
}
