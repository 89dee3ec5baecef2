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

    /// Adds what one dossier contributes to `period` (what the aggregates add up, from its fact).
    mutating func add(_ fact: DossierFact, in period: Period) {
        for (counter, day, amount) in fact.contributions where day <= period.last {
            through[counter] += amount
            if day < period.first { before[counter] += amount }
        }
    }

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

    public static func += (a: inout Statistics, b: Statistics) { a = a + b }
}

/// What to count: some agencies (nil for all), one procedure, one field.
public struct StatisticsFilter: Sendable, Equatable {
    public var agencyCodes: [String]?
    public var procedureCode: String?
    public var fieldCode: String?

    public init(agencyCodes: [String]? = nil, procedureCode: String? = nil, fieldCode: String? = nil) {
        self.agencyCodes = agencyCodes; self.procedureCode = procedureCode; self.fieldCode = fieldCode
    }

    /// Narrows a query of the facts (or of rows with the same columns) to this filter.
    @discardableResult
    func restrict(_ query: SQLSelectBuilder) -> SQLSelectBuilder {
        if let agencies = agencyCodes { query.where("agency_code", .in, agencies) }
        if let p = procedureCode { query.where("procedure_code", .equal, p) }
        if let f = fieldCode { query.where("field_code", .equal, f) }
        return query
    }
}

/// The statistics of a period by deciding agency and by procedure, from the aggregates.
public struct StatisticsTable: Sendable {
    public struct Pair: Hashable, Sendable {
        public var agencyCode: String
        public var procedureCode: String
    }

    public var period: Period
    public var byAgency: [String: Statistics]
    public var byProcedure: [String: Statistics]
    /// Each procedure's field.
    public var fields: [String: String]
    /// By agency and procedure, when asked for (`pairs: true`): the ranking of units needs it.
    public var pairs: [Pair: Statistics]?

    public var total: Statistics { byAgency.values.reduce(Statistics(), +) }

    public var byField: [String: Statistics] {
        var out: [String: Statistics] = [:]
        for (p, s) in byProcedure { out[fields[p] ?? "", default: Statistics()] += s }
        return out
    }

    /// The part of a table with pairs that concerns some agencies.
    public func restricted(to agencies: Set<String>) -> StatisticsTable {
        StatisticsTable(pairs: (pairs ?? [:]).filter { agencies.contains($0.key.agencyCode) }, fields: fields, period: period)
    }

    init(period: Period, byAgency: [String: Statistics], byProcedure: [String: Statistics], fields: [String: String]) {
        self.period = period; self.byAgency = byAgency; self.byProcedure = byProcedure; self.fields = fields
    }

    /// A table with pairs; its agencies' and procedures' figures are their sums.
    init(pairs: [Pair: Statistics], fields: [String: String], period: Period) {
        var byAgency: [String: Statistics] = [:], byProcedure: [String: Statistics] = [:]
        for (k, v) in pairs {
            byAgency[k.agencyCode, default: Statistics()] += v
            byProcedure[k.procedureCode, default: Statistics()] += v
        }
        self.init(period: period, byAgency: byAgency, byProcedure: byProcedure, fields: fields)
        self.pairs = pairs
    }

    /// Reads the smallest tables that answer: per agency and per procedure for the province or
    /// an agency; per agency and procedure when a procedure or field is asked for, or `pairs`.
    public static func load(_ period: Period, filter: StatisticsFilter, pairs: Bool = false, on sql: any SQLDatabase) async throws -> StatisticsTable {
        if pairs || filter.procedureCode != nil || filter.fieldCode != nil {
            let rows = try await both(period, scope: .agencyProcedure, filter: filter, on: sql)
            var pairs: [Pair: Statistics] = [:], fields: [String: String] = [:]
            for (k, s) in rows {
                pairs[Pair(agencyCode: k.agency, procedureCode: k.procedure)] = s
                fields[k.procedure] = k.field
            }
            return StatisticsTable(pairs: pairs, fields: fields, period: period)
        }
        let agencies = try await both(period, scope: .agency, filter: filter, on: sql)
        // Procedures of the whole province from their own table; of some agencies from the pairs'.
        let procedures = try await both(period, scope: filter.agencyCodes == nil ? .procedure : .agencyProcedure, filter: filter, on: sql)
        var byProcedure: [String: Statistics] = [:], fields: [String: String] = [:]
        for (k, s) in procedures {
            byProcedure[k.procedure, default: Statistics()] += s
            fields[k.procedure] = k.field
        }
        return StatisticsTable(period: period, byAgency: Dictionary(uniqueKeysWithValues: agencies.map { ($0.key.agency, $0.value) }),
                               byProcedure: byProcedure, fields: fields)
    }

