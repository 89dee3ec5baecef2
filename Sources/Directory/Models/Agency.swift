import Fluent
import Foundation

/// A state agency (cơ quan): the provincial People's Committee, a department (Sở), the public
/// administration service centre, a commune People's Committee…
public final class Agency: Model, @unchecked Sendable {
    public static let schema = "agencies"

    public enum Level: String, Codable, Sendable, CaseIterable { case province, commune }
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case peopleCommittee = "people-committee"
        case office
        case department
        case serviceCentre = "service-centre"
        case police
        case inspectorate
        case other
    }

    @ID(key: .id) public var id: UUID?
    /// Electronic identifier per QĐ 20/2020/QĐ-TTg: dot-separated groups, level-1 code leftmost.
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "short_name") public var shortName: String
    @Enum(key: "kind") public var kind: Kind
    @Enum(key: "level") public var level: Level
    @OptionalField(key: "parent_id") public var parentID: UUID?
    /// For a commune People's Committee, the 2025 commune it governs.
    @OptionalField(key: "admin_unit_code") public var adminUnitCode: String?
    @Field(key: "address") public var address: String
    @Field(key: "phone") public var phone: String
    @Field(key: "email") public var email: String
    @Field(key: "is_active") public var isActive: Bool
    @Field(key: "name_folded") public var nameFolded: String

    public init() {}
}
