import Fluent
import Foundation

/// A link from a user to an account at an external identity provider (e.g. the national VNeID
/// login over OIDC): the provider's issuer and its stable subject identifier.
final class ExternalIdentity: Model, @unchecked Sendable {
    static let schema = "user_identities"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "provider") var provider: String
    @Field(key: "subject") var subject: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
}
