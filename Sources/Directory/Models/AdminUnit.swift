import Fluent
import Foundation

/// An administrative unit (đơn vị hành chính): a province, a district (pre-2025 only) or a
/// commune/ward/special zone. Both structures live side by side so old addresses stay readable.
public final class AdminUnit: Model, @unchecked Sendable {
    public static let schema = "admin_units"

    /// Which structure a unit belongs to: before or after the 1 July 2025 reform.
    public enum Structure: String, Codable, Sendable { case y2024 = "2024", y2025 = "2025" }
    public enum Level: String, Codable, Sendable { case province, district, commune }

    @ID(key: .id) public var id: UUID?
    @Enum(key: "structure") public var structure: Structure
    @Enum(key: "level") public var level: Level
    /// Official code (General Statistics Office), zero-padded: provinces 2 digits, districts 3, communes 5.
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    /// The type as written in law: "tỉnh", "thành phố trung ương", "xã", "phường", "đặc khu", "huyện"…
    @Field(key: "division_type") public var divisionType: String
    @OptionalField(key: "parent_code") public var parentCode: String?
    @Field(key: "name_folded") public var nameFolded: String

    public init() {}
}
