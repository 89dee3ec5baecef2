/// One column of the statistics' aggregates (`stat_buckets`). Each counts events of one kind on
/// the day they happened; stocks at a moment (open, late, waiting for a supplement) are the
/// difference of two cumulative counts, so every column only ever needs adding to.
public enum Counter: String, CaseIterable, Sendable {
    // On the day of receipt (tiếp nhận), by channel (KenhThucHien) and by what the dossier carries.
    case receivedDirect = "r_direct", receivedOnline = "r_online", receivedPostal = "r_postal"
    /// Online, and with an electronic result where a result was granted (hồ sơ trực tuyến toàn trình).
    case onlineFull = "r_online_full"
    /// With fees or charges to pay (nghĩa vụ tài chính).
    case withFees = "r_fee"
    /// Paid online (DuocThanhToanTrucTuyen).
    case paidOnline = "r_paid_online"
    /// Files for the components, and an electronic result where one was granted (số hóa hồ sơ).
    case digitised = "r_digitised"
    /// At least one component reused (DuocTaiSuDung).
    case reused = "r_reused"
    /// A component from the personal Kho or the result delivered to it.
    case personalStore = "r_kho"
    /// The applicant's account verified with VNeID (population database).
    case vneid = "r_vneid"
    case ratedUnsatisfied = "r_rate1", ratedSatisfied = "r_rate2", ratedVerySatisfied = "r_rate3"

    /// Not received (không được tiếp nhận), on the day of the refusal; never counted as received.
    case notReceived = "n_not_received"

    // On the day a received dossier ended: resolved, stopped or withdrawn.
    case endedEarly = "e_early", endedOnTime = "e_on_time", endedLate = "e_late"
    case granted = "e_granted", refused = "e_refused", stopped = "e_stopped", withdrawn = "e_withdrawn"
    /// Seconds from receipt to decision less the supplement pauses, of granted and refused dossiers.
    case processingSeconds = "e_seconds"
    /// Granted with an electronic result (kết quả điện tử).
    case electronicResult = "e_eresult"
    /// For the TT 01/2018 scores of the dossiers ended: asked for one supplement, for more; submitted
    /// online (no visit to any office); early, and on time, without the applicant being unsatisfied.
    case endedAfterOneSupplement = "e_supp1", endedAfterSupplements = "e_supp2", endedOnline = "e_online"
    case endedEarlyContent = "e_att2", endedOnTimeContent = "e_att1"

    /// Results returned (trả kết quả), on the day of return.
    case returned = "t_returned"

    /// Supplement requests, and their ends (supplied, or the dossier ended while waiting).
    case supplementRequested = "s_requested", supplementEnded = "s_ended"

    /// A dossier starts counting as late (QĐ 766 rules) / stops being open while late.
    case lateStarted = "l_start", lateEnded = "l_end"
}

/// Amounts for every counter, indexed by `Counter`.
public struct Counters: Sendable, Equatable {
    public private(set) var values: [Int64]

    public init() { values = Array(repeating: 0, count: Counter.allCases.count) }

    public subscript(_ c: Counter) -> Int64 {
        get { values[Self.index[c]!] }
        set { values[Self.index[c]!] = newValue }
    }

    public var isZero: Bool { values.allSatisfy { $0 == 0 } }

    /// Adds `other`'s amounts, each multiplied by `sign`.
    mutating func add(_ other: Counters, times sign: Int64 = 1) {
        for i in values.indices { values[i] += sign * other.values[i] }
    }

    public static func + (a: Counters, b: Counters) -> Counters {
        var r = a
        r.add(b)
        return r
    }

    public static func - (a: Counters, b: Counters) -> Counters {
        var r = a
        r.add(b, times: -1)
        return r
    }

    static let index: [Counter: Int] = Dictionary(uniqueKeysWithValues: Counter.allCases.enumerated().map { ($1, $0) })
}
