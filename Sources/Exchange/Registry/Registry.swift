import Fluent
import Foundation
import Kernel
import NIOCore
import Vapor

/// An X-Road-style identifier (định danh): `instance/memberClass/memberCode/subsystemCode`, e.g.
/// `VN/GOV/000.00.00.H42/MOTCUA`. Only subsystems call and provide services (as in X-Road since 2015).
public struct SubsystemID: Hashable, Sendable, CustomStringConvertible {
    public var instance: String
    public var memberClass: String
    public var memberCode: String
    public var subsystemCode: String

    /// Bytes X-Road allows in an identifier part (PR-REST §4.8), as a table: the gateway checks two identifiers a call.
    private static let allowed: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'()+,-.=?".utf8 { table[Int(b)] = true }
        return table
    }()

    /// Whether `text` uses only those bytes.
    static func isAllowed(_ text: some StringProtocol) -> Bool { text.utf8.allSatisfy { allowed[Int($0)] } }

    public init?(parts: [Substring]) {
        guard parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 255 && Self.isAllowed($0) }) else { return nil }
        (instance, memberClass, memberCode, subsystemCode) = (String(parts[0]), String(parts[1]), String(parts[2]), String(parts[3]))
    }

    /// From `VN/GOV/000.00.00.H42/MOTCUA` (parts may be percent-encoded, as in `X-Road-Client`).
    public init?(_ text: String) {
        self.init(encodedParts: text.split(separator: "/", omittingEmptySubsequences: false))
    }

    /// From four parts as they came in a path or a header, decoding only those with a `%`
    /// (Foundation's decoding took 3–4 % of the gateway's CPU in a profile, for parts that rarely
    /// have one, and its `contains` another 1 %: so a byte scan).
    init?(encodedParts parts: [Substring]) {
        self.init(parts: parts.map { $0.utf8.contains(UInt8(ascii: "%")) ? Substring($0.removingPercentEncoding ?? String($0)) : $0 })
    }

    public var description: String { "\(instance)/\(memberClass)/\(memberCode)/\(subsystemCode)" }
}

/// Hệ thống thông tin: an information system of an agency, connected to (or planned for) the LGSP.
public final class InformationSystem: Model, Content, @unchecked Sendable {
    public static let schema = "exchange_systems"

    /// Trạng thái kết nối: the connection status the provinces report ("9 of 17 connected, 8 in trial").
    public enum Status: String, Codable, Sendable, CaseIterable { case planned, trial, official, suspended }
    /// Phê duyệt cấp độ: the approval of its security level (Nghị định 85/2016).
    public enum LevelApproval: String, Codable, Sendable, CaseIterable { case none, submitted, approved }

    @ID(key: .id) public var id: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "owner_agency") public var ownerAgency: String
    @Field(key: "purpose") public var purpose: String
    /// Cấp độ an toàn hệ thống thông tin, 1–5.
    @Field(key: "security_level") public var securityLevel: Int
    @Field(key: "level_approval") public var levelApproval: LevelApproval
    @Field(key: "operator_contact") public var operatorContact: String
    @Field(key: "status") public var status: Status
    /// Its subsystem identifier (`SubsystemID`), unique.
    @Field(key: "subsystem") public var subsystem: String
    /// As a consumer: calls a second (nil: no limit) and a day (nil: no quota).
    @OptionalField(key: "rate_per_second") public var ratePerSecond: Int?
    @OptionalField(key: "daily_quota") public var dailyQuota: Int?

    public init() {}
}

/// A service a system provides through the gateway (dịch vụ chia sẻ dữ liệu).
public final class ExchangeService: Model, Content, @unchecked Sendable {
    public static let schema = "exchange_services"

    /// Phân loại dữ liệu: what the data may be shown to.
    public enum Classification: String, Codable, Sendable, CaseIterable { case open, internalUse = "internal", restricted, secret }

    @ID(key: .id) public var id: UUID?
    @Parent(key: "system_id") public var system: InformationSystem
    @Field(key: "code") public var code: String
    @Field(key: "version") public var version: String
    /// The real upstream, to which the gateway forwards `/r1/…/{code}/rest`.
    @Field(key: "base_url") public var baseURL: String
    @OptionalField(key: "openapi") public var openAPI: String?
    @Field(key: "classification") public var classification: Classification
    @Field(key: "timeout_ms") public var timeoutMilliseconds: Int
    /// The timeouts a service may have, in milliseconds.
    public static let timeoutRange = 100...120_000
    /// Connections to the gateway with nothing coming or going for this long are closed (on both
    /// fronts): longer than any exchange may wait for its upstream, so none is cut while it waits,
    /// and a caller that stopped sending (after a 408, or with only its head sent) does not hold one for good.
    public static let idleConnectionTimeout: TimeAmount = .milliseconds(Int64(timeoutRange.upperBound)) + .seconds(60)
    /// The upstream is another platform's gateway (`TrustedPeer`): calls are signed for it with
    /// this platform's key, on behalf of the caller.
    @Field(key: "via_peer") public var viaPeer: Bool
    /// The `Authorization` the gateway sends the upstream (the provider's own credential for the
    /// LGSP, e.g. an API token of this platform's inbound API); never the caller's.
    @OptionalField(key: "upstream_authorization") public var upstreamAuthorization: String?

