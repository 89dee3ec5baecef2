import Foundation
import Vapor

/// Everything the catalog says about one version of a procedure (thủ tục hành chính). It is
/// stored whole with each version, so a dossier submitted under a version keeps its rules after
/// the procedure is edited.
public struct ProcedureDefinition: Content, Equatable {
    /// National code in the national procedure database, e.g. `1.001193`.
    public var code: String
    public var name: String
    /// Code of the field (lĩnh vực).
    public var field: String
    /// Agency levels that perform it: `province`, `commune`.
    public var levels: [String]
    /// Electronic identifier of the receiving agency; nil means the commune People's Committee
    /// where the dossier is submitted.
    public var receivingAgency: String?
    /// Electronic identifier of the deciding agency; nil as above.
    public var decidingAgency: String?
    public var processingTime: ProcessingTime
    public var processingNote: String?
    public var fees: [Fee]
    public var legalBasis: [String]
    public var applicants: String
    /// How to carry it out, for citizens.
    public var steps: String
    /// Thành phần hồ sơ.
    public var documents: [RequiredDocument]
    /// The e-form's input fields.
    public var form: [FormField]
    public var onlineLevel: OnlineLevel
    public var result: String
    public var workflow: [WorkflowStep]

    public struct ProcessingTime: Content, Equatable {
        public var workingDays: Double?
        public var workingHours: Int?

        public init(workingDays: Double?, workingHours: Int?) {
            self.workingDays = workingDays
            self.workingHours = workingHours
        }

        /// Length in working hours (a working day is 8 hours).
        public var hours: Int? {
            if let workingHours { return workingHours }
            return workingDays.map { Int(($0 * 8).rounded()) }
        }

        public var label: String {
            if let workingHours { return "\(workingHours) giờ làm việc" }
            if let d = workingDays {
                let text = d == d.rounded() ? String(Int(d)) : String(d).replacingOccurrences(of: ".", with: ",")
                return "\(text) ngày làm việc"
            }
            return ""
        }
    }

    /// A fee (phí) or charge (lệ phí) item in đồng.
    public struct Fee: Content, Equatable {
        public var name: String
        public var amount: Int
        public var note: String?

        public init(name: String, amount: Int, note: String?) {
            self.name = name
            self.amount = amount
            self.note = note
        }
    }

    public struct RequiredDocument: Content, Equatable {
        public var name: String
        public var originals: Int
        public var copies: Int
        public var mandatory: Bool
        /// File name of the blank form, if there is one.
        public var template: String?
    }

    public struct FormField: Content, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable { case text, number, date, choice, address, cccd, file }
        public var key: String
        public var label: String
        public var type: Kind
        public var required: Bool
        public var options: [String]?
    }

    /// Mức độ dịch vụ công trực tuyến.
    public enum OnlineLevel: String, Codable, Sendable, CaseIterable {
        /// Toàn trình: everything online, including the result.
        case full
        /// Một phần: part of it must be done in person.
        case partial
        case none

        public var label: String {
            switch self {
            case .full: "Trực tuyến toàn trình"
            case .partial: "Trực tuyến một phần"
            case .none: "Không trực tuyến"
            }
        }
    }

    /// A step of the processing workflow template.
    public struct WorkflowStep: Content, Equatable {
        public var name: String
        /// `one-stop-officer`, `specialist`, `leader`, `clerk`.
        public var role: String
        /// `receiving` or `deciding` (the procedure's agencies), or another agency's code for an
        /// inter-agency step (liên thông), which may be at a higher level (liên thông lên cấp trên).
        public var agency: String
        public var workingHours: Double
        /// Runs at the same time as the step before it (liên thông song song); the first step of
        /// such a group is the lead (cơ quan chủ trì). Absent means after the step before it.
        public var parallel: Bool?

        public init(name: String, role: String, agency: String, workingHours: Double, parallel: Bool? = nil) {
            self.name = name; self.role = role; self.agency = agency; self.workingHours = workingHours; self.parallel = parallel
        }

        public var runsInParallel: Bool { parallel ?? false }
    }
}
