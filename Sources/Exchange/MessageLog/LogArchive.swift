import Crypto
import Fluent
import Foundation
import Kernel
import NIOPosix
import SQLKit
import Vapor

/// Lưu trữ nhật ký: sealed records moved out of the database into a JSON Lines file, with the
/// seals that cover them, once they are older than the retention period. The archive's row here
/// (signed by the platform key) keeps the chain verifiable: the first record left in the
/// database links to the archive's last hash. The file is checked on its own by `verifyFile`.
public final class LogArchive: Model, @unchecked Sendable {
    public static let schema = "exchange_log_archives"

    @ID(key: .id) public var id: UUID?
    @Field(key: "first_seq") public var firstSeq: Int
    @Field(key: "last_seq") public var lastSeq: Int
    /// The hash of record `lastSeq`: what record `lastSeq + 1` links to.
    @Field(key: "last_hash") public var lastHash: String
    @Field(key: "records") public var records: Int
    /// The file's name in the archive directory, and the SHA-256 of its bytes.
    @Field(key: "file_name") public var fileName: String
    @Field(key: "file_sha256") public var fileSHA256: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "key_id") public var keyID: String
    /// Base64 Ed25519 signature over `signedText`.
    @Field(key: "signature") public var signature: String

    public init() {}

    var signedText: Data {
        Data("tinhso-log-archive|\(firstSeq)|\(lastSeq)|\(lastHash)|\(records)|\(fileName)|\(fileSHA256)".utf8)
    }

    func isSigned(by keys: [String: Curve25519.Signing.PublicKey]) -> Bool {
        guard let key = keys[keyID], let s = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(s, for: signedText)
    }

    /// What the archive file's `.manifest.json` holds: this row, to check the file without the database.
    struct Manifest: Codable {
        var firstSeq: Int, lastSeq: Int, lastHash: String, records: Int, fileName: String, fileSHA256: String
        var createdAt: Date, keyID: String, signature: String
    }
}

struct CreateLogArchives: AsyncMigration {
    var name: String { "exchange.006.log-archives" }
    func prepare(on db: any Database) async throws {
        try await db.schema(LogArchive.schema)
            .id()
            .field("first_seq", .int, .required)
            .field("last_seq", .int, .required)
            .field("last_hash", .string, .required)
            .field("records", .int, .required)
            .field("file_name", .string, .required)
            .field("file_sha256", .string, .required)
            .field("created_at", .datetime, .required)
            .field("key_id", .string, .required)
            .field("signature", .string, .required)
            .unique(on: "last_seq")
            .create()
    }
    func revert(on db: any Database) async throws { try await db.schema(LogArchive.schema).delete() }
}

/// One line of an archive file: a record or a seal, with every field that is hashed or signed.
struct ArchiveLine: Codable {
    var seal: Bool?
    var seq: Int
    var at: Date
    var client: String?, service: String?, messageID: String?, userID: String?, issue: String?, method: String?, path: String?, query: String?
    var status: Int?, errorType: String?, requestBytes: Int?, responseBytes: Int?, durationMicroseconds: Int?
    var requestHash: String?, responseHash: String?, prevHash: String?, hash: String?
    var headHash: String?, keyID: String?, signature: String?

    init(_ r: LogEntry) {
        (seq, at, client, service, messageID, userID, issue, method, path) = (r.seq, r.at, r.client, r.service, r.messageID, r.userID, r.issue, r.method, r.path)
        (status, errorType, requestBytes, responseBytes, durationMicroseconds) = (r.status, r.errorType, r.requestBytes, r.responseBytes, r.durationMicroseconds)
        (requestHash, responseHash, prevHash, hash) = (r.requestHash, r.responseHash, r.prevHash, r.hash)
        query = r.query.isEmpty ? nil : r.query
    }

    init(_ s: LogSeal) {
        (seal, seq, at, headHash, keyID, signature) = (true, s.seq, s.sealedAt, s.headHash, s.keyID, s.signature)
    }

