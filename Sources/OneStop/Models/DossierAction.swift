/// What someone does to a dossier. Which actions are legal in which status is the lifecycle of
/// NĐ 118/2025 (receipt art. 17, processing art. 19, return art. 20, stop art. 21); who may take
/// them is `actor`.
public enum DossierAction: String, Codable, Sendable, CaseIterable {
    /// Tiếp nhận an online dossier (→ Mẫu 01, appointment slip).
    case receive
    /// Từ chối tiếp nhận (→ Mẫu 03).
    case refuse
    /// Chuyển xử lý: the one-stop desk hands the received dossier to the deciding agency.
    case startProcessing = "start-processing"
    /// Yêu cầu bổ sung (→ Mẫu 02); the clock stops.
    case requestSupplement = "request-supplement"
    /// The applicant supplies what was asked; the clock restarts.
    case supplement
    /// Yêu cầu thực hiện nghĩa vụ tài chính.
    case requestPayment = "request-payment"
    /// The payment is recorded.
    case recordPayment = "record-payment"
    /// The leader approves the result.
    case approve
    /// Trả kết quả.
    case returnResult = "return-result"
    /// The applicant asks to withdraw.
    case requestWithdrawal = "request-withdrawal"
    /// Dừng xử lý (→ Mẫu 05).
    case stop
    /// Đánh giá mức độ hài lòng, once, after the result is returned.
    case rate
    /// Xin lỗi và hẹn lại ngày trả kết quả (→ Mẫu 04), at most once, when the dossier will be late.
    case apologize
    /// Phân công: a leader gives a processing step to one specialist of the agency.
    case assign
    /// Đề xuất: the specialist finishes an appraisal step proposing to grant or to refuse.
    case propose
    /// Lấy ý kiến: the specialist asks another unit for its opinion, with a deadline.
    case consult
    /// The consulted unit answers.
    case reply
    /// Trả lại: the leader sends the appraisal back to be redone.
    case sendBack = "send-back"

    /// Who may take the action.
    public enum Actor: String, Sendable {
        case oneStopOfficer = "one-stop-officer"
        case specialist
        case leader
        case applicant
    }

    public var actor: Actor {
        switch self {
        case .receive, .refuse, .startProcessing, .returnResult, .stop, .recordPayment, .apologize: .oneStopOfficer
        case .requestSupplement, .requestPayment, .propose, .consult, .reply: .specialist
        case .approve, .assign, .sendBack: .leader
        case .supplement, .requestWithdrawal, .rate: .applicant
        }
    }


    public var label: String {
        switch self {
        case .receive: "Tiếp nhận"
        case .refuse: "Từ chối tiếp nhận"
        case .startProcessing: "Chuyển xử lý"
        case .requestSupplement: "Yêu cầu bổ sung"
        case .supplement: "Bổ sung hồ sơ"
        case .requestPayment: "Yêu cầu nộp phí, lệ phí"
        case .recordPayment: "Xác nhận đã nộp"
        case .approve: "Phê duyệt kết quả"
        case .returnResult: "Trả kết quả"
        case .requestWithdrawal: "Yêu cầu rút hồ sơ"
        case .stop: "Dừng xử lý"
        case .rate: "Đánh giá mức độ hài lòng"
        case .apologize: "Xin lỗi, hẹn lại ngày trả"
        case .assign: "Phân công xử lý"
        case .propose: "Gửi kết quả thẩm định"
        case .consult: "Lấy ý kiến đơn vị khác"
        case .reply: "Trả lời xin ý kiến"
        case .sendBack: "Trả lại để thẩm định lại"
        }
    }
}

/// The lifecycle as a table: the only place that decides whether an action is legal.
public enum Lifecycle {
    /// `stepsRemain`: an approval that is not the last step of the workflow forwards the dossier
    /// to the next step instead of resolving it.
    public static func next(from status: DossierStatus, _ action: DossierAction, resumeTo: DossierStatus? = nil,
                            stepsRemain: Bool = false) -> DossierStatus? {
        switch (action, status) {
        case (.receive, .submitted): .received
        case (.refuse, .submitted): .notReceived
        case (.startProcessing, .received): .processing
        case (.requestSupplement, .submitted), (.requestSupplement, .received), (.requestSupplement, .processing): .supplementRequested
        // After a supplement the dossier goes back to where the request found it.
        case (.supplement, .supplementRequested): resumeTo ?? .processing
        case (.requestPayment, .processing): .paymentRequested
        case (.recordPayment, .paymentRequested): .processing
        case (.approve, .processing): stepsRemain ? .processing : .resolved
        case (.assign, .processing), (.propose, .processing), (.consult, .processing), (.sendBack, .processing): .processing
        // A consulted unit may answer while the dossier waits for the applicant.
        case (.reply, let s) where [.processing, .supplementRequested, .paymentRequested].contains(s): s
        case (.returnResult, .resolved): .returned
        case (.requestWithdrawal, let s) where [.submitted, .received, .processing, .supplementRequested, .paymentRequested].contains(s): .withdrawalRequested
        case (.stop, .withdrawalRequested): .stopped
        case (.rate, .returned): .returned
        case (.apologize, let s) where [.received, .processing, .paymentRequested].contains(s): s
        default: nil
        }
    }

    /// The actions that are legal in `status`.
    public static func actions(in status: DossierStatus) -> [DossierAction] {
        DossierAction.allCases.filter { next(from: status, $0) != nil }
    }
}
