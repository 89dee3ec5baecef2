import Fluent
import Foundation
import Kernel
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Dấu niêm phong: the platform's Ed25519 signature over the chain head at a moment. Whoever can
/// rewrite the database can recompute every hash of the chain, but cannot sign: a verified seal
/// after a record proves that record as it was when sealed.
public final class LogSeal: Model, @unchecked Sendable {
    public static let schema = "exchange_log_seals"

    @ID(key: .id) public var id: UUID?
    /// The newest record covered.
    @Field(key: "seq") public var seq: Int
    @Field(key: "head_hash") public var headHash: String
    @Field(key: "sealed_at") public var sealedAt: Date
    /// The signing key's id (`PlatformKey.keyID`), so seals survive a key rotation.
    @Field(key: "key_id") public var keyID: String
    /// Base64 of the Ed25519 signature over `signedText`.
    @Field(key: "signature") public var signature: String

    public init() {}

    var signedText: Data {
        Data("tinhso-log-seal|\(seq)|\(headHash)|\(VietnamTime.milliseconds(sealedAt))".utf8)
    }
}

struct CreateLogSeals: AsyncMigration {
    var name: String { "exchange.003.log-seals" }
    func prepare(on db: any Database) async throws {
        try await db.schema(LogSeal.schema)
            .id()
            .field("seq", .int, .required)
            .field("head_hash", .string, .required)
            .field("sealed_at", .datetime, .required)
            .field("key_id", .string, .required)
            .field("signature", .string, .required)
            .unique(on: "seq")
            .create()
    }
    func revert(on db: any Database) async throws { try await db.schema(LogSeal.schema).delete() }
}

/// The platform's signing key (khoá của nền tảng), Ed25519, kept in the data directory with
/// owner-only permissions and made on first start. Its public half is what other platforms
/// put in their trust lists.
public struct PlatformKey: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey
    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }
    /// The first 16 hex digits of the SHA-256 of the public key.
    public let keyID: String
    /// This key alone, as `verify` and `AccessToken.verify` take their trusted keys.
    public var verifying: [String: Curve25519.Signing.PublicKey] { [keyID: publicKey] }

    public static func keyID(of key: Curve25519.Signing.PublicKey) -> String { String(SecureToken.sha256Hex(key.rawRepresentation).prefix(16)) }

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        keyID = Self.keyID(of: privateKey.publicKey)
    }

    /// Reads `<directory>/keys/platform-ed25519.key`, or makes it.
    public static func load(directory: String) throws -> PlatformKey {
        let dir = (directory as NSString).appendingPathComponent("keys")
        let path = (dir as NSString).appendingPathComponent("platform-ed25519.key")
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return PlatformKey(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(atPath: path, contents: Data(key.rawRepresentation.base64EncodedString().utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw Abort(.internalServerError, reason: "cannot write the platform key at \(path)")
        }
        return PlatformKey(privateKey: key)
    }
}

public enum LogSealing {
    /// Seals the chain head if records were written since the last seal; returns the seal made.
    @discardableResult
    public static func sealOnce(app: Application, key: PlatformKey) async throws -> LogSeal? {
        try await app.groupCommit.transaction { db in
            guard let sql = db as? any SQLDatabase else { return nil }
            struct Head: Decodable { var seq: Int; var hash: String }
            guard let head = try await sql.select().columns("seq", "hash").from(MessageRecord.schema).orderBy("seq", .descending).limit(1)
                .first(decoding: Head.self) else { return nil }
            let last = try await LogSeal.query(on: db).sort(\.$seq, .descending).first()
            guard (last?.seq ?? 0) < head.seq else { return nil }
            let seal = LogSeal()
            seal.seq = head.seq
            seal.headHash = head.hash
            seal.sealedAt = VietnamTime.millisecond(app.clock.now())
            seal.keyID = key.keyID
            seal.signature = try key.privateKey.signature(for: seal.signedText).base64EncodedString()
            try await seal.create(on: db)
            return seal
        }
    }
}

/// Seals the log every second while the server runs (X-Road time-stamps in batches the same way).
final class LogSealer: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ app: Application) async throws {
        task.withLockedValue {
            $0 = Task {
                while true {
                    do { try await Task.sleep(for: .seconds(1)) } catch { return }  // cancelled: shutting down
                    guard let key = app.platformKey else { continue }
                    do { try await LogSealing.sealOnce(app: app, key: key) } catch { app.logger.warning("message log seal failed: \(error)") }
                }
            }
        }
    }

    /// Waits for a seal in progress, so none runs on databases being shut down.
    func shutdownAsync(_ app: Application) async {
        let running = task.withLockedValue { t -> Task<Void, Never>? in
            t?.cancel()
            return t
        }
        await running?.value
    }
}

extension Application {
    private struct PlatformKeyKey: StorageKey { typealias Value = PlatformKey }
    /// Set by `Exchange.configure`.
    public var platformKey: PlatformKey? {
        get { storage[PlatformKeyKey.self] }
        set { storage[PlatformKeyKey.self] = newValue }
    }
}