    var entry: LogEntry {
        LogEntry(seq: seq, at: at, client: client ?? "", service: service ?? "", messageID: messageID ?? "", userID: userID ?? "",
                 issue: issue ?? "", method: method ?? "", path: path ?? "", query: query ?? "", status: status ?? 0, errorType: errorType ?? "",
                 requestBytes: requestBytes ?? 0, responseBytes: responseBytes ?? 0, durationMicroseconds: durationMicroseconds ?? 0,
                 requestHash: requestHash ?? "", responseHash: responseHash ?? "", prevHash: prevHash ?? "", hash: hash ?? "")
    }

    var logSeal: LogSeal {
        let s = LogSeal()
        (s.seq, s.sealedAt, s.headHash, s.keyID, s.signature) = (seq, at, headHash ?? "", keyID ?? "", signature ?? "")
        return s
    }
}

extension MessageLog {
    public static func archiveDirectory(_ dataDirectory: String) -> String { (dataDirectory as NSString).appendingPathComponent("archives") }

    /// The background pass of `TINHSO_LOG_RETENTION_DAYS`: archives the days older than the
    /// retention period, one file a day. Most passes cost two point queries: the newest archive,
    /// and whether the record after it is old enough yet.
    public static func archiveExpired(retentionDays: Int, directory: String, now: Date, app: Application) async throws {
        guard let key = app.platformKey, let cutoff = VietnamTime.startOfDay(VietnamTime.isoDay(VietnamTime.dayNumber(now) - retentionDays)) else { return }
        let archived = try await LogArchive.query(on: app.db).sort(\.$lastSeq, .descending).first()?.lastSeq ?? 0
        guard let next = try await MessageRecord.query(on: app.db).filter(\.$seq == archived + 1).first(), next.at < cutoff else { return }
        if let a = try await archive(before: cutoff, directory: directory, key: key, app: app) {
            app.logger.notice("message log: records \(a.firstSeq)–\(a.lastSeq) archived to \(a.fileName)")
        }
    }

