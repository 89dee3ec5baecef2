import Fluent
import SQLKit

/// `dossier_facts` (one row per received dossier) and the aggregates: the counters of a day, of a
/// month and of a year, per deciding agency (`stat_agency_buckets`), per procedure
/// (`stat_procedure_buckets`) and per both (`stat_buckets`).
struct CreateStatistics: AsyncMigration {
    var name: String { "indicators.001.statistics" }

    func prepare(on db: any Database) async throws {
        try await db.schema(FactStore.table)
            .field("dossier_id", .uuid, .identifier(auto: false))
            .field("code", .string, .required)
            .field("procedure_code", .string, .required)
            .field("field_code", .string, .required)
            .field("agency_code", .string, .required)
            .field("channel", .int, .required)
            .field("received_day", .int)
            .field("not_received_day", .int)
            .field("due_day", .int)
            .field("end_day", .int)
            .field("end_kind", .string)
            .field("timeliness", .string)
            .field("returned_day", .int)
            .field("late_since_day", .int)
            .field("supplements", .string, .required)
            .field("processing_seconds", .int64, .required)
            .field("with_fees", .bool, .required)
            .field("paid_online", .bool, .required)
            .field("electronic_result", .bool, .required)
            .field("digitised", .bool, .required)
            .field("reused", .bool, .required)
            .field("personal_store", .bool, .required)
            .field("vneid", .bool, .required)
            .field("online_full", .bool, .required)
            .field("rating", .int)
            .create()
        for scope in Aggregates.Scope.allCases {
            var buckets = db.schema(scope.table)
            for column in scope.columns {
                buckets = buckets.field(.string(column), Aggregates.Scope.holdsNumber(column) ? .int : .string, .required)
            }
            for c in Counter.allCases { buckets = buckets.field(.string(c.rawValue), .int64, .required, .sql(.default(0))) }
            try await buckets.constraint(.constraint(.unique(fields: scope.keyColumns.map { .key(.string($0)) }), name: nil)).create()
        }
        guard let sql = db as? any SQLDatabase else { return }
        // Drill-down lists read facts by the day of each event.
        for column in ["received_day", "end_day", "late_since_day"] {
            try await sql.create(index: "dossier_facts_\(column)").on(FactStore.table).column(column).run()
        }
        // Dossiers that existed before this module: derived once, as they will be maintained.
        try await Aggregates.rebuild(on: sql)
    }

    func revert(on db: any Database) async throws {
        for scope in Aggregates.Scope.allCases { try await db.schema(scope.table).delete() }
        try await db.schema(FactStore.table).delete()
    }
}

/// Bucket tables made for upserts, which an import does about ten times a dossier (decision 0013).
/// SQLite: each becomes one b-tree, its rows stored in the order of their key (`WITHOUT ROWID`,
/// primary key = `Scope.keyColumns`); before, a row lived in the table and its key in a unique
/// index beside it, so every upsert looked up and wrote two trees. PostgreSQL: pages are left
/// 30 % free, so that an updated row's new version fits on its page and its index is not touched
/// (a HOT update: no indexed column changes).
struct BucketsByKey: AsyncMigration {
    var name: String { "indicators.003.buckets-by-key" }

    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        guard sql.dialect.name == "sqlite" else {
            for scope in Aggregates.Scope.allCases { try await sql.raw("ALTER TABLE \(ident: scope.table) SET (fillfactor = 70)").run() }
            return
        }
        for scope in Aggregates.Scope.allCases {
            let columns = scope.columns.map { "\"\($0)\" \(Aggregates.Scope.holdsNumber($0) ? "INTEGER" : "TEXT") NOT NULL" }
                + Counter.allCases.map { "\"\($0.rawValue)\" INTEGER NOT NULL DEFAULT 0" }
            let key = scope.keyColumns.map { "\"\($0)\"" }.joined(separator: ", ")
            let all = (scope.columns + Counter.allCases.map(\.rawValue)).map { "\"\($0)\"" }.joined(separator: ", ")
            let table = scope.table, next = scope.table + "_by_key"
            // Whole or not at all: the migrator does not wrap a migration in a transaction.
            try await db.transaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                try await sql.raw("CREATE TABLE \(ident: next) (\(unsafeRaw: columns.joined(separator: ", ")), PRIMARY KEY (\(unsafeRaw: key))) WITHOUT ROWID").run()
                try await sql.raw("INSERT INTO \(ident: next) (\(unsafeRaw: all)) SELECT \(unsafeRaw: all) FROM \(ident: table)").run()
                try await sql.raw("DROP TABLE \(ident: table)").run()
                try await sql.raw("ALTER TABLE \(ident: next) RENAME TO \(ident: table)").run()
            }
        }
    }

    /// The tables stay keyed so; `CreateStatistics` drops them.
    func revert(on db: any Database) async throws {}
}

/// `stat_runs`: the import runs under way, each with the time it was last heard from.
struct CreateStatisticsRuns: AsyncMigration {
    var name: String { "indicators.004.statistics-runs" }

    func prepare(on db: any Database) async throws {
        try await db.schema(StatisticsRun.table)
            .field("id", .uuid, .identifier(auto: false))
            .field("started_at", .datetime, .required)
            .field("seen_at", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(StatisticsRun.table).delete()
    }
}
