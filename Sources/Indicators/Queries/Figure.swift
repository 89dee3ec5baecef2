import Foundation
import SQLKit

/// Every figure the statistics show, with the dossiers it counts, so each number links to its list.
public enum Figure: String, CaseIterable, Sendable, Codable {
    case carriedOver = "carried-over"
    case received, receivedDirect = "received-direct", receivedOnline = "received-online", receivedPostal = "received-postal"
    case notReceived = "not-received"
    case ended, early, onTime = "on-time", late
    case granted, refused, stopped, withdrawn
    case returned
    case open, openLate = "open-late", openOnTime = "open-on-time", waiting
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

    /// Whether a fact is counted by this figure in `period`: the same rules as the aggregates,
    /// applied to one dossier.
    public func counts(_ f: DossierFact, in period: Period) -> Bool {
        let (a, b) = (period.first, period.last)
        func within(_ day: Int?) -> Bool { day.map { $0 >= a && $0 <= b } ?? false }
        func openAt(_ t: Int) -> Bool { (f.receivedDay.map { $0 <= t } ?? false) && (f.endDay.map { $0 > t } ?? true) }
        func lateAt(_ t: Int) -> Bool {
            guard let l = f.lateSinceDay, l <= t else { return false }
            return f.endDay.map { $0 > t && $0 > l } ?? true
        }
        let received = within(f.receivedDay)
        switch self {
        case .carriedOver: return openAt(a - 1)
        case .received: return received
        case .receivedDirect: return received && f.channel != 2 && f.channel != 3
        case .receivedOnline: return received && f.channel == 2
        case .receivedPostal: return received && f.channel == 3
        case .notReceived: return f.receivedDay == nil && within(f.notReceivedDay)
        case .ended: return within(f.endDay)
        case .early: return within(f.endDay) && f.timeliness == .early
        case .onTime: return within(f.endDay) && f.timeliness == .onTime
        case .late: return within(f.endDay) && f.timeliness == .late
        case .granted: return within(f.endDay) && f.endKind == .granted
        case .refused: return within(f.endDay) && f.endKind == .refused
        case .stopped: return within(f.endDay) && f.endKind == .stopped
        case .withdrawn: return within(f.endDay) && f.endKind == .withdrawn
        case .returned: return within(f.returnedDay)
        case .open: return openAt(b)
        case .openLate: return openAt(b) && lateAt(b)
        case .openOnTime: return openAt(b) && !lateAt(b)
        case .waiting: return f.supplementEpisodes.contains { $0.requested <= b && ($0.ended.map { $0 > b } ?? true) }
        case .onlineFull: return received && f.onlineFull
        case .withFees: return received && f.withFees
        case .paidOnline: return received && f.paidOnline
        case .electronicResult: return within(f.endDay) && f.endKind == .granted && f.electronicResult
        case .digitised: return received && f.digitised
        case .reused: return received && f.reused
        case .personalStore: return received && f.personalStore
        case .vneid: return received && f.vneid
        case .unsatisfied: return received && f.rating == 1
        }
    }

    /// The dossiers a QĐ 766 indicator loses points on: a figure, or its complement (`negated`).
    static func costing(_ loss: String) -> (figure: Figure, negated: Bool)? {
        switch loss {
        case "late": (.late, false)
        case "not-online": (.onlineFull, true)
        case "unpaid-online": (.paidOnline, true)
        case "no-eresult": (.electronicResult, true)
        case "not-digitised": (.digitised, true)
        case "not-reused": (.reused, true)
        case "unsatisfied": (.unsatisfied, false)
        default: nil
        }
    }

    /// The facts this figure counts in `period`, newest first, one page. Candidates are narrowed
    /// by the day columns (indexed), then the figure's rule decides.
    public static func dossiers(_ figure: Figure, negated: Bool = false, period: Period, filter: StatisticsFilter,
                                page: Int, perPage: Int, on sql: any SQLDatabase) async throws -> (facts: [DossierFact], total: Int) {
        let query = sql.select().column("*").from(FactStore.table)
        if let agencies = filter.agencyCodes { query.where("agency_code", .in, agencies) }
        if let p = filter.procedureCode { query.where("procedure_code", .equal, p) }
        if let f = filter.fieldCode { query.where("field_code", .equal, f) }
        // Every figure concerns dossiers received by the end of the period (or refused at receipt in it).
        query.where(group: { g in
            g.where("received_day", .lessThanOrEqual, period.last).orWhere("not_received_day", .lessThanOrEqual, period.last)
        })
        // A complement is taken within the indicator's denominator: granted, or received, in the period.
        let base: Figure = figure == .electronicResult ? .granted : figure == .paidOnline ? .withFees : .received
        switch negated ? base : figure {
        case .ended, .early, .onTime, .late, .granted, .refused, .stopped, .withdrawn, .electronicResult:
            query.where("end_day", .greaterThanOrEqual, period.first).where("end_day", .lessThanOrEqual, period.last)
        case .open, .openLate, .openOnTime, .carriedOver, .waiting:
            query.where(group: { g in g.where("end_day", .is, SQLLiteral.null).orWhere("end_day", .greaterThanOrEqual, period.first - 1) })
        case .notReceived, .returned:
            break
        default:
            query.where("received_day", .greaterThanOrEqual, period.first)
        }
        var matching = try await query.all(decoding: DossierFact.self).filter { f in
            negated ? base.counts(f, in: period) && !figure.counts(f, in: period) : figure.counts(f, in: period)
        }
        matching.sort { ($0.endDay ?? $0.receivedDay ?? 0, $0.code) > ($1.endDay ?? $1.receivedDay ?? 0, $1.code) }
        let start = (page - 1) * perPage
        return (start < matching.count ? Array(matching[start..<min(matching.count, start + perPage)]) : [], matching.count)
    }
}
