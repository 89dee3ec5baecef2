import Fluent
import Foundation
import Kernel
import NIOConcurrencyHelpers
import NIOPosix
import SQLKit
import Vapor

/// Nhật ký trao đổi: one record for every exchange through the gateway — who called what, when,
/// with which message id, how it ended, and SHA-256 hashes of both bodies — hash-chained in the
/// order written, so that an edited, removed or inserted record breaks the chain at that point.
public final class MessageRecord: Model, @unchecked Sendable {
    public static let schema = "exchange_messages"

    /// Unique (time-ordered, made by the writer) but not a key: nothing finds a record by it (`LogKeyedBySeq`).
    @ID(key: .id) public var id: UUID?
    /// Position in the chain, from 1, without gaps: the key.
    @Field(key: "seq") public var seq: Int
    @Field(key: "at") public var at: Date
    /// `X-Road-Client` as authenticated.
    @Field(key: "client") public var client: String
    /// The provider subsystem and service code, `VN/GOV/…/MOTCUA/tra-cuu-cong-dan`.
    @Field(key: "service") public var service: String
    @Field(key: "message_id") public var messageID: String
    @Field(key: "user_id") public var userID: String
    @Field(key: "issue") public var issue: String
    @Field(key: "method") public var method: String
    @Field(key: "path") public var path: String
    /// The query string as sent (without `?`); empty when there was none.
    @Field(key: "query") public var query: String
    @Field(key: "status") public var status: Int
    /// The gateway's own error type (`Server.ServerProxy.ServiceFailed`…); empty when it passed the call on.
    @Field(key: "error_type") public var errorType: String
    @Field(key: "request_bytes") public var requestBytes: Int
    @Field(key: "response_bytes") public var responseBytes: Int
    @Field(key: "duration_us") public var durationMicroseconds: Int
    @Field(key: "request_hash") public var requestHash: String
    @Field(key: "response_hash") public var responseHash: String
    @Field(key: "prev_hash") public var prevHash: String
    @Field(key: "hash") public var hash: String

    public init() { query = "" }

    /// The record as the chain hashes it.
    var entry: LogEntry {
        LogEntry(id: id, seq: seq, at: at, client: client, service: service, messageID: messageID, userID: userID, issue: issue,
                 method: method, path: path, query: query, status: status, errorType: errorType, requestBytes: requestBytes,
                 responseBytes: responseBytes, durationMicroseconds: durationMicroseconds, requestHash: requestHash,
                 responseHash: responseHash, prevHash: prevHash, hash: hash)
    }
}

/// One exchange's record as it is written and checked: a value. `MessageRecord` is the same row
/// read back through Fluent (the log pages, the queries); the gateway does not build a model for
/// every call, because its twenty property wrappers took about 5 % of the gateway's CPU in a profile.
struct LogEntry: Sendable {
    /// Given when its row is made (`row`), time-ordered as the records are; not a key (`LogKeyedBySeq`).
    var id: UUID?
    var seq = 0
    var at: Date
    var client = ""
    var service = ""
    var messageID: String
    var userID = ""
    var issue = ""
    var method: String
    var path = "/"
    var query = ""
    var status = 0
    var errorType = ""
    var requestBytes = 0
    var responseBytes = 0
    var durationMicroseconds = 0
    var requestHash = ""
    var responseHash = ""
    var prevHash = ""
    var hash = ""

    /// The record's hash over every field and the previous record's hash.
    func computedHash() -> String {
        let millis = VietnamTime.milliseconds(at)
        var line: [String] = [prevHash, String(seq), String(millis), client, service, messageID, userID, issue, method, path, String(status),
                              errorType, String(requestBytes), String(responseBytes), String(durationMicroseconds), requestHash, responseHash]
        // The query came later (December 2026): a record without one hashes as before, so older chains and archives still verify.
        if !query.isEmpty { line.append(query) }
        return SecureToken.hash(line.joined(separator: "\u{1F}"))
    }

    /// The fields hashed as text, joined with U+001F (`computedHash`).
    static let textFields: [WritableKeyPath<LogEntry, String>] =
        [\.client, \.service, \.messageID, \.userID, \.issue, \.method, \.path, \.errorType, \.requestHash, \.responseHash, \.query]

