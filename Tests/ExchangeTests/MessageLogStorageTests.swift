@testable import Exchange
import Fluent
import Foundation
import SQLKit
import Testing
import TestSupport
import Vapor

@Suite("Exchange message log: how the records are stored")
struct MessageLogStorageTests {
    struct Name: Decodable { var name: String }

    /// The table's indexes, by name.
    static func indexes(_ sql: any SQLDatabase) async throws -> [String] {
        try await (sql.dialect.name == "sqlite"
            ? sql.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'exchange_messages' ORDER BY name")
            : sql.raw("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'exchange_messages' ORDER BY indexname")).all(decoding: Name.self).map(\.name)
    }

    /// Puts the table back as it was before `LogKeyedBySeq`, records and all: keyed by `id`, with `seq` unique.
    static func restoreOldLayout(_ db: any Database) async throws {
        try await db.transaction { tx in
            let sql = try #require(tx as? any SQLDatabase)
            guard sql.dialect.name == "sqlite" else {
                try await sql.raw("""
                    ALTER TABLE exchange_messages DROP CONSTRAINT exchange_messages_pkey, ADD PRIMARY KEY (id),
                    ADD CONSTRAINT "uq:exchange_messages.seq" UNIQUE (seq)
                    """).run()
                return
            }
            try await sql.raw("""
                CREATE TABLE "old" ("id" UUID PRIMARY KEY, "seq" INTEGER NOT NULL, "at" REAL NOT NULL, "client" TEXT NOT NULL, "service" TEXT NOT NULL,
                "message_id" TEXT NOT NULL, "user_id" TEXT NOT NULL, "issue" TEXT NOT NULL, "method" TEXT NOT NULL, "path" TEXT NOT NULL, "status" INTEGER NOT NULL,
                "error_type" TEXT NOT NULL, "request_bytes" INTEGER NOT NULL, "response_bytes" INTEGER NOT NULL, "duration_us" INTEGER NOT NULL,
                "request_hash" TEXT NOT NULL, "response_hash" TEXT NOT NULL, "prev_hash" TEXT NOT NULL, "hash" TEXT NOT NULL, "query" TEXT NOT NULL DEFAULT '',
                CONSTRAINT "uq:exchange_messages.seq" UNIQUE ("seq"))
                """).run()
            try await sql.raw("INSERT INTO old (\(unsafeRaw: columns), query) SELECT \(unsafeRaw: columns), query FROM exchange_messages").run()
            try await sql.raw("DROP TABLE exchange_messages").run()
            try await sql.raw("ALTER TABLE old RENAME TO exchange_messages").run()
            try await sql.raw("CREATE INDEX exchange_messages_client_at ON exchange_messages (client, at)").run()
            try await sql.raw("CREATE INDEX exchange_messages_message_id ON exchange_messages (message_id)").run()
        }
    }

    static let columns = "seq, id, at, client, service, message_id, user_id, issue, method, path, status, error_type, request_bytes, response_bytes, duration_us, request_hash, response_hash, prev_hash, hash"

    /// `LogKeyedBySeq` upgrades a log in the old layout (keyed by `id`) keeping every record, in
    /// chain order and verifiable, and can run again; the log goes on after it; `seq` is the key,
    /// and refuses a second record at a taken place; and `id` is no longer indexed.
    @Test func rekeyingTheLogBySeqKeepsItsChain() async throws {
        try await withApp { app async throws in
            let key = try #require(app.platformKey)
            let sql = try #require(app.db as? any SQLDatabase)
            try await LogArchiveTests.append(20, at: app.clock.now(), app: app)
            try await LogSealing.sealOnce(app: app, key: key)
            struct Stored: Equatable { var seq: Int; var id: UUID?; var hash: String; var query: String }
            func stored() async throws -> [Stored] {
                try await MessageRecord.query(on: app.db).sort(\.$seq).all().map { Stored(seq: $0.seq, id: $0.id, hash: $0.hash, query: $0.query) }
            }
            let before = try await stored()
            #expect(before.count == 20)
            try await Self.restoreOldLayout(app.db)
            // The old layout indexes `id` and `seq` (SQLite's autoindexes; PostgreSQL's key and unique constraint).
            #expect(try await Self.indexes(sql).count == 4)
            try await LogKeyedBySeq().prepare(on: app.db)
            #expect(try await stored() == before)
            try await LogKeyedBySeq().prepare(on: app.db)  // again, as on a database already upgraded
            #expect(try await stored() == before)

            app.messageLogHead = ChainHead()  // the next batch reads the head from the rebuilt table
            try await LogArchiveTests.append(3, at: app.clock.now(), app: app)
            let v = try await MessageLog.verify(keys: [key.keyID: key.publicKey], on: app.db)
            #expect(v.firstBroken == nil && v.checked == 23, "\(v)")

            do {
                try await sql.raw("INSERT INTO exchange_messages (\(unsafeRaw: Self.columns)) SELECT \(unsafeRaw: Self.columns) FROM exchange_messages WHERE seq = 1").run()
                Issue.record("a second record at seq 1 was accepted")
            } catch let error as any DatabaseError {
                #expect(error.isConstraintFailure, "\(String(reflecting: error))")
            }
            #expect(try await MessageRecord.query(on: app.db).count() == 23)

            // SQLite: `seq` is the rowid, so it has no index of its own; PostgreSQL: its primary key's.
            let expected = ["exchange_messages_client_at", "exchange_messages_message_id"] + (sql.dialect.name == "sqlite" ? [] : ["exchange_messages_pkey"])
            #expect(try await Self.indexes(sql) == expected)
            if sql.dialect.name != "sqlite" {
                struct Definition: Decodable { var indexdef: String }
                let key = try await sql.raw("SELECT indexdef FROM pg_indexes WHERE indexname = 'exchange_messages_pkey'").first(decoding: Definition.self)
                #expect(key?.indexdef.hasSuffix("(seq)") == true, "\(String(describing: key))")
            }
        }
    }
}
