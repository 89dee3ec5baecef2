import Foundation
import SQLKit

/// Every figure the statistics show, with the dossiers it counts, so each number links to its list.
public enum Figure: String, CaseIterable, Sendable, Codable {
    case carriedOver = "carried-over"
    case received, receivedDirect = "received-direct", receivedOnline = "received-online", receivedPostal = "received-postal"
    case notReceived = "not-received"
    case ended, early, onTime = "on-time", late
    /// Ended early or on time (the on-time rate's numerator).
    case inTime = "in-time"
    case granted, refused, stopped, withdrawn
    case returned
    case open, openLate = "open-late", openOnTime = "open-on-time", waiting
    /// Late either way: ended late in the period, or open and overdue at its end (what 2.1 loses on).
    case lateOrOverdue = "late-or-overdue"
    case onlineFull = "online-full", withFees = "with-fees", paidOnline = "paid-online", electronicResult = "electronic-result"
    case digitised, reused, personalStore = "personal-store", vneid, unsatisfied

    public var label: String {
        switch self {
        case .carriedOver: "Kỳ trước chuyển sang"
        case .received: "Tiếp nhận trong kỳ"
        case .receivedDirect: "— trực tiếp"
        case .receivedOnline: "— trực tuyến"
        case .receivedPostal: "— qua bưu chính công ích"
        case .notReceived: "Từ chối tiếp nhận"
        case .ended: "Đã kết thúc trong kỳ"
        case .early: "— trước hạn"
        case .onTime: "— đúng hạn"
        case .late: "— trễ hạn"
        case .inTime: "Kết thúc đúng hạn và trước hạn"
        case .lateOrOverdue: "Trễ hạn: kết thúc trễ hạn trong kỳ hoặc quá hạn cuối kỳ"
        case .granted: "Giải quyết: cấp kết quả"
        case .refused: "Giải quyết: từ chối"
        case .stopped: "Dừng xử lý"
        case .withdrawn: "Công dân rút hồ sơ"
        case .returned: "Đã trả kết quả"
        case .open: "Đang giải quyết cuối kỳ"
        case .openLate: "— quá hạn"
        case .openOnTime: "— trong hạn"
        case .waiting: "Chờ bổ sung cuối kỳ"
        case .onlineFull: "Hồ sơ trực tuyến toàn trình"
        case .withFees: "Hồ sơ có nghĩa vụ tài chính"
        case .paidOnline: "Thanh toán trực tuyến"
        case .electronicResult: "Có kết quả điện tử"
        case .digitised: "Số hóa hồ sơ"
        case .reused: "Tái sử dụng dữ liệu số hóa"
        case .personalStore: "Kết nối Kho dữ liệu cá nhân"
        case .vneid: "Xác thực VNeID"
        case .unsatisfied: "Không hài lòng"
        }
    }

    public func value(_ s: Statistics) -> Int64 {
        switch self {
        case .carriedOver: s.carriedOver
        case .received: s.received
        case .receivedDirect: s.flow(.receivedDirect)
        case .receivedOnline: s.flow(.receivedOnline)
        case .receivedPostal: s.flow(.receivedPostal)
        case .notReceived: s.flow(.notReceived)
        case .ended: s.ended
        case .early: s.flow(.endedEarly)
        case .onTime: s.flow(.endedOnTime)
        case .late: s.flow(.endedLate)
        case .inTime: s.flow(.endedEarly) + s.flow(.endedOnTime)
        case .lateOrOverdue: s.flow(.endedLate) + s.lateAtEnd
        case .granted: s.flow(.granted)
        case .refused: s.flow(.refused)
        case .stopped: s.flow(.stopped)
        case .withdrawn: s.flow(.withdrawn)
        case .returned: s.flow(.returned)
        case .open: s.openAtEnd
        case .openLate: s.lateAtEnd
        case .openOnTime: s.notYetDueAtEnd
        case .waiting: s.waitingAtEnd
        case .onlineFull: s.flow(.onlineFull)
        case .withFees: s.flow(.withFees)
        case .paidOnline: s.flow(.paidOnline)
        case .electronicResult: s.flow(.electronicResult)
        case .digitised: s.flow(.digitised)
        case .reused: s.flow(.reused)
        case .personalStore: s.flow(.personalStore)
        case .vneid: s.flow(.vneid)
        case .unsatisfied: s.flow(.ratedUnsatisfied)
        }
    }