    /// Whether a text field holds the separator (a byte scan: Foundation's `contains` took 2 % of the gateway's CPU).
    var holdsSeparator: Bool { Self.textFields.contains { self[keyPath: $0].utf8.contains(0x1F) } }

    /// No field may hold the separator, or text could move between fields under the same hash: a
    /// caller's `%1F` is stored as U+FFFD, and `verify` refuses a record that holds one.
    mutating func replaceSeparators() {
        for field in Self.textFields where self[keyPath: field].utf8.contains(0x1F) {
            self[keyPath: field] = self[keyPath: field].replacingOccurrences(of: "\u{1F}", with: "\u{FFFD}")
        }
    }

    var row: SQLCells {
        [("id", id ?? UUID.timeOrdered(at: at)), ("seq", seq), ("at", at), ("client", client), ("service", service), ("message_id", messageID), ("user_id", userID),
         ("issue", issue), ("method", method), ("path", path), ("query", query), ("status", status), ("error_type", errorType), ("request_bytes", requestBytes),
         ("response_bytes", responseBytes), ("duration_us", durationMicroseconds), ("request_hash", requestHash),
         ("response_hash", responseHash), ("prev_hash", prevHash), ("hash", hash)]
    }
}

struct CreateMessageLog: AsyncMigration {
    var name: String { "exchange.002.message-log" }

    func prepare(on db: any Database) async throws {
        try await db.schema(MessageRecord.schema)
            .id()
            .field("seq", .int, .required)
            .field("at", .datetime, .required)
            .field("client", .string, .required)
            .field("service", .string, .required)
            .field("message_id", .string, .required)
            .field("user_id", .string, .required)
            .field("issue", .string, .required)
            .field("method", .string, .required)
            .field("path", .string, .required)
            .field("status", .int, .required)
            .field("error_type", .string, .required)
            .field("request_bytes", .int, .required)
            .field("response_bytes", .int, .required)
            .field("duration_us", .int, .required)
            .field("request_hash", .string, .required)
            .field("response_hash", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "seq")
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema(MessageRecord.schema).delete() }
}

/// Who asked for what: for a lookup the query is the question (`?cccd=…`), so it is kept and hashed with the rest.
struct AddLogQuery: AsyncMigration {
    var name: String { "exchange.010.log-query" }
    func prepare(on db: any Database) async throws {
        try await db.schema(MessageRecord.schema).field("query", .string, .required, .sql(.default(""))).update()
    }
    func revert(on db: any Database) async throws { try await db.schema(MessageRecord.schema).deleteField("query").update() }
}

/// The log page finds a record by its message id (an error's `detail`): without this index it scanned the whole log.
struct IndexLogByMessageID: AsyncMigration {
    var name: String { "exchange.009.log-by-message-id" }
    func prepare(on db: any Database) async throws {
        try await (db as? any SQLDatabase)?.create(index: "exchange_messages_message_id").on(MessageRecord.schema).column("message_id").run()
    }
    func revert(on db: any Database) async throws {
        try await (db as? any SQLDatabase)?.drop(index: "exchange_messages_message_id").run()
    }
}

