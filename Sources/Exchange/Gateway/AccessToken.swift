import Foundation
import Kernel
import Vapor

/// Mã truy cập ngắn hạn: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for the systems
/// that call the gateway. A system's credential is its client (`client_id` = the credential's id,
/// `client_secret` = its key); `POST /api/v1/exchange/token` exchanges it for a JWT (RFC 7519)
/// signed with the platform key (EdDSA, RFC 8037) and valid five minutes. The gateway takes the
/// token where it takes a key, so the secret crosses the network once per five minutes instead of
/// with every call. A revoked credential's tokens stop working as soon as the gateway's two-second
/// directory cache forgets it, not when they expire: the gateway looks the credential up each time.
public enum AccessToken {
    public static let lifetime: TimeInterval = 300
    static let issuer = "tinhso-lgsp"

    /// Who a token is for: this platform's gateway (tokens of the token endpoint), or a peer
    /// platform's gateway (tokens this gateway signs for the calls it forwards to a `TrustedPeer`).
    public enum Audience: String, Sendable { case gateway = "tinhso-lgsp-gateway", peer = "tinhso-lgsp-peer" }

    public struct Claims: Codable, Sendable, Equatable {
        public var iss: String
        /// The caller's subsystem (`VN/GOV/…/MOTCUA`), the only `X-Road-Client` it may claim.
        public var sub: String
        public var aud: String
        public var iat: Int
        public var exp: Int
        public var jti: String
        /// The credential it was issued for (none in a peer's token: the peer vouches for the caller).
        public var cid: String?
    }

    struct Header: Codable { var alg: String; var typ: String; var kid: String }

    public static func issue(credential: UUID?, subsystem: String, audience: Audience = .gateway, key: PlatformKey, now: Date) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let iat = Int(now.timeIntervalSince1970)
        let claims = Claims(iss: issuer, sub: subsystem, aud: audience.rawValue, iat: iat, exp: iat + Int(lifetime), jti: UUID().uuidString,
                            cid: credential?.uuidString)
        let signingInput = SecureToken.base64URL(try encoder.encode(Header(alg: "EdDSA", typ: "JWT", kid: key.keyID))) + "." + SecureToken.base64URL(try encoder.encode(claims))
        return signingInput + "." + SecureToken.base64URL(try key.privateKey.signature(for: Data(signingInput.utf8)))
    }

    /// Whether `text` has a JWT's shape (three base64url parts), as opposed to an API key.
    static func looksLikeToken(_ text: String) -> Bool { text.utf8.lazy.filter { $0 == UInt8(ascii: ".") }.count == 2 }

    /// The claims of a token signed by one of `keys` (key id → public key), for `audience`, not
    /// expired at `now`; nil for anything else.
    public static func verify(_ token: String, keys: [String: Curve25519.Signing.PublicKey], audience: Audience = .gateway,
                              now: Date) -> (claims: Claims, keyID: String)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = SecureToken.data(base64URL: parts[0]), let claimsData = SecureToken.data(base64URL: parts[1]),
              let signature = SecureToken.data(base64URL: parts[2]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData), header.alg == "EdDSA",
              let key = keys[header.kid], key.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)),
              let claims = try? JSONDecoder().decode(Claims.self, from: claimsData)
        else { return nil }
        let t = Int(now.timeIntervalSince1970)
        guard claims.aud == audience.rawValue, claims.iss == issuer, claims.exp > t, claims.iat <= t + 60 else { return nil }
        return (claims, header.kid)
    }

    /// The platform key as a JSON Web Key (RFC 8037 §2), for whoever verifies its tokens.
    public static func jwk(_ key: PlatformKey) -> [String: String] {
        ["kty": "OKP", "crv": "Ed25519", "x": SecureToken.base64URL(key.publicKey.rawRepresentation), "kid": key.keyID, "alg": "EdDSA", "use": "sig"]
    }
}