    /// The SQL condition on `dossier_facts` for the dossiers this figure counts in `period`: the
    /// same rules as the contributions, applied to one row. Built only from day numbers and
    /// constants. For `.waiting` it narrows the rows; `waitingAt` then decides.
    func condition(in period: Period) -> String {
        let (a, b) = (period.first, period.last)
        let received = "received_day BETWEEN \(a) AND \(b)", ended = "end_day BETWEEN \(a) AND \(b)"
        func open(_ t: Int) -> String { "(received_day <= \(t) AND (end_day IS NULL OR end_day > \(t)))" }
        let late = "(late_since_day <= \(b) AND (end_day IS NULL OR end_day > late_since_day))"
        switch self {
        case .carriedOver: return open(a - 1)
        case .received: return received
        case .receivedDirect: return "\(received) AND channel NOT IN (2, 3)"
        case .receivedOnline: return "\(received) AND channel = 2"
        case .receivedPostal: return "\(received) AND channel = 3"
        case .notReceived: return "received_day IS NULL AND not_received_day BETWEEN \(a) AND \(b)"
        case .ended: return "\(ended) AND end_kind IS NOT NULL"
        case .early: return "\(ended) AND timeliness = 'early'"
        case .onTime: return "\(ended) AND timeliness = 'on_time'"
        case .late: return "\(ended) AND timeliness = 'late'"
        case .inTime: return "\(ended) AND timeliness IN ('early', 'on_time')"
        case .lateOrOverdue: return "((\(Figure.late.condition(in: period))) OR (\(Figure.openLate.condition(in: period))))"
        case .granted: return "\(ended) AND end_kind = 'granted'"
        case .refused: return "\(ended) AND end_kind = 'refused'"
        case .stopped: return "\(ended) AND end_kind = 'stopped'"
        case .withdrawn: return "\(ended) AND end_kind = 'withdrawn'"
        case .returned: return "returned_day BETWEEN \(a) AND \(b)"
        case .open: return open(b)
        case .openLate: return "\(open(b)) AND \(late)"
        case .openOnTime: return "\(open(b)) AND NOT \(late.replacingOccurrences(of: "late_since_day <=", with: "COALESCE(late_since_day, \(b + 1)) <="))"
        case .waiting: return "supplements <> '' AND \(open(b))"
        case .onlineFull: return "\(received) AND online_full"
        case .withFees: return "\(received) AND with_fees"
        case .paidOnline: return "\(received) AND paid_online"
        case .electronicResult: return "\(ended) AND end_kind = 'granted' AND electronic_result"
        case .digitised: return "\(received) AND digitised"
        case .reused: return "\(received) AND reused"
        case .personalStore: return "\(received) AND personal_store"
        case .vneid: return "\(received) AND vneid"
        case .unsatisfied: return "\(received) AND rating = 1"
        }
    }

    /// Whether a dossier waits for a supplement at the end of `day`.
    static func waitingAt(_ f: DossierFact, _ day: Int) -> Bool {
        f.supplementEpisodes.contains { $0.requested <= day && ($0.ended.map { $0 > day } ?? true) }
    }

    /// The dossiers a QĐ 766 indicator loses points on: a figure, or its complement (`negated`).
    static func costing(_ loss: String) -> (figure: Figure, negated: Bool)? {
        switch loss {
        case "late": (.lateOrOverdue, false)
        case "not-online": (.onlineFull, true)
        case "unpaid-online": (.paidOnline, true)
        case "no-eresult": (.electronicResult, true)
        case "not-digitised": (.digitised, true)
        case "not-reused": (.reused, true)
        case "unsatisfied": (.unsatisfied, false)
        default: nil
        }
    }

    /// The facts this figure counts in `period` (with `negated`, the rest of the indicator's
    /// denominator), newest first, one page, and how many there are.
    /// - Parameter procedures: only these procedures' dossiers (an indicator counting only some, as 3.3 the full-online ones).
    public static func dossiers(_ figure: Figure, negated: Bool = false, period: Period, filter: StatisticsFilter, procedures: [String]? = nil,
                                page: Int, perPage: Int, on sql: any SQLDatabase) async throws -> (facts: [DossierFact], total: Int) {
        // A complement is taken within the indicator's denominator: granted, paying, or received in the period.
        let base: Figure = figure == .electronicResult ? .granted : figure == .paidOnline ? .withFees : .received
        let condition = negated ? "\(base.condition(in: period)) AND NOT (\(figure.condition(in: period)))" : figure.condition(in: period)
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            filter.restrict(q.from(FactStore.table).where(SQLRaw(condition)))
            if let procedures { q.where("procedure_code", .in, procedures) }
            return q
        }
        let newestFirst = { (q: SQLSelectBuilder) in
            q.orderBy(SQLRaw("COALESCE(end_day, received_day, not_received_day)"), SQLDirection.descending).orderBy("code", .descending)
        }
        if figure == .waiting && !negated {
            // Few dossiers ever wait; their episodes decide.
            let all = try await newestFirst(filtered(sql.select().column("*"))).all(decoding: DossierFact.self).filter { waitingAt($0, period.last) }
            let start = (page - 1) * perPage
            return (start < all.count ? Array(all[start..<min(all.count, start + perPage)]) : [], all.count)
        }
        struct Count: Decodable { var n: Int }
        let total = try await filtered(sql.select().column(SQLRaw("COUNT(*) AS n"))).first(decoding: Count.self)?.n ?? 0
        let facts = try await newestFirst(filtered(sql.select().column("*"))).limit(perPage).offset((page - 1) * perPage).all(decoding: DossierFact.self)
        return (facts, total)
    }
}
