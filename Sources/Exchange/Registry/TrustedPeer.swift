import Fluent
import Foundation
import Kernel
import FluentSQL
import SQLKit
import Vapor

/// Nền tảng tin cậy: another platform (the national hub, a neighbouring province's LGSP) whose
/// gateway may call ours on behalf of its own subsystems. Each side adds the other's public
/// platform key (from its `GET /api/v1/exchange/keys`): the trust list is mutual. A peer's
/// gateway signs each forwarded call (`AccessToken`, audience `peer`); ours accepts the call for
/// a subsystem of the peer's X-Road instance that is registered here as a consumer, and checks
/// its access rights like any caller's. Both gateways log the exchange under the same `X-Road-Id`.
public final class TrustedPeer: Model, @unchecked Sendable {
    public static let schema = "exchange_trusted_peers"

    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    /// The X-Road instance its subsystems belong to (`VN-HUB`): the only ones it may call for.
    @Field(key: "instance") public var instance: String
    /// `PlatformKey.keyID` of `publicKey`, as its tokens name it.
    @Field(key: "key_id") public var keyID: String
    /// Base64url of the raw Ed25519 public key (the JWK's `x`).
    @Field(key: "public_key") public var publicKey: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

struct AddFederation: AsyncMigration {
    var name: String { "exchange.005.federation" }
    func prepare(on db: any Database) async throws {
        try await db.schema(TrustedPeer.schema)
            .id()
            .field("name", .string, .required)
            .field("instance", .string, .required)
            .field("key_id", .string, .required)
            .field("public_key", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "key_id")
            .create()
        try await db.schema(ExchangeService.schema).field("via_peer", .bool, .required, .sql(.default(SQLLiteral.boolean(false)))).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema(ExchangeService.schema).deleteField("via_peer").update()
        try await db.schema(TrustedPeer.schema).delete()
    }
}

struct AddUpstreamAuthorization: AsyncMigration {
    var name: String { "exchange.007.upstream-authorization" }
    func prepare(on db: any Database) async throws {
        try await db.schema(ExchangeService.schema).field("upstream_authorization", .string).update()
    }
    func revert(on db: any Database) async throws { try await db.schema(ExchangeService.schema).deleteField("upstream_authorization").update() }
}

extension Registry {
    /// Adds a peer platform to the trust list; `publicKey` is the base64url raw key (a JWK's `x`).
    /// Returns the problems, in Vietnamese, when it cannot.
    public static func trust(name: String, instance: String, publicKey: String, at now: Date, on db: any Database) async throws -> [String] {
        var errors: [String] = []
        let name = name.trimmingCharacters(in: .whitespaces), instance = instance.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 300 { errors.append("Cần tên nền tảng (tối đa 300 ký tự).") }
        if instance.isEmpty || instance.count > 255 || !SubsystemID.isAllowed(instance) {
            errors.append("Instance X-Road chỉ gồm chữ, số và ' ( ) + , - . = ?")
        }
        let raw = SecureToken.data(base64URL: Substring(publicKey.trimmingCharacters(in: .whitespacesAndNewlines)))
        guard let raw, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            return errors + ["Khoá công khai phải là giá trị “x” (base64url, 32 byte) trong khoá JWK Ed25519 của nền tảng đó."]
        }
        let keyID = PlatformKey.keyID(of: key)
        if try await TrustedPeer.query(on: db).filter(\.$keyID == keyID).first() != nil { errors.append("Khoá này đã có trong danh sách tin cậy.") }
        guard errors.isEmpty else { return errors }
        let peer = TrustedPeer()
        peer.name = name
        peer.instance = instance
        peer.keyID = keyID
        peer.publicKey = SecureToken.base64URL(key.rawRepresentation)
        peer.createdAt = now
        try await peer.create(on: db)
        return []
    }
}