    static var archiveEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        e.dateEncodingStrategy = .millisecondsSince1970
        return e
    }

    static var archiveDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }

    /// Moves the records older than `before` (and only sealed ones, so each archive ends at a
    /// seal) into a new file in `directory`, checked as they are written: a broken chain is not
    /// archived. Returns nil when there is nothing to archive.
    public static func archive(before: Date, directory: String, key: PlatformKey, app: Application) async throws -> LogArchive? {
        let db = app.db
        let last = try await LogArchive.query(on: db).sort(\.$lastSeq, .descending).first()
        let first = (last?.lastSeq ?? 0) + 1
        guard let newestOld = try await MessageRecord.query(on: db).filter(\.$at < before).sort(\.$seq, .descending).first()?.seq,
              let sealed = try await LogSeal.query(on: db).filter(\.$seq <= newestOld).filter(\.$seq >= first).sort(\.$seq, .descending).first()?.seq
        else { return nil }
        let through = sealed

        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let name = "message-log-\(first)-\(through).jsonl"
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path + ".partial", contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path + ".partial") else { throw Abort(.internalServerError, reason: "cannot write \(path)") }
        var hasher = SHA256()
        let encoder = archiveEncoder
        var check: ChainCheck
        do {
            check = try await chainStart(from: first, keys: key.verifying, on: db).0
            let seals = Dictionary(try await LogSeal.query(on: db).filter(\.$seq >= first).filter(\.$seq <= through).all().map { ($0.seq, $0) },
                                   uniquingKeysWith: { a, _ in a })
            while check.expected <= through {
                let page = try await MessageRecord.query(on: db).filter(\.$seq >= check.expected).filter(\.$seq <= through).sort(\.$seq).limit(5000).all()
                guard !page.isEmpty else { throw check.missing }
                // Checking, encoding and writing a page is CPU and disk work: on the thread pool, not on a serving event loop.
                (check, hasher) = try await NIOThreadPool.singleton.runIfActive { [check, hasher] in
                    var (check, hasher) = (check, hasher)
                    var chunk = Data()
                    for r in page.map(\.entry) {
                        try check.next(r)
                        chunk += try encoder.encode(ArchiveLine(r)) + Data([0x0A])
                        if let s = seals[r.seq] {
                            try check.seal(s)
                            chunk += try encoder.encode(ArchiveLine(s)) + Data([0x0A])
                        }
                    }
                    hasher.update(data: chunk)
                    try handle.write(contentsOf: chunk)
                    return (check, hasher)
                }
            }
            try await NIOThreadPool.singleton.runIfActive {
                try handle.synchronize()
                try handle.close()
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path + ".partial")
            if let broken = error as? ChainCheck.Broken {
                throw Abort(.conflict, reason: "nhật ký bị thay đổi tại bản ghi \(broken.seq) (\(broken.reason)): không lưu trữ")
            }
            throw error
        }
        // The check has taken every record of the range: its link is the last one's hash.
        let (count, lastHash) = (check.expected - first, check.prev ?? "")
        let archive = LogArchive()
        (archive.firstSeq, archive.lastSeq, archive.lastHash, archive.records, archive.fileName) = (first, through, lastHash, count, name)
        archive.fileSHA256 = SecureToken.hex(hasher.finalize())
        archive.createdAt = VietnamTime.millisecond(app.clock.now())
        archive.keyID = key.keyID
        archive.signature = try key.privateKey.signature(for: archive.signedText).base64EncodedString()
        let manifest = LogArchive.Manifest(firstSeq: first, lastSeq: through, lastHash: lastHash, records: count, fileName: name,
                                           fileSHA256: archive.fileSHA256, createdAt: archive.createdAt, keyID: archive.keyID, signature: archive.signature)
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: path + ".manifest.json"), options: .atomic)
        // A file of this name without its row is left from a run that failed before its transaction: the records are still here.
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: path + ".partial", toPath: path)
        // The file is durable before the rows go; the rows go with the archive's row, in one transaction.
        try await app.groupCommit.transaction { db in
            try await archive.create(on: db)
            try await MessageRecord.query(on: db).filter(\.$seq >= first).filter(\.$seq <= through).delete()
            try await LogSeal.query(on: db).filter(\.$seq >= first).filter(\.$seq <= through).delete()
        }
        return archive
    }

    public struct FileVerification: Sendable {
        public var records: Int
        public var seals: Int
        /// Nil when the file, its manifest, its chain and its seals all check out.
        public var problem: String?
    }

    /// Checks an archive file without the database: its manifest's signature, the file's hash,
    /// the chain inside it and every seal.
    public static func verifyFile(_ path: String, keys: [String: Curve25519.Signing.PublicKey]) throws -> FileVerification {
        var v = FileVerification(records: 0, seals: 0, problem: nil)
        func fail(_ p: String) -> FileVerification { v.problem = p; return v }
        guard let manifestData = FileManager.default.contents(atPath: path + ".manifest.json"),
              let m = try? archiveDecoder.decode(LogArchive.Manifest.self, from: manifestData) else { return fail("không đọc được tệp kê khai \(path).manifest.json") }
        let row = LogArchive()
        (row.firstSeq, row.lastSeq, row.lastHash, row.records, row.fileName, row.fileSHA256) = (m.firstSeq, m.lastSeq, m.lastHash, m.records, m.fileName, m.fileSHA256)
        (row.keyID, row.signature) = (m.keyID, m.signature)
        guard row.isSigned(by: keys) else { return fail("chữ ký của tệp kê khai không hợp lệ hoặc khoá \(m.keyID) không được tin cậy") }
        guard let data = FileManager.default.contents(atPath: path) else { return fail("không đọc được \(path)") }
        guard SecureToken.sha256Hex(data) == m.fileSHA256 else {
            return fail("nội dung tệp khác với lúc lưu trữ (SHA-256 không khớp)")
        }
        var check = ChainCheck(expected: m.firstSeq, prev: nil, keys: keys)
        let decoder = archiveDecoder
        for line in data.split(separator: 0x0A) {
            guard let l = try? decoder.decode(ArchiveLine.self, from: line) else { return fail("dòng không đọc được sau bản ghi \(check.expected - 1)") }
            do {
                if l.seal == true {
                    try check.seal(l.logSeal)
                    v.seals += 1
                } else {
                    try check.next(l.entry)
                    v.records += 1
                }
            } catch {
                return fail("bản ghi \(error.seq): \(error.reason)")
            }
        }
        let (expected, prev) = (check.expected, check.prev)
        guard v.records == m.records, expected - 1 == m.lastSeq, prev == m.lastHash else { return fail("tệp không chứa đủ các bản ghi đã kê khai") }
        return v
    }
}