/// The log stored by its place in the chain. Each record was an entry in five b-trees on SQLite
/// (the table by rowid, `id`, `seq`, `message_id`, `client`+`at`) and each batch's commit wrote a
/// page of each to the WAL. Nothing looks a record up by `id`: on SQLite `seq` becomes the rowid
/// (`INTEGER PRIMARY KEY`) and `id` a plain column, so a record is an entry in three; on
/// PostgreSQL `seq` becomes the primary key in place of `id` and of its own unique constraint,
/// so one index fewer (decision 0019).
/// A one-time rebuild of the SQLite table, in one transaction: a large log takes a while.
struct LogKeyedBySeq: AsyncMigration {
    var name: String { "exchange.011.log-keyed-by-seq" }

    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        guard sql.dialect.name == "sqlite" else {
            // `seq`'s unique index becomes the primary key (a table with none cannot publish deletes to a logical replica).
            try await db.transaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                try await sql.raw("""
                    ALTER TABLE \(ident: MessageRecord.schema) DROP CONSTRAINT IF EXISTS \(ident: MessageRecord.schema + "_pkey"),
                    DROP CONSTRAINT IF EXISTS \(ident: "uq:" + MessageRecord.schema + ".seq"),
                    ADD CONSTRAINT \(ident: MessageRecord.schema + "_pkey") PRIMARY KEY (seq)
                    """).run()
            }
            return
        }
        let text = ["client", "service", "message_id", "user_id", "issue", "method", "path", "error_type", "request_hash", "response_hash", "prev_hash", "hash"]
        let integer = ["status", "request_bytes", "response_bytes", "duration_us"]
        // As the rowid, a NULL `seq` would be given one rather than refused: `LogEntry.row` always binds it.
        let columns = [#""seq" INTEGER PRIMARY KEY"#, #""id" UUID NOT NULL"#, #""at" REAL NOT NULL"#] + text.map { "\"\($0)\" TEXT NOT NULL" }
            + integer.map { "\"\($0)\" INTEGER NOT NULL" } + [#""query" TEXT NOT NULL DEFAULT ''"#]
        let all = (["seq", "id", "at"] + text + integer + ["query"]).map { "\"\($0)\"" }.joined(separator: ", ")
        let table = MessageRecord.schema, next = MessageRecord.schema + "_by_seq"
        // Whole or not at all: the migrator does not wrap a migration in a transaction.
        try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            try await sql.raw("CREATE TABLE \(ident: next) (\(unsafeRaw: columns.joined(separator: ", ")))").run()
            try await sql.raw("INSERT INTO \(ident: next) (\(unsafeRaw: all)) SELECT \(unsafeRaw: all) FROM \(ident: table)").run()
            try await sql.raw("DROP TABLE \(ident: table)").run()
            try await sql.raw("ALTER TABLE \(ident: next) RENAME TO \(ident: table)").run()
            try await sql.create(index: "exchange_messages_client_at").on(table).column("client").column("at").run()
            try await sql.create(index: "exchange_messages_message_id").on(table).column("message_id").run()
        }
    }

    /// The table stays keyed so; `CreateMessageLog` drops it.
    func revert(on db: any Database) async throws {}
}

/// Appends to the message log through the group commit: the records of concurrent exchanges
/// are chained in the order they are written, in one statement that commits itself (no
/// transaction, so one round trip to the database), and are durable when `append` returns.
public struct LogAppend: BatchableWrite {
    let entry: LogEntry
    let head: ChainHead

    /// Where a record went in the chain.
    public struct Chained: Sendable { public var seq: Int; var hash: String }

    public static var commitsItself: Bool { true }

    public static func write(_ batch: [LogAppend], on db: any Database) async throws -> [Chained] {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the message log needs an SQL database") }
        struct Head: Decodable { var seq: Int; var hash: String }
        var (seq, prev): (Int, String)
        if let known = batch[0].head.take() {
            (seq, prev) = known
        } else {
            let head = try await sql.select().columns("seq", "hash").from(MessageRecord.schema).orderBy("seq", .descending).limit(1)
                .first(decoding: Head.self)
            (seq, prev) = (head?.seq ?? 0, head?.hash ?? MessageLog.genesis)
            // Every record archived (a quiet spell longer than the retention): the chain goes on from the archive.
            if let archived = try await LogArchive.query(on: db).sort(\.$lastSeq, .descending).first(), archived.lastSeq > seq {
                (seq, prev) = (archived.lastSeq, archived.lastHash)
            }
        }
        var rows: [SQLCells] = []
        rows.reserveCapacity(batch.count)
        var chained: [Chained] = []
        chained.reserveCapacity(batch.count)
        for item in batch {
            var e = item.entry
            seq += 1
            // Hashed at millisecond precision, so stored at it (see `VietnamTime.millisecond`).
            e.at = VietnamTime.millisecond(e.at)
            e.replaceSeparators()
            e.seq = seq
            e.prevHash = prev
            e.hash = e.computedHash()
            prev = e.hash
            rows.append(e.row)
            chained.append(Chained(seq: seq, hash: e.hash))
        }
        // Under BulkInsert's values per statement, so the batch is one statement that commits itself.
        precondition(rows.count * (rows.first?.count ?? 0) <= BulkInsert.valuesPerStatement, "a message-log batch must be one INSERT")
        try await BulkInsert.rows(rows, into: MessageRecord.schema, on: sql)
        return chained
    }

