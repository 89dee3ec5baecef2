import Fluent
import Foundation
import Kernel
import Vapor

/// What the gateway reads on every call — credentials, services, access rights — kept for two
/// seconds (`ShortLivedCache`): a revoked key or a withdrawn right stops working within that.
public final class ExchangeDirectory: Sendable {
    struct Caller: Sendable {
        var systemID: UUID
        var subsystem: String
        var ratePerSecond: Int?
        var dailyQuota: Int?
        /// The caller's system is suspended: its key is valid but its calls are refused (403).
        var suspended = false
    }
    struct Right: Sendable {
        var method: String?
        var path: String?
        func allows(method m: String, path p: String) -> Bool {
            if let method, method.uppercased() != m.uppercased() { return false }
            guard let path else { return true }
            return path.hasSuffix("*") ? p.hasPrefix(String(path.dropLast())) : p == path
        }
    }
    struct Service: Sendable {
        /// The provider system's connection status: only `trial` and `official` take traffic.
        var status: InformationSystem.Status
        /// The base URL, parsed; nil if it cannot be (the registry refuses such an address).
        var target: UpstreamTarget?
        var timeoutMilliseconds: Int
        var viaPeer: Bool
        var upstreamAuthorization: String?
        /// Consumer system → its rights on this service.
        var rights: [UUID: [Right]]
    }

    /// A trusted peer platform's key and the X-Road instance it speaks for.
    struct Peer: Sendable {
        var instance: String
        var key: Curve25519.Signing.PublicKey
    }

    private let credentials = ShortLivedCache<String, Caller>(seconds: 2)
    private let services = ShortLivedCache<String, Service>(seconds: 2)
    private let peers = ShortLivedCache<String, [String: Peer]>(seconds: 2)
    private let registered = ShortLivedCache<String, Bool>(seconds: 2)

    /// Whether the registry holds `client` and the service `code` of `provider`, whatever their
    /// status: a route this platform was set up with (a suspended one still fails, and is logged).
    func isRegistered(client: String, provider: String, code: String, on db: any Database) async throws -> Bool {
        try await registered.value("\(client) → \(provider)/\(code)") {
            guard try await InformationSystem.query(on: db).filter(\.$subsystem == client).first() != nil,
                  let p = try await InformationSystem.query(on: db).filter(\.$subsystem == provider).first() else { return false }
            return try await ExchangeService.query(on: db).filter(\.$system.$id == p.requireID()).filter(\.$code == code).first() != nil
        } ?? false
    }

    init() {}

    /// The caller presenting an API key (by the key's hash).
    func credential(hash: String, now: Date, on db: any Database) async throws -> Caller? {
        try await credentials.value(hash) { try await Self.caller(ExchangeCredential.query(on: db).filter(\.$keyHash == hash), now: now) }
    }

    /// The caller presenting an access token issued for credential `id`.
    func credential(id: UUID, now: Date, on db: any Database) async throws -> Caller? {
        try await credentials.value("id:\(id.uuidString)") { try await Self.caller(ExchangeCredential.query(on: db).filter(\.$id == id), now: now) }
    }

    /// A registered, not suspended subsystem calling without a key of its own: one of this
    /// platform's modules, or a trusted peer's subsystem vouched for by the peer's gateway.
    func system(subsystem: String, on db: any Database) async throws -> Caller? {
        try await credentials.value("system:" + subsystem) {
            guard let s = try await InformationSystem.query(on: db).filter(\.$subsystem == subsystem).first(), s.status != .suspended,
                  let id = s.id else { return nil }
            return Caller(systemID: id, subsystem: s.subsystem, ratePerSecond: s.ratePerSecond, dailyQuota: s.dailyQuota)
        }
    }

    /// The trust list, by key id.
    func trustedPeers(on db: any Database) async throws -> [String: Peer] {
        try await peers.value("all") { () async throws -> [String: Peer]? in
            var out: [String: Peer] = [:]
            for p in try await TrustedPeer.query(on: db).all() {
                guard let raw = SecureToken.data(base64URL: Substring(p.publicKey)),
                      let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { continue }
                out[p.keyID] = Peer(instance: p.instance, key: key)
            }
            return out
        } ?? [:]
    }

    private static func caller(_ query: QueryBuilder<ExchangeCredential>, now: Date) async throws -> Caller? {
        guard let c = try await query.valid(at: now).with(\.$system).first() else { return nil }
        return Caller(systemID: c.$system.id, subsystem: c.system.subsystem, ratePerSecond: c.system.ratePerSecond, dailyQuota: c.system.dailyQuota,
                      suspended: c.system.status == .suspended)
    }

    func service(provider: String, code: String, on db: any Database) async throws -> Service? {
        try await services.value("\(provider)/\(code)") {
            guard let system = try await InformationSystem.query(on: db).filter(\.$subsystem == provider).first(),
                  let s = try await ExchangeService.query(on: db).filter(\.$system.$id == system.requireID()).filter(\.$code == code).first()
            else { return nil }
            var rights: [UUID: [Right]] = [:]
            for r in try await AccessRight.query(on: db).filter(\.$service.$id == s.requireID()).all() {
                rights[r.$consumer.id, default: []].append(Right(method: r.method, path: r.path))
            }
            return Service(status: system.status, target: UpstreamTarget(baseURL: s.baseURL), timeoutMilliseconds: s.timeoutMilliseconds,
                           viaPeer: s.viaPeer, upstreamAuthorization: s.upstreamAuthorization, rights: rights)
        }
    }

    /// After an administrator's change in this process: every entry, since a system's status,
    /// a right or a key reaches many of them.
    public func forgetEverything() {
        services.forgetAll()
        credentials.forgetAll()
        peers.forgetAll()
        registered.forgetAll()
    }
}

extension Application {
    private struct DirectoryKey: StorageKey { typealias Value = ExchangeDirectory }
    public var exchangeDirectory: ExchangeDirectory {
        if let d = storage[DirectoryKey.self] { return d }
        let d = ExchangeDirectory()
        storage[DirectoryKey.self] = d
        return d
    }
}
