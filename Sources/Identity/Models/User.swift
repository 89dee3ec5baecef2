import Fluent
import Foundation

/// Anyone who signs in: an official, a citizen or a business. How they prove who they are lives
/// elsewhere (a password hash here, external identities such as VNeID in `ExternalIdentity`),
/// so adding an identity provider does not change this model.
public final class User: Model, @unchecked Sendable {
    public static let schema = "users"

    public enum Kind: String, Codable, Sendable, CaseIterable { case official, citizen, business }

    @ID(key: .id) public var id: UUID?
    @Enum(key: "kind") public var kind: Kind
    @Field(key: "full_name") public var fullName: String
    /// Officials sign in with a username.
    @OptionalField(key: "username") public var username: String?
    /// Citizens: 12-digit CCCD; businesses: tax code (mã số thuế).
    @OptionalField(key: "identity_number") public var identityNumber: String?
    @Field(key: "phone") public var phone: String
    @Field(key: "email") public var email: String
    /// Nil for accounts that only sign in through an external provider.
    @OptionalField(key: "password_hash") public var passwordHash: String?
    @Field(key: "is_active") public var isActive: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}
