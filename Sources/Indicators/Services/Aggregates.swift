import Fluent
import Foundation
import Kernel
import OneStop
import SQLKit

/// The aggregates behind the statistics: the counters of every day, month and year in which
/// something happened, kept three ways (`Scope`): per deciding agency, per procedure, and per
/// agency and procedure. A period or a cumulative count is read from whole years, whole months
/// and the remaining days, so a query touches a few dozen rows per agency (or procedure)
/// whatever the number of dossiers; the province-wide figures read the two small tables.
public enum Aggregates {
    /// Bucket sizes.
    public enum Grain: Int, Sendable, CaseIterable { case day = 0, month = 1, year = 2 }

    /// How buckets are keyed besides their grain and start.
    public enum Scope: CaseIterable, Sendable {
        case agency, procedure, agencyProcedure

        var table: String {
            switch self {
            case .agency: "stat_agency_buckets"
            case .procedure: "stat_procedure_buckets"
            case .agencyProcedure: "stat_buckets"
            }
        }

        /// The columns that identify a bucket (its unique key).
        var keyColumns: [String] {
            switch self {
            case .agency: ["grain", "start_day", "agency_code"]
            case .procedure: ["grain", "start_day", "procedure_code"]
            case .agencyProcedure: ["grain", "start_day", "agency_code", "procedure_code"]
            }
        }

        /// Whether a column of `columns` holds a number (the grain and start day) rather than a code.
        static func holdsNumber(_ column: String) -> Bool { ["grain", "start_day"].contains(column) }

        /// Every column besides the counters.
        var columns: [String] {
            switch self {
            case .agency: keyColumns
            case .procedure, .agencyProcedure: keyColumns + ["field_code"]
            }
        }
    }

    public struct Key: Hashable, Sendable {
        public var scope: Scope
        public var grain: Grain
        public var startDay: Int
        /// Empty where the scope does not key by it.
        public var agencyCode: String
        public var procedureCode: String
        public var fieldCode: String

        /// The key's columns' values (`Scope.columns`, in their order).
        func appendCells(to cells: inout [SQLCell]) {
            cells.append(.int(grain.rawValue))
            cells.append(.int(startDay))
            if scope != .procedure { cells.append(.text(agencyCode)) }
            if scope != .agency {
                cells.append(.text(procedureCode))
                cells.append(.text(fieldCode))
            }
        }

        /// The order of the unique key: grain, start day, agency, procedure.
        static func < (a: Key, b: Key) -> Bool {
            (a.grain.rawValue, a.startDay, a.agencyCode, a.procedureCode) < (b.grain.rawValue, b.startDay, b.agencyCode, b.procedureCode)
        }
    }

    /// Adds `sign` × a fact's contributions to `deltas`, in its day's, month's and year's bucket of
    /// every scope. A fact's contributions fall on a few days: each day's are summed first, so
    /// that its nine buckets are each looked up once.
    static func add(_ fact: DossierFact, sign: Int64, to deltas: inout [Key: Counters]) {
        var days: [(day: Int, counters: Counters)] = []
        for (counter, day, amount) in fact.contributions {
            if let i = days.firstIndex(where: { $0.day == day }) {
                days[i].counters[counter] += amount
            } else {
                var counters = Counters()
                counters[counter] = amount
                days.append((day, counters))
            }
        }
        for (day, counters) in days {
            let c = VietnamTime.civil(day)
            let starts: [(Grain, Int)] = [(.day, day), (.month, VietnamTime.dayNumber(year: c.year, month: c.month, day: 1)),
                                          (.year, VietnamTime.dayNumber(year: c.year, month: 1, day: 1))]
            for (grain, start) in starts {
                for key in [Key(scope: .agency, grain: grain, startDay: start, agencyCode: fact.agencyCode, procedureCode: "", fieldCode: ""),
                            Key(scope: .procedure, grain: grain, startDay: start, agencyCode: "", procedureCode: fact.procedureCode, fieldCode: fact.fieldCode),
                            Key(scope: .agencyProcedure, grain: grain, startDay: start, agencyCode: fact.agencyCode,
                                procedureCode: fact.procedureCode, fieldCode: fact.fieldCode)] {
                    deltas[key, default: Counters()].add(counters, times: sign)
                }
            }
        }
    }