    public static func committed(_ batch: [LogAppend], _ outputs: [Chained]) {
        guard let last = batch.last, let chained = outputs.last else { return }
        last.head.keep(seq: chained.seq, hash: chained.hash)
    }
}

/// The chain's newest record as this process last wrote it, so that a batch does not read it
/// back first. Kept only after a batch committed on its own (`LogAppend.committed`) and taken by
/// the next batch: after a failure, or a write inside another transaction that could still roll
/// back, it is empty and the next batch reads the head from the table. Only this process writes
/// the log (decision 0014); a second writer's head would make this one's insert fail on `seq`.
public final class ChainHead: Sendable {
    private let value = NIOLockedValueBox<(seq: Int, hash: String)?>(nil)
    public init() {}
    func take() -> (seq: Int, hash: String)? { value.withLockedValue { v in defer { v = nil }; return v } }
    func keep(seq: Int, hash: String) { value.withLockedValue { $0 = (seq, hash) } }
}

extension Application {
    private struct ChainHeadKey: StorageKey { typealias Value = ChainHead }
    /// Set by `Exchange.configure`; without it every batch reads the head from the table.
    var messageLogHead: ChainHead {
        get { storage[ChainHeadKey.self] ?? ChainHead() }
        set { storage[ChainHeadKey.self] = newValue }
    }
}

public enum MessageLog {
    static let genesis = String(repeating: "0", count: 64)

    /// Writes `entry` (its `seq` and hashes are set here) and returns its `seq`; throws if it could not be made durable.
    @discardableResult
    static func append(_ entry: LogEntry, app: Application) async throws -> Int {
        try await app.groupCommit.write(LogAppend(entry: entry, head: app.messageLogHead)).seq
    }

    public struct Verification: Sendable, Content {
        /// Records checked.
        public var checked: Int
        /// Seals whose signature and head were checked.
        public var seals: Int
        /// The newest record a verified seal covers; later records are chained but not yet sealed.
        public var sealedThrough: Int?
        /// The newest record moved to an archive file (`LogArchive`); the range checked starts after it.
        public var archivedThrough: Int?
        /// The first record whose contents, position, link or seal does not match; nil when the range is intact.
        public var firstBroken: Int?
        public var reason: String?
    }

    /// Where a check of the records from `from` on starts: after the archived records when the
    /// range starts inside them (archives run from record 1 without gaps, and are checked in
    /// their files), linked to their signed last hash; otherwise at `from`, linked to the record
    /// before it or to the genesis. Throws `ChainCheck.Broken` when that link is itself missing.
    static func chainStart(from: Int, keys: [String: Curve25519.Signing.PublicKey], on db: any Database) async throws -> (ChainCheck, archivedThrough: Int?) {
        let from = max(1, from)
        if let archive = try await LogArchive.query(on: db).sort(\.$lastSeq, .descending).first(), archive.lastSeq >= from - 1 {
            guard archive.isSigned(by: keys) else {
                throw ChainCheck.Broken(seq: archive.lastSeq, reason: "chữ ký của bản lưu trữ \(archive.fileName) không hợp lệ hoặc khoá \(archive.keyID) không được tin cậy")
            }
            return (ChainCheck(expected: archive.lastSeq + 1, prev: archive.lastHash, keys: keys), archive.lastSeq)
        }
        guard from > 1 else { return (ChainCheck(expected: 1, prev: genesis, keys: keys), nil) }
        guard let before = try await MessageRecord.query(on: db).filter(\.$seq == from - 1).first()?.hash else {
            // A range after the newest record is empty, not broken.
            if try await MessageRecord.query(on: db).filter(\.$seq >= from - 1).count() == 0 {
                return (ChainCheck(expected: from, prev: nil, keys: keys), nil)
            }
            throw ChainCheck.Broken(seq: from - 1, reason: "bản ghi \(from - 1) không còn")
        }
        return (ChainCheck(expected: from, prev: before, keys: keys), nil)
    }

