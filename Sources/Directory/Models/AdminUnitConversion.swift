import Fluent
import Foundation

/// One line of the 2025 conversion: a pre-2025 commune and the 2025 commune it became part of.
/// A commune that was divided has several lines, one of them the default.
final class AdminUnitConversion: Model, @unchecked Sendable {
    static let schema = "admin_unit_conversions"

    @ID(key: .id) var id: UUID?
    @Field(key: "old_province_code") var oldProvinceCode: String
    @Field(key: "old_district_code") var oldDistrictCode: String
    @Field(key: "old_commune_code") var oldCommuneCode: String
    @Field(key: "new_province_code") var newProvinceCode: String
    @Field(key: "new_commune_code") var newCommuneCode: String
    @Field(key: "is_default") var isDefault: Bool

    init() {}
}