    /// Deltas by table, each table's in the order of its unique key, so that each upsert lands
    /// beside the one before.
    public struct SortedDeltas: Sendable {
        var byScope: [(scope: Scope, rows: [(key: Key, counters: Counters)])] = []
    }

    static func sorted(_ deltas: [Key: Counters]) -> SortedDeltas {
        var byScope: [Scope: [(key: Key, counters: Counters)]] = [:]
        for (key, counters) in deltas where !counters.isZero { byScope[key.scope, default: []].append((key, counters)) }
        return SortedDeltas(byScope: Scope.allCases.compactMap { scope in byScope[scope].map { (scope, $0.sorted { $0.key < $1.key }) } })
    }

    /// Adds the deltas to the tables (upserts that add to the counters already there).
    static func apply(_ deltas: [Key: Counters], on sql: any SQLDatabase) async throws {
        try await apply(sorted(deltas), on: sql)
    }

    static func apply(_ deltas: SortedDeltas, on sql: any SQLDatabase) async throws {
        let counters = Counter.allCases.map(\.rawValue)
        for (scope, rows) in deltas.byScope {
            // 10,000 rows of cells at a time: a million facts touch a few million buckets.
            for start in stride(from: 0, to: rows.count, by: 10_000) {
                var cells: [SQLCell] = []
                cells.reserveCapacity(10_000 * (scope.columns.count + counters.count))
                for (key, amounts) in rows[start..<min(rows.count, start + 10_000)] {
                    key.appendCells(to: &cells)
                    for amount in amounts.values { cells.append(.int(Int(amount))) }
                }
                try await BulkInsert.rows(columns: scope.columns + counters, cells: cells, into: scope.table,
                                          addingOnConflict: (scope.keyColumns, counters), on: sql)
            }
        }
    }

    /// Brings the facts and aggregates of `ids` up to date with the dossiers' rows.
    static func refresh(_ ids: [UUID], on sql: any SQLDatabase) async throws {
        let old = try await FactStore.load(ids, on: sql)
        let new = try await FactDerivation.facts(ids, on: sql)
        let changed = ids.filter { old[$0] != new[$0] }
        guard !changed.isEmpty else { return }
        var deltas: [Key: Counters] = [:]
        for id in changed {
            if let o = old[id] { add(o, sign: -1, to: &deltas) }
            if let n = new[id] { add(n, sign: 1, to: &deltas) }
        }
        try await FactStore.replace(changed, with: changed.compactMap { new[$0] }, on: sql)
        try await apply(deltas, on: sql)
    }

    /// Every dossier's fact and the aggregates, derived anew from the dossiers.
    static func recompute(on sql: any SQLDatabase) async throws -> (facts: [DossierFact], buckets: [Key: Counters]) {
        struct Row: Decodable { var id: UUID }
        let ids = try await sql.select().column("id").from("dossiers").all(decoding: Row.self).map(\.id)
        var facts: [DossierFact] = []
        var buckets: [Key: Counters] = [:]
        for start in stride(from: 0, to: ids.count, by: 2000) {
            for f in try await FactDerivation.facts(Array(ids[start..<min(ids.count, start + 2000)]), on: sql).values {
                facts.append(f)
                add(f, sign: 1, to: &buckets)
            }
        }
        return (facts, buckets.filter { !$0.value.isZero })
    }

