import Foundation
import Vapor

/// What an action carries besides its name; each action reads the members it needs.
public struct ActionInput: Content, Sendable {
    /// Reason, opinion or note; required for refusals, supplement requests, stops, apologies,
    /// proposals, consultations, replies and sending back.
    public var comment: String = ""
    /// `rate`: 3 rất hài lòng, 2 hài lòng, 1 không hài lòng.
    public var rating: Int?
    /// `apologize`: the new appointment.
    public var newDue: Date?
    /// `assign`: the specialist's user id.
    public var assignee: UUID?
    /// `propose`: grant or refuse.
    public var proposal: Proposal?
    /// `consult`: the consulted agency's code, and its deadline in working days.
    public var agency: String?
    public var workingDays: Int?
    /// `request-payment`: the fee items.
    public var fees: [FeeItem]?
    /// `record-payment`: cash or transfer, with the receipt number.
    public var paymentMethod: PaymentMethod?
    public var receiptNumber: String?
    /// `return-result`: how the result reaches the applicant.
    public var returnMethod: ReturnMethod?

    public init(comment: String = "", rating: Int? = nil, newDue: Date? = nil, assignee: UUID? = nil, proposal: Proposal? = nil,
                agency: String? = nil, workingDays: Int? = nil, fees: [FeeItem]? = nil, paymentMethod: PaymentMethod? = nil,
                receiptNumber: String? = nil, returnMethod: ReturnMethod? = nil) {
        self.comment = comment; self.rating = rating; self.newDue = newDue; self.assignee = assignee; self.proposal = proposal
        self.agency = agency; self.workingDays = workingDays; self.fees = fees; self.paymentMethod = paymentMethod
        self.receiptNumber = receiptNumber; self.returnMethod = returnMethod
    }
}

/// How the result is returned (hình thức trả kết quả).
public enum ReturnMethod: String, Codable, Sendable, CaseIterable {
    /// Tại bộ phận một cửa.
    case counter
    /// Trực tuyến: the electronic result, in the applicant's Kho.
    case online
    /// Qua bưu chính công ích.
    case postal

    public var label: String {
        switch self {
        case .counter: "Trả trực tiếp tại bộ phận một cửa"
        case .online: "Trả kết quả điện tử trực tuyến"
        case .postal: "Trả qua dịch vụ bưu chính công ích"
        }
    }
}
