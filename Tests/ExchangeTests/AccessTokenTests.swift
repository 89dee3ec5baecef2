@testable import Exchange
import Fluent
import Foundation
import Kernel
import Testing
import TestSupport
import Vapor

@Suite("Exchange: OAuth 2.0 client credentials and the gateway's short-lived tokens")
struct AccessTokenTests {
    struct TokenAnswer: Decodable { var access_token: String; var token_type: String; var expires_in: Int }
    struct OAuthError: Decodable { var error: String; var error_description: String }
    struct JWKSet: Decodable { var keys: [[String: String]] }

    static func tokenRequest(_ client: TestClient, form: String, basic: (String, String)? = nil) async throws -> TestClient.Result {
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
        if let (user, password) = basic { headers.basicAuthorization = BasicAuthorization(username: user, password: password) }
        return try await client.request(.POST, "/api/v1/exchange/token", headers: headers, body: ByteBuffer(string: form))
    }

    @Test func aCredentialGetsAFiveMinuteTokenThatTheGatewayTakesInPlaceOfTheKey() async throws {
        try await GatewayTests.withUpstream { upstream in
            try await withApp { app async throws in
                let db = app.db
                let population = try await GatewayTests.system("T-DANCU", "VN-test/GOV/000.00.00.H42/DANCU", on: db)
                let oneStop = try await GatewayTests.system("T-MOTCUA", "VN-test/GOV/000.00.00.H42/MOTCUA", on: db)
                let citizens = try await GatewayTests.service("cong-dan", of: population, baseURL: upstream, on: db)
                try await GatewayTests.grant(oneStop, citizens, on: db)
                let issued = try await Registry.issueKey(for: oneStop, at: app.clock.now(), on: db)
                let other = try await Registry.issueKey(for: population, at: app.clock.now(), on: db)
                let client = TestClient(app)

                // Both ways of authenticating the client (RFC 6749 §2.3.1).
                let basic = try await Self.tokenRequest(client, form: "grant_type=client_credentials", basic: (issued.id.uuidString, issued.key))
                #expect(basic.status == .ok && basic.headers.first(name: .cacheControl) == "no-store")
                let answer = try basic.decode(TokenAnswer.self)
                #expect(answer.token_type == "Bearer" && answer.expires_in == 300)
                let inBody = try await Self.tokenRequest(client, form: "grant_type=client_credentials&client_id=\(issued.id.uuidString)&client_secret=\(issued.key)")
                #expect(inBody.status == .ok)

                // The token is a JWT signed with the key the JWK set publishes, for the caller's subsystem.
                let jwks = try await client.get("/api/v1/exchange/keys").decode(JWKSet.self)
                let jwk = try #require(jwks.keys.first)
                #expect(jwk["kty"] == "OKP" && jwk["crv"] == "Ed25519" && jwk["alg"] == "EdDSA")
                let x = try #require(jwk["x"]), kid = try #require(jwk["kid"])
                let raw = try #require(SecureToken.data(base64URL: Substring(x)))
                let published = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
                let claims = try #require(AccessToken.verify(answer.access_token, keys: [kid: published], now: app.clock.now())).claims
                #expect(claims.sub == "VN-test/GOV/000.00.00.H42/MOTCUA" && claims.cid == issued.id.uuidString)
                #expect(claims.exp - claims.iat == 300)

                func call(_ token: String, as caller: String = "VN-test/GOV/000.00.00.H42/MOTCUA") async throws -> TestClient.Result {
                    try await client.request(.GET, "/r1/VN-test/GOV/000.00.00.H42/DANCU/cong-dan/citizens/025090000001",
                                             headers: ["X-Road-Client": caller, "Authorization": "Bearer \(token)"])
                }
                let ok = try await call(answer.access_token)
                #expect(ok.status == .ok && ok.body.contains("025090000001"))
                #expect(ok.headers.first(name: "X-Seen-Authorization") == "none", "the token must not reach the upstream")
                let mismatch = try await call(answer.access_token, as: "VN-test/GOV/000.00.00.H42/DANCU")
                #expect(mismatch.status == .forbidden && mismatch.headers.first(name: "X-Road-Error") == "Client.IdentityMismatch")

                // Altered, or signed by another key: refused.
                var parts = answer.access_token.split(separator: ".").map(String.init)
                let forged = Data(#"{"aud":"tinhso-lgsp-gateway","cid":"\#(other.id.uuidString)","exp":\#(claims.exp),"iat":\#(claims.iat),"iss":"tinhso-lgsp","jti":"x","sub":"VN-test/GOV/000.00.00.H42/MOTCUA"}"#.utf8)
                parts[1] = SecureToken.base64URL(forged)
                #expect(try await call(parts.joined(separator: ".")).status == .unauthorized)
                let stranger = try AccessToken.issue(credential: issued.id, subsystem: claims.sub,
                                                     key: PlatformKey(privateKey: Curve25519.Signing.PrivateKey()), now: app.clock.now())
                #expect(try await call(stranger).headers.first(name: "X-Road-Error") == "Client.Unauthorized")

                // Expired after five minutes.
                let clock = try #require(app.clock as? TestClock)
                clock.advance(by: 301)
                let expired = try await call(answer.access_token)
                #expect(expired.status == .unauthorized && expired.headers.first(name: "X-Road-Error") == "Client.Unauthorized")

                // A revoked credential: no new token, and its live token stops working.
                let fresh = try await Self.tokenRequest(client, form: "grant_type=client_credentials", basic: (issued.id.uuidString, issued.key))
                    .decode(TokenAnswer.self).access_token
                #expect(try await call(fresh).status == .ok)
                let credential = try #require(try await ExchangeCredential.find(issued.id, on: db))
                credential.revokedAt = app.clock.now()
                try await credential.save(on: db)
                app.exchangeDirectory.forgetEverything()
                #expect(try await call(fresh).status == .unauthorized)
                let refused = try await Self.tokenRequest(client, form: "grant_type=client_credentials", basic: (issued.id.uuidString, issued.key))
                #expect(refused.status == .unauthorized)
                #expect(try refused.decode(OAuthError.self).error == "invalid_client")

                // Every call was logged, none of the refused ones as a success.
                let records = try await MessageRecord.query(on: db).sort(\.$seq).all()
                #expect(records.map(\.status) == [200, 403, 401, 401, 401, 200, 401])
            }
        }
    }

    @Test func badTokenRequestsGetTheOAuthErrors() async throws {
        try await withApp { app async throws in
            let caller = try await GatewayTests.system("T-MOTCUA", "VN-test/GOV/000.00.00.H42/MOTCUA", on: app.db)
            let issued = try await Registry.issueKey(for: caller, at: app.clock.now(), on: app.db)
            let client = TestClient(app)
            let cases: [(TestClient.Result, HTTPStatus, String)] = [
                (try await Self.tokenRequest(client, form: ""), .badRequest, "invalid_request"),
                (try await Self.tokenRequest(client, form: "grant_type=password&username=a&password=b"), .badRequest, "unsupported_grant_type"),
                (try await Self.tokenRequest(client, form: "grant_type=client_credentials"), .unauthorized, "invalid_client"),
                (try await Self.tokenRequest(client, form: "grant_type=client_credentials", basic: (issued.id.uuidString, "lgsp_sai")), .unauthorized, "invalid_client"),
                (try await Self.tokenRequest(client, form: "grant_type=client_credentials", basic: ("khong-phai-uuid", issued.key)), .unauthorized, "invalid_client"),
                (try await Self.tokenRequest(client, form: "grant_type=client_credentials&client_id=\(issued.id.uuidString)",
                                             basic: (issued.id.uuidString, issued.key)), .badRequest, "invalid_request"),
            ]
            for (result, status, error) in cases {
                #expect(result.status == status)
                #expect((try? result.decode(OAuthError.self).error) == error, "\(result.body)")
            }
            #expect(cases[2].0.headers.first(name: .wwwAuthenticate) == #"Basic realm="lgsp""#)
            // A suspended system gets no token.
            caller.status = .suspended
            try await caller.save(on: app.db)
            let suspended = try await Self.tokenRequest(client, form: "grant_type=client_credentials", basic: (issued.id.uuidString, issued.key))
            #expect(suspended.status == .unauthorized)
        }
    }
}
