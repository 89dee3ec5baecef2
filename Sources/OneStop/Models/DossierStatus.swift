/// The national dossier status codes (`TrangThaiHoSo`, as synced to the national portal).
public enum DossierStatus: Int, Codable, Sendable, CaseIterable {
    /// Mới đăng ký: submitted online, not yet received by the one-stop desk.
    case submitted = 1
    /// Được tiếp nhận.
    case received = 2
    /// Không được tiếp nhận: refused at receipt.
    case notReceived = 3
    /// Đang xử lý.
    case processing = 4
    /// Yêu cầu bổ sung giấy tờ: the clock stops.
    case supplementRequested = 5
    /// Yêu cầu thực hiện nghĩa vụ tài chính.
    case paymentRequested = 6
    /// Công dân yêu cầu rút hồ sơ.
    case withdrawalRequested = 7
    /// Dừng xử lý.
    case stopped = 8
    /// Đã xử lý xong: the result is ready to be returned.
    case resolved = 9
    /// Đã trả kết quả.
    case returned = 10

    public var label: String {
        switch self {
        case .submitted: "Mới đăng ký"
        case .received: "Được tiếp nhận"
        case .notReceived: "Không được tiếp nhận"
        case .processing: "Đang xử lý"
        case .supplementRequested: "Yêu cầu bổ sung giấy tờ"
        case .paymentRequested: "Yêu cầu thực hiện nghĩa vụ tài chính"
        case .withdrawalRequested: "Công dân yêu cầu rút hồ sơ"
        case .stopped: "Dừng xử lý"
        case .resolved: "Đã xử lý xong"
        case .returned: "Đã trả kết quả"
        }
    }

    /// No further action changes the dossier's outcome (a returned dossier may still be rated).
    public var isFinal: Bool { [.notReceived, .stopped, .returned].contains(self) }
}

/// How the dossier was submitted (`KenhThucHien`).
public enum Channel: Int, Codable, Sendable, CaseIterable {
    /// Trực tiếp, at the one-stop desk.
    case direct = 1
    /// Trực tuyến.
    case online = 2
    /// Bưu chính công ích.
    case postal = 3

    public var label: String {
        switch self {
        case .direct: "Trực tiếp"
        case .online: "Trực tuyến"
        case .postal: "Bưu chính công ích"
        }
    }
}
