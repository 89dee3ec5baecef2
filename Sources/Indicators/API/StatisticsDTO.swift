import Foundation
import Kernel
import Vapor

/// Figures and rates of one group, as the API returns them.
public struct FiguresDTO: Content, Equatable {
    /// Every figure by its name (`Figure`).
    public var counts: [String: Int64]
    public var rates: Rates
    /// Calendar days from receipt to decision, supplement pauses excluded.
    public var averageProcessingDays: Double?

    public struct Rates: Content, Equatable {
        public var onTime: Double?
        public var online: Double?
        public var fullOnline: Double?
        public var paidOnline: Double?
        public var electronicResult: Double?
        public var digitised: Double?
        public var reused: Double?
        public var satisfied: Double?
    }

    public init(_ s: Statistics) {
        counts = Dictionary(uniqueKeysWithValues: Figure.allCases.map { ($0.rawValue, $0.value(s)) })
        func rate(_ n: Int64, _ d: Int64) -> Double? { d == 0 ? nil : (Double(n) / Double(d) * 10_000).rounded() / 10_000 }
        rates = Rates(onTime: rate(s.flow(.endedEarly) + s.flow(.endedOnTime), s.ended), online: rate(s.flow(.receivedOnline), s.received),
                      fullOnline: rate(s.flow(.onlineFull), s.received), paidOnline: rate(s.flow(.paidOnline), s.flow(.withFees)),
                      electronicResult: rate(s.flow(.electronicResult), s.flow(.granted)), digitised: rate(s.flow(.digitised), s.received),
                      reused: rate(s.flow(.reused), s.received),
                      satisfied: rate(s.flow(.ratedSatisfied) + s.flow(.ratedVerySatisfied), s.ratings))
        averageProcessingDays = s.averageProcessingSeconds.map { ($0 / 86_400 * 100).rounded() / 100 }
    }
}

public struct PeriodDTO: Content, Equatable {
    public var from: String
    public var to: String
    public var label: String
    init(_ p: Period) { from = VietnamTime.isoDay(p.first); to = VietnamTime.isoDay(p.last); label = p.label }
}

public struct StatisticsDTO: Content {
    public struct Group: Content {
        public var code: String
        public var name: String
        public var figures: FiguresDTO
    }
    public var period: PeriodDTO
    public var total: FiguresDTO
    public var groups: [Group]?
}

public struct ServiceIndexDTO: Content {
    public struct Group: Content {
        public var group: Int
        public var name: String
        public var points: Double
        public var maxPoints: Double
    }
    public struct Ranked: Content {
        public var code: String
        public var name: String
        public var total: Double
    }
    public var period: PeriodDTO
    public var agency: String?
    public var total: Double
    /// The points of the indicators that could be measured.
    public var measuredMax: Double
    public var groups: [Group]
    public var indicators: [ServiceIndex.Indicator]
    /// The province's units by their total, when no agency was asked for.
    public var ranking: [Ranked]?
    public struct Day: Content {
        public var date: String
        public var total: Double
    }
    /// The daily snapshots of the year-to-date total: the period's last 90 days up to today.
    public var history: [Day]
}

public struct UnitScoresDTO: Content {
    public struct Unit: Content {
        public var code: String
        public var name: String
        /// Nil when the unit ended no dossier in the period.
        public var score: UnitScore?
    }
    /// An official of the agency asked for, scored on the dossiers they acted on (`OfficerScore`).
    public struct Officer: Content {
        public var userID: UUID
        public var name: String
        public var score: UnitScore
    }
    public var period: PeriodDTO
    public var agency: String?
    public var score: UnitScore?
    public var units: [Unit]?
    /// With an agency: its officials, best first.
    public var officers: [Officer]?
}