    public init() {}
}

/// A consumer's credential: an API key, of which only the SHA-256 is kept.
public final class ExchangeCredential: Model, @unchecked Sendable {
    public static let schema = "exchange_credentials"

    @ID(key: .id) public var id: UUID?
    /// The calling system; its subsystem is the only `X-Road-Client` the key may claim.
    @Parent(key: "system_id") public var system: InformationSystem
    @Field(key: "key_hash") public var keyHash: String
    /// The first characters of the key, to tell keys apart on the pages.
    @Field(key: "key_prefix") public var keyPrefix: String
    @Field(key: "created_at") public var createdAt: Date
    /// When the key stops working: at once when revoked, a day later when rotated (so that its
    /// system can switch to the new key).
    @OptionalField(key: "revoked_at") public var revokedAt: Date?

    public init() {}

    public func isValid(at now: Date) -> Bool { revokedAt.map { $0 > now } ?? true }
}

extension QueryBuilder where Model == ExchangeCredential {
    /// The credentials not revoked at `now`.
    func valid(at now: Date) -> Self { group(.or) { $0.filter(\.$revokedAt == nil).filter(\.$revokedAt > now) } }
}

/// Quyền truy cập: a consumer system may call a service, or only one endpoint of it.
public final class AccessRight: Model, @unchecked Sendable {
    public static let schema = "exchange_access_rights"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "consumer_id") public var consumer: InformationSystem
    @Parent(key: "service_id") public var service: ExchangeService
    /// nil: every method.
    @OptionalField(key: "method") public var method: String?
    /// nil: every path; otherwise the path under the service, a trailing `*` matching the rest.
    @OptionalField(key: "path") public var path: String?

    public init() {}

}

struct CreateRegistry: AsyncMigration {
    var name: String { "exchange.001.registry" }

    func prepare(on db: any Database) async throws {
        try await db.schema(InformationSystem.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("owner_agency", .string, .required)
            .field("purpose", .string, .required)
            .field("security_level", .int, .required)
            .field("level_approval", .string, .required)
            .field("operator_contact", .string, .required)
            .field("status", .string, .required)
            .field("subsystem", .string, .required)
            .unique(on: "code").unique(on: "subsystem")
            .create()
        try await db.schema(ExchangeService.schema)
            .id()
            .field("system_id", .uuid, .required, .references(InformationSystem.schema, .id))
            .field("code", .string, .required)
            .field("version", .string, .required)
            .field("base_url", .string, .required)
            .field("openapi", .string)
            .field("classification", .string, .required)
            .field("timeout_ms", .int, .required)
            .unique(on: "system_id", "code")
            .create()
        try await db.schema(ExchangeCredential.schema)
            .id()
            .field("system_id", .uuid, .required, .references(InformationSystem.schema, .id))
            .field("key_hash", .string, .required)
            .field("key_prefix", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "key_hash")
            .create()
        try await db.schema(AccessRight.schema)
            .id()
            .field("consumer_id", .uuid, .required, .references(InformationSystem.schema, .id))
            .field("service_id", .uuid, .required, .references(ExchangeService.schema, .id))
            .field("method", .string)
            .field("path", .string)
            .create()
    }

    func revert(on db: any Database) async throws {
        for s in [AccessRight.schema, ExchangeCredential.schema, ExchangeService.schema, InformationSystem.schema] { try await db.schema(s).delete() }
    }
}

/// Registry operations shared by the pages, the API and the demo.
public enum Registry {
    /// Issues a new API key for `system`: returned once, stored as its hash.
    /// A new credential's id (its OAuth `client_id`) and key (the API key, or `client_secret`).
    public struct IssuedKey: Sendable {
        public var id: UUID
        public var key: String
    }

    /// How long a rotated key keeps working beside its replacement.
    public static let rotationGrace: TimeInterval = 86_400

    /// A new key for the system of `old`, which stops working after `rotationGrace`.
    public static func rotate(_ old: ExchangeCredential, at now: Date, on db: any Database) async throws -> IssuedKey {
        try await db.transaction { db in
            let system = try await old.$system.get(on: db)
            let issued = try await issueKey(for: system, at: now, on: db)
            old.revokedAt = min(old.revokedAt ?? .distantFuture, now.addingTimeInterval(rotationGrace))
            try await old.save(on: db)
            return issued
        }
    }

    /// Makes a credential for `system`; its key is returned this once and stored only as its hash.
    public static func issueKey(for system: InformationSystem, at now: Date, on db: any Database) async throws -> IssuedKey {
        let key = "lgsp_" + SecureToken.generate()
        let c = ExchangeCredential()
        c.$system.id = try system.requireID()
        c.keyHash = SecureToken.hash(key)
        c.keyPrefix = String(key.prefix(10))
        c.createdAt = now
        try await c.create(on: db)
        return IssuedKey(id: try c.requireID(), key: key)
    }

    /// "Connected N of M": `systems` by connection status, every status listed.
    public static func connectionCounts(_ systems: [InformationSystem]) -> [InformationSystem.Status: Int] {
        var out = Dictionary(uniqueKeysWithValues: InformationSystem.Status.allCases.map { ($0, 0) })
        for s in systems { out[s.status, default: 0] += 1 }
        return out
    }
}
