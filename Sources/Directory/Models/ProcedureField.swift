import Fluent
import Foundation

/// A field of administrative procedures (lĩnh vực), e.g. civil status (Hộ tịch).
public final class ProcedureField: Model, @unchecked Sendable {
    public static let schema = "fields"

    @ID(key: .id) public var id: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    /// The ministry that governs the field nationally.
    @Field(key: "ministry") public var ministry: String

    public init() {}
}
