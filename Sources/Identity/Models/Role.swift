import Fluent
import Foundation

/// What an official may do, always in an agency (except the platform `admin`).
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Platform operator (quản trị hệ thống).
    case admin
    /// Administers an agency's users and details (quản trị đơn vị).
    case agencyAdmin = "agency-admin"
    /// Receives dossiers and returns results at the one-stop desk (cán bộ một cửa).
    case oneStopOfficer = "one-stop-officer"
    /// Appraises dossiers (chuyên viên).
    case specialist
    /// Approves and signs (lãnh đạo).
    case leader
    /// Registers and sends documents (văn thư).
    case clerk

    public var label: String {
        switch self {
        case .admin: "Quản trị hệ thống"
        case .agencyAdmin: "Quản trị đơn vị"
        case .oneStopOfficer: "Cán bộ một cửa"
        case .specialist: "Chuyên viên"
        case .leader: "Lãnh đạo"
        case .clerk: "Văn thư"
        }
    }
}

/// A role held by a user in an agency. A user may hold several, in several agencies.
final class RoleAssignment: Model, @unchecked Sendable {
    static let schema = "role_assignments"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Enum(key: "role") var role: Role
    @OptionalField(key: "agency_id") var agencyID: UUID?

    init() {}
    init(userID: UUID, role: Role, agencyID: UUID?) {
        self.userID = userID
        self.role = role
        self.agencyID = agencyID
    }
}