    /// Replaces every fact and bucket with a recomputation (migration, `tinhso statistics rebuild`).
    public static func rebuild(on sql: any SQLDatabase) async throws {
        let (facts, buckets) = try await recompute(on: sql)
        for scope in Scope.allCases { try await sql.delete(from: scope.table).run() }
        try await sql.delete(from: FactStore.table).run()
        try await FactStore.insert(facts, on: sql)
        try await apply(buckets, on: sql)
    }

    /// Facts to append, with their contributions to the buckets summed and sorted: what `append`
    /// writes, made without the database (an import makes it beside the write queue).
    public struct Appending: Sendable {
        /// The dossiers it was made for, also those without a fact (never received).
        let dossierIDs: [UUID]
        let facts: BulkRows
        let deltas: SortedDeltas

        public init(_ facts: [DossierFact], of dossierIDs: [UUID]? = nil) {
            var deltas: [Key: Counters] = [:]
            var rows = BulkRows(into: FactStore.table)
            for f in facts {
                add(f, sign: 1, to: &deltas)
                rows.append(f.row)
            }
            (self.dossierIDs, self.facts, self.deltas) = (dossierIDs ?? facts.map(\.dossierID), rows, Aggregates.sorted(deltas))
        }
    }

    /// Adds facts of dossiers that have none yet, with their contributions to the buckets.
    public static func append(_ facts: [DossierFact], on sql: any SQLDatabase) async throws {
        try await append(Appending(facts), on: sql)
    }

    public static func append(_ appending: Appending, on sql: any SQLDatabase) async throws {
        try await appending.facts.insert(on: sql)
        try await apply(appending.deltas, on: sql)
    }

    /// The tables as stored, without empty buckets, to compare with `recompute`.
    static func stored(on sql: any SQLDatabase) async throws -> [Key: Counters] {
        var out: [Key: Counters] = [:]
        for scope in Scope.allCases {
            for row in try await sql.select().column("*").from(scope.table).all() {
                guard let grain = Grain(rawValue: try row.decode(column: "grain", as: Int.self)) else { continue }
                let has = Set(scope.columns)
                let key = Key(scope: scope, grain: grain, startDay: try row.decode(column: "start_day", as: Int.self),
                              agencyCode: has.contains("agency_code") ? try row.decode(column: "agency_code", as: String.self) : "",
                              procedureCode: has.contains("procedure_code") ? try row.decode(column: "procedure_code", as: String.self) : "",
                              fieldCode: has.contains("field_code") ? try row.decode(column: "field_code", as: String.self) : "")
                let counters = try decodeCounters(row)
                if !counters.isZero { out[key] = counters }
            }
        }
        return out
    }

    static func decodeCounters(_ row: any SQLRow) throws -> Counters {
        var c = Counters()
        for counter in Counter.allCases { c[counter] = try row.decode(column: counter.rawValue, as: Int64?.self) ?? 0 }
        return c
    }
}

/// Keeps facts and aggregates in step with every dossier change, inside the change's transaction.
public struct StatisticsMaintainer: DossierObserver {
    public init() {}
    public func dossiersChanged(_ ids: [UUID], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await Aggregates.refresh(ids, on: sql)
    }

    public func prepare(created dossiers: [NewDossier]) -> (any Sendable)? { appending(dossiers) }

    func appending(_ dossiers: [NewDossier]) -> Aggregates.Appending {
        Aggregates.Appending(dossiers.compactMap(FactDerivation.fact(of:)), of: dossiers.compactMap(\.dossier.id))
    }

    public func beginRun(on db: any Database) async throws -> (any ObserverRun)? { try await StatisticsRun.begin(on: db) }

    public func dossiersCreated(_ dossiers: [NewDossier], prepared: (any Sendable)?, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        // What was prepared for other dossiers than these is made again.
        let ids = dossiers.compactMap(\.dossier.id)
        let made = (prepared as? Aggregates.Appending).flatMap { $0.dossierIDs == ids ? $0 : nil }
        try await Aggregates.append(made ?? appending(dossiers), on: sql)
    }
}