    /// Checks the records `from`…`through` (all when nil) in chain order, a page at a time, and
    /// the seals among them against `keys` (key id → public key).
    public static func verify(from: Int = 1, through: Int? = nil, keys: [String: Curve25519.Signing.PublicKey],
                              on db: any Database) async throws -> Verification {
        var v = Verification(checked: 0, seals: 0, sealedThrough: nil, archivedThrough: nil, firstBroken: nil, reason: nil)
        do {
            var (check, archivedThrough) = try await chainStart(from: from, keys: keys, on: db)
            v.archivedThrough = archivedThrough
            while true {
                var q = MessageRecord.query(on: db).filter(\.$seq >= check.expected).sort(\.$seq).limit(5000)
                if let through { q = q.filter(\.$seq <= through) }
                let page = try await q.all()
                // The seals over this page's records only: a year of them (one a second) would not fit in memory.
                let covering = try await LogSeal.query(on: db).filter(\.$seq >= page.first?.seq ?? 0).filter(\.$seq <= page.last?.seq ?? -1).all()
                let seals = Dictionary(covering.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
                // Hashing a page is CPU work: on the thread pool, not on an event loop serving requests.
                let broken: ChainCheck.Broken?
                (check, v, broken) = try await NIOThreadPool.singleton.runIfActive { [check, v] in
                    var (check, v) = (check, v)
                    do {
                        for r in page {
                            try check.next(r.entry)
                            v.checked += 1
                            if let seal = seals[r.seq] {
                                try check.seal(seal)
                                v.seals += 1
                                v.sealedThrough = r.seq
                            }
                        }
                    } catch let broken as ChainCheck.Broken {
                        return (check, v, broken)
                    }
                    return (check, v, nil)
                }
                if let broken { throw broken }
                if page.count < 5000 { break }
            }
            // A seal is signed over the record it follows: records it covers that are gone were deleted.
            var later = LogSeal.query(on: db).filter(\.$seq >= check.expected)
            if let through { later = later.filter(\.$seq <= through) }
            if try await later.count() > 0 { throw check.missing }
        } catch let broken as ChainCheck.Broken {
            (v.firstBroken, v.reason) = (broken.seq, broken.reason)
        }
        return v
    }
}

/// What every stretch of the log must hold, record after record, wherever it is read (the
/// database, an archive file): each record in its place, linked to the one before, unaltered;
/// each seal signed by a trusted key over the record it follows.
struct ChainCheck {
    struct Broken: Error { var seq: Int; var reason: String }

    /// The next record's number.
    var expected: Int
    /// The hash the next record must link to; nil when it is not known (an archive file read on
    /// its own), so the first record's link is not checked.
    var prev: String?
    let keys: [String: Curve25519.Signing.PublicKey]

    /// The next record is not there.
    var missing: Broken { Broken(seq: expected, reason: "bản ghi \(expected) bị xoá") }

    /// Takes the next record, or throws where and why the chain breaks.
    mutating func next(_ r: LogEntry) throws(Broken) {
        if r.seq != expected { throw missing }
        if let prev, r.prevHash != prev { throw Broken(seq: r.seq, reason: "liên kết với bản ghi trước không khớp") }
        // A separator in a field, or a body hash that is not one, would let text move between fields unseen.
        if r.holdsSeparator || !Self.isSHA256(r.requestHash) || !Self.isSHA256(r.responseHash) {
            throw Broken(seq: r.seq, reason: "nội dung bản ghi đã bị sửa (trường sai dạng)")
        }
        if r.computedHash() != r.hash { throw Broken(seq: r.seq, reason: "nội dung bản ghi đã bị sửa") }
        prev = r.hash
        expected += 1
    }

    static func isSHA256(_ hex: String) -> Bool { hex.utf8.count == 64 && hex.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }

    /// Checks a seal over the record just taken.
    func seal(_ s: LogSeal) throws(Broken) {
        guard let key = keys[s.keyID], let signature = Data(base64Encoded: s.signature), key.isValidSignature(signature, for: s.signedText) else {
            throw Broken(seq: s.seq, reason: "chữ ký niêm phong không hợp lệ hoặc khoá \(s.keyID) không được tin cậy")
        }
        guard s.seq == expected - 1, s.headHash == prev else { throw Broken(seq: s.seq, reason: "bản ghi khác với lúc được niêm phong") }
    }
}