    struct Row: Hashable { var agency: String; var procedure: String; var field: String }

    /// Cumulative counts through the day before the period and through its end, side by side.
    static func both(_ period: Period, scope: Aggregates.Scope, filter: StatisticsFilter, on sql: any SQLDatabase) async throws -> [Row: Statistics] {
        async let before = cumulative(through: period.first - 1, scope: scope, filter: filter, on: sql)
        async let through = cumulative(through: period.last, scope: scope, filter: filter, on: sql)
        let (b, t) = try await (before, through)
        var out: [Row: Statistics] = [:]
        for (k, c) in b { out[k, default: Statistics()].before = c }
        for (k, c) in t { out[k, default: Statistics()].through = c }
        return out
    }

    /// Counters summed over every event up to the end of `day`, grouped by the scope's columns.
    static func cumulative(through day: Int, scope: Aggregates.Scope, filter: StatisticsFilter,
                           on sql: any SQLDatabase) async throws -> [Row: Counters] {
        if filter.agencyCodes?.isEmpty == true || day < 0 { return [:] }
        let groups = scope.columns.filter { !["grain", "start_day"].contains($0) }
        let query = sql.select()
        for g in groups { query.column(g) }
        for c in Counter.allCases { query.column(SQLRaw("CAST(SUM(\(c.rawValue)) AS BIGINT) AS \(c.rawValue)")) }
        query.from(scope.table).where(group: { group in
            for run in BucketCover.covering(from: 0, through: day) {
                group.orWhere(group: { g in
                    g.where("grain", .equal, run.grain.rawValue).where("start_day", .greaterThanOrEqual, run.from)
                        .where("start_day", .lessThanOrEqual, run.through)
                })
            }
            return group
        })
        if let agencies = filter.agencyCodes, groups.contains("agency_code") { query.where("agency_code", .in, agencies) }
        if let p = filter.procedureCode { query.where("procedure_code", .equal, p) }
        if let f = filter.fieldCode { query.where("field_code", .equal, f) }
        for g in groups { query.groupBy(g) }
        var out: [Row: Counters] = [:]
        for row in try await query.all() {
            let key = Row(agency: groups.contains("agency_code") ? try row.decode(column: "agency_code", as: String.self) : "",
                          procedure: groups.contains("procedure_code") ? try row.decode(column: "procedure_code", as: String.self) : "",
                          field: groups.contains("field_code") ? try row.decode(column: "field_code", as: String.self) : "")
            out[key] = try Aggregates.decodeCounters(row)
        }
        return out
    }

    /// The same statistics by scanning every fact: the baseline the aggregates are measured
    /// against, and a second opinion in tests.
    public static func scan(_ period: Period, filter: StatisticsFilter, on sql: any SQLDatabase) async throws -> StatisticsTable {
        let query = filter.restrict(sql.select().column("*").from(FactStore.table))
        var pairs: [Pair: Statistics] = [:], fields: [String: String] = [:]
        for fact in try await query.all(decoding: DossierFact.self) {
            let key = Pair(agencyCode: fact.agencyCode, procedureCode: fact.procedureCode)
            fields[fact.procedureCode] = fact.fieldCode
            pairs[key, default: Statistics()].add(fact, in: period)
        }
        return StatisticsTable(pairs: pairs, fields: fields, period: period)
    }
}
