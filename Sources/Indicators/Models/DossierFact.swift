import Foundation

/// What the statistics need to know of one received dossier (or one refused at receipt), derived
/// from its row, its audit trail and its files (`FactDerivation`). The aggregates are a pure
/// function of the facts (`contributions`), so a change is applied by taking away the old fact's
/// contributions and adding the new one's, and a full recomputation must give the same table.
/// Days are Vietnam calendar days (`VietnamTime.dayNumber`).
public struct DossierFact: Codable, Sendable, Equatable {
    public enum EndKind: String, Codable, Sendable { case granted, refused, stopped, withdrawn }
    /// Trước hạn, đúng hạn, trễ hạn.
    public enum Timeliness: String, Codable, Sendable { case early, onTime = "on_time", late }

    public var dossierID: UUID
    public var code: String
    public var procedureCode: String
    public var fieldCode: String
    /// The deciding agency (đơn vị giải quyết): the unit the statistics and the index count it for.
    public var agencyCode: String
    public var channel: Int
    /// The first receipt; nil for a dossier refused at receipt.
    public var receivedDay: Int?
    public var notReceivedDay: Int?
    public var dueDay: Int?
    public var endDay: Int?
    public var endKind: EndKind?
    public var timeliness: Timeliness?
    public var returnedDay: Int?
    /// From this day the dossier counts as late while open (past its due date unsettled, or a second supplement request).
    public var lateSinceDay: Int?
    /// Supplement requests after receipt as "requestDay-endDay" (end empty while waiting), comma-separated.
    public var supplements: String
    public var processingSeconds: Int64
    public var withFees: Bool
    public var paidOnline: Bool
    public var electronicResult: Bool
    public var digitised: Bool
    public var reused: Bool
    public var personalStore: Bool
    public var vneid: Bool
    public var onlineFull: Bool
    public var rating: Int?

    enum CodingKeys: String, CodingKey {
        case dossierID = "dossier_id", code, procedureCode = "procedure_code", fieldCode = "field_code", agencyCode = "agency_code"
        case channel, receivedDay = "received_day", notReceivedDay = "not_received_day", dueDay = "due_day", endDay = "end_day"
        case endKind = "end_kind", timeliness, returnedDay = "returned_day", lateSinceDay = "late_since_day", supplements
        case processingSeconds = "processing_seconds", withFees = "with_fees", paidOnline = "paid_online"
        case electronicResult = "electronic_result", digitised, reused, personalStore = "personal_store", vneid
        case onlineFull = "online_full", rating
    }

    /// The supplement episodes: request day and end day (nil while waiting).
    public var supplementEpisodes: [(requested: Int, ended: Int?)] {
        supplements.split(separator: ",").compactMap { part in
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard let r = Int(ends[0]) else { return nil }
            return (r, ends.count > 1 ? Int(ends[1]) : nil)
        }
    }

    /// The events this dossier adds to the aggregates: (counter, day, amount).
    public var contributions: [(Counter, Int, Int64)] {
        var out: [(Counter, Int, Int64)] = []
        if let day = notReceivedDay, receivedDay == nil { out.append((.notReceived, day, 1)) }
        guard let r = receivedDay else { return out }
        switch channel {
        case 2: out.append((.receivedOnline, r, 1))
        case 3: out.append((.receivedPostal, r, 1))
        default: out.append((.receivedDirect, r, 1))
        }
        let flags: [(Bool, Counter)] = [(onlineFull, .onlineFull), (withFees, .withFees), (paidOnline, .paidOnline), (digitised, .digitised),
                                        (reused, .reused), (personalStore, .personalStore), (vneid, .vneid),
                                        (rating == 1, .ratedUnsatisfied), (rating == 2, .ratedSatisfied), (rating == 3, .ratedVerySatisfied)]
        for (on, c) in flags where on { out.append((c, r, 1)) }
        if let e = endDay, let kind = endKind {
            switch timeliness ?? .onTime {
            case .early: out.append((.endedEarly, e, 1))
            case .onTime: out.append((.endedOnTime, e, 1))
            case .late: out.append((.endedLate, e, 1))
            }
            switch kind {
            case .granted: out.append((.granted, e, 1))
            case .refused: out.append((.refused, e, 1))
            case .stopped: out.append((.stopped, e, 1))
            case .withdrawn: out.append((.withdrawn, e, 1))
            }
            if kind == .granted || kind == .refused { out.append((.processingSeconds, e, processingSeconds)) }
            if kind == .granted && electronicResult { out.append((.electronicResult, e, 1)) }
            let asked = supplementEpisodes.count
            if asked == 1 { out.append((.endedAfterOneSupplement, e, 1)) }
            if asked > 1 { out.append((.endedAfterSupplements, e, 1)) }
            if channel == 2 { out.append((.endedOnline, e, 1)) }
            if rating != 1, timeliness == .early { out.append((.endedEarlyContent, e, 1)) }
            if rating != 1, timeliness == .onTime { out.append((.endedOnTimeContent, e, 1)) }
        }
        if let t = returnedDay { out.append((.returned, t, 1)) }
        for s in supplementEpisodes {
            out.append((.supplementRequested, s.requested, 1))
            if let e = s.ended { out.append((.supplementEnded, e, 1)) }
        }
        if let l = lateSinceDay, endDay.map({ $0 > l }) ?? true {
            out.append((.lateStarted, l, 1))
            if let e = endDay { out.append((.lateEnded, e, 1)) }
        }
        return out
    }
}
