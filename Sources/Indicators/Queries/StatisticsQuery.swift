import Foundation
import Kernel
import SQLKit

/// The figures of one group of dossiers (an agency, a procedure, the province) for a period:
/// flows are what happened between its first and last day, stocks are what stood open at the
/// end of the day before it began and at the end of its last day.
public struct Statistics: Sendable, Equatable {
    /// Cumulative counts through the day before the period, and through its last day.
    public var before: Counters
    public var through: Counters

    public init(before: Counters = Counters(), through: Counters = Counters()) {
        self.before = before; self.through = through
    }

    public func flow(_ c: Counter) -> Int64 { through[c] - before[c] }

    static func received(_ c: Counters) -> Int64 { c[.receivedDirect] + c[.receivedOnline] + c[.receivedPostal] }
    static func ended(_ c: Counters) -> Int64 { c[.granted] + c[.refused] + c[.stopped] + c[.withdrawn] }
    static func open(_ c: Counters) -> Int64 { received(c) - ended(c) }

    /// Tiếp nhận trong kỳ.
    public var received: Int64 { Self.received(through) - Self.received(before) }
    /// Kỳ trước chuyển sang: open at the end of the day before the period.
    public var carriedOver: Int64 { Self.open(before) }
    /// Ended in the period: resolved (granted or refused), stopped, withdrawn.
    public var ended: Int64 { Self.ended(through) - Self.ended(before) }
    public var resolved: Int64 { flow(.granted) + flow(.refused) }
    /// Đang giải quyết at the end of the period.
    public var openAtEnd: Int64 { Self.open(through) }
    /// Of those, late by the QĐ 766 rules (quá hạn).
    public var lateAtEnd: Int64 { through[.lateStarted] - through[.lateEnded] }
    /// Of those, not late (trong hạn).
    public var notYetDueAtEnd: Int64 { openAtEnd - lateAtEnd }
    /// Waiting for the applicant's supplement at the end of the period.
    public var waitingAtEnd: Int64 { through[.supplementRequested] - through[.supplementEnded] }
    public var ratings: Int64 { flow(.ratedUnsatisfied) + flow(.ratedSatisfied) + flow(.ratedVerySatisfied) }
    /// Average seconds from receipt to decision, supplement pauses excluded.
    public var averageProcessingSeconds: Double? {
        resolved == 0 ? nil : Double(flow(.processingSeconds)) / Double(resolved)
    }

    public static func + (a: Statistics, b: Statistics) -> Statistics {
        Statistics(before: a.before + b.before, through: a.through + b.through)
    }
}

/// What to count: some agencies (nil for all), one procedure, one field.
public struct StatisticsFilter: Sendable, Equatable {
    public var agencyCodes: [String]?
    public var procedureCode: String?
    public var fieldCode: String?

    public init(agencyCodes: [String]? = nil, procedureCode: String? = nil, fieldCode: String? = nil) {
        self.agencyCodes = agencyCodes; self.procedureCode = procedureCode; self.fieldCode = fieldCode
    }
}

/// The statistics of a period for every (agency, procedure) pair with dossiers, from the aggregates.
public struct StatisticsTable: Sendable {
    public struct Key: Hashable, Sendable {
        public var agencyCode: String
        public var procedureCode: String
        public var fieldCode: String
    }

    public var period: Period
    public var rows: [Key: Statistics]

    public var total: Statistics { rows.values.reduce(Statistics(), +) }

    public func grouped<G: Hashable>(by group: (Key) -> G) -> [G: Statistics] {
        var out: [G: Statistics] = [:]
        for (k, s) in rows { out[group(k), default: Statistics()] = out[group(k), default: Statistics()] + s }
        return out
    }

    /// Two queries: the cumulative counts through the day before the period and through its end.
    public static func load(_ period: Period, filter: StatisticsFilter, on sql: any SQLDatabase) async throws -> StatisticsTable {
        async let before = cumulative(through: period.first - 1, filter: filter, on: sql)
        async let through = cumulative(through: period.last, filter: filter, on: sql)
        let (b, t) = try await (before, through)
        var rows: [Key: Statistics] = [:]
        for (k, c) in b { rows[k, default: Statistics()].before = c }
        for (k, c) in t { rows[k, default: Statistics()].through = c }
        return StatisticsTable(period: period, rows: rows)
    }

    /// Counters summed over every event up to the end of `day`, by agency and procedure.
    static func cumulative(through day: Int, filter: StatisticsFilter, on sql: any SQLDatabase) async throws -> [Key: Counters] {
        if filter.agencyCodes?.isEmpty == true || day < 0 { return [:] }
        let query = sql.select().column("agency_code").column("procedure_code").column("field_code")
        for c in Counter.allCases { query.column(SQLRaw("CAST(SUM(\(c.rawValue)) AS BIGINT) AS \(c.rawValue)")) }
        query.from(Aggregates.table).where(group: { group in
            for run in BucketCover.covering(from: 0, through: day) {
                group.orWhere(group: { g in
                    g.where("grain", .equal, run.grain.rawValue).where("start_day", .greaterThanOrEqual, run.from)
                        .where("start_day", .lessThanOrEqual, run.through)
                })
            }
            return group
        })
        if let agencies = filter.agencyCodes { query.where("agency_code", .in, agencies) }
        if let p = filter.procedureCode { query.where("procedure_code", .equal, p) }
        if let f = filter.fieldCode { query.where("field_code", .equal, f) }
        query.groupBy("agency_code").groupBy("procedure_code").groupBy("field_code")
        var out: [Key: Counters] = [:]
        for row in try await query.all() {
            let key = Key(agencyCode: try row.decode(column: "agency_code", as: String.self),
                          procedureCode: try row.decode(column: "procedure_code", as: String.self),
                          fieldCode: try row.decode(column: "field_code", as: String.self))
            out[key] = try Aggregates.decodeCounters(row, prefix: "")
        }
        return out
    }

    /// The same statistics by scanning every fact: the baseline the aggregates are measured
    /// against, and a second opinion in tests.
    public static func scan(_ period: Period, filter: StatisticsFilter, on sql: any SQLDatabase) async throws -> StatisticsTable {
        let query = sql.select().column("*").from(FactStore.table)
        if let agencies = filter.agencyCodes { query.where("agency_code", .in, agencies) }
        if let p = filter.procedureCode { query.where("procedure_code", .equal, p) }
        if let f = filter.fieldCode { query.where("field_code", .equal, f) }
        var rows: [Key: Statistics] = [:]
        for fact in try await query.all(decoding: DossierFact.self) {
            let key = Key(agencyCode: fact.agencyCode, procedureCode: fact.procedureCode, fieldCode: fact.fieldCode)
            var s = rows[key] ?? Statistics()
            for (counter, day, amount) in fact.contributions where day <= period.last {
                s.through[counter] += amount
                if day < period.first { s.before[counter] += amount }
            }
            rows[key] = s
        }
        return StatisticsTable(period: period, rows: rows)
    }
}
