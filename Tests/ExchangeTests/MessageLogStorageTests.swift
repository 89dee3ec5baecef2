@testable import Exchange
import Fluent
import Foundation
import SQLKit
import Testing
import TestSupport
import Vapor

@Suite("Exchange message log: how the records are stored")
struct MessageLogStorageTests {
    /// `LogKeyedBySeq` keeps every record, in chain order and verifiable, when it rebuilds the
    /// table; the log goes on after it; `seq` is the key, and refuses a second record at a taken
    /// place; and `id` is no longer indexed.
    @Test func rekeyingTheLogBySeqKeepsItsChain() async throws {
        try await withApp { app async throws in
            let key = try #require(app.platformKey)
            try await LogArchiveTests.append(20, at: app.clock.now(), app: app)
            try await LogSealing.sealOnce(app: app, key: key)
            struct Stored: Equatable { var seq: Int; var id: UUID?; var hash: String; var query: String }
            func stored() async throws -> [Stored] {
                try await MessageRecord.query(on: app.db).sort(\.$seq).all().map { Stored(seq: $0.seq, id: $0.id, hash: $0.hash, query: $0.query) }
            }
            let before = try await stored()
            #expect(before.count == 20)
            try await LogKeyedBySeq().prepare(on: app.db)
            #expect(try await stored() == before)

            app.messageLogHead = ChainHead()  // the next batch reads the head from the rebuilt table
            try await LogArchiveTests.append(3, at: app.clock.now(), app: app)
            let v = try await MessageLog.verify(keys: [key.keyID: key.publicKey], on: app.db)
            #expect(v.firstBroken == nil && v.checked == 23, "\(v)")

            let sql = try #require(app.db as? any SQLDatabase)
            let columns = "seq, id, at, client, service, message_id, user_id, issue, method, path, status, error_type, request_bytes, response_bytes, duration_us, request_hash, response_hash, prev_hash, hash"
            await #expect(throws: (any Error).self) {
                try await sql.raw("INSERT INTO exchange_messages (\(unsafeRaw: columns)) SELECT \(unsafeRaw: columns) FROM exchange_messages WHERE seq = 1").run()
            }
            #expect(try await MessageRecord.query(on: app.db).count() == 23)

            struct Name: Decodable { var name: String }
            let indexes = sql.dialect.name == "sqlite"
                ? try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'exchange_messages' ORDER BY name").all(decoding: Name.self)
                : try await sql.raw("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'exchange_messages' ORDER BY indexname").all(decoding: Name.self)
            // SQLite: `seq` is the rowid, so it has no index of its own; PostgreSQL: its primary key's.
            let expected = ["exchange_messages_client_at", "exchange_messages_message_id"] + (sql.dialect.name == "sqlite" ? [] : ["exchange_messages_pkey"])
            #expect(indexes.map(\.name) == expected)
            if sql.dialect.name != "sqlite" {
                struct Definition: Decodable { var indexdef: String }
                let key = try await sql.raw("SELECT indexdef FROM pg_indexes WHERE indexname = 'exchange_messages_pkey'").first(decoding: Definition.self)
                #expect(key?.indexdef.hasSuffix("(seq)") == true, "\(String(describing: key))")
            }
        }
    }
}
