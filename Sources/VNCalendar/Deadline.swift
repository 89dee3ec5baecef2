import Foundation

/// The result of a deadline computation (hạn giải quyết).
public struct Deadline: Hashable, Sendable {
    /// The actual receipt instant given by the caller (thời điểm tiếp nhận).
    public let receivedAt: Date
    /// The receipt instant after the receipt rules: moved to the next working-time start
    /// when received outside working hours, on a day off or after the 15:00 cut-off.
    public let deemedReceivedAt: Date
    /// When the counting starts (thời điểm bắt đầu tính): the first session of the next
    /// working day for working days, midnight of the next day for calendar days, the deemed
    /// receipt instant for working hours.
    public let countFrom: Date
    /// The due instant (hạn trả kết quả).
    public let due: Date
}

/// What happens to the time limit when a dossier is paused for a supplement request
/// (yêu cầu bổ sung hồ sơ) and later completed.
public enum PausePolicy: String, Hashable, Sendable, Codable {
    /// The period restarts from zero when the complete dossier arrives (NĐ 61/2018 art. 19.4):
    /// the completion instant is treated as a new receipt.
    case restart
    /// The due date moves by the working time during which the dossier was paused (the
    /// practice of the one-stop systems and of the Decision 766 on-time metric).
    case shift
}
