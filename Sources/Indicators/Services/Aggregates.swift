import Fluent
import Foundation
import Kernel
import OneStop
import SQLKit

/// The aggregates behind the statistics (`stat_buckets`): for each deciding agency and procedure,
/// the counters of every day, month and year in which something happened. A period or a
/// cumulative count is read from whole years, whole months and the remaining days, so a query
/// touches a few dozen rows per agency and procedure whatever the number of dossiers.
public enum Aggregates {
    static let table = "stat_buckets"

    /// Bucket sizes.
    public enum Grain: Int, Sendable, CaseIterable { case day = 0, month = 1, year = 2 }

    public struct Key: Hashable, Sendable {
        public var grain: Grain
        public var startDay: Int
        public var agencyCode: String
        public var procedureCode: String
        public var fieldCode: String
    }

    /// Adds `sign` × a fact's contributions to `deltas`, in its day's, month's and year's bucket.
    static func add(_ fact: DossierFact, sign: Int64, to deltas: inout [Key: Counters]) {
        for (counter, day, amount) in fact.contributions {
            let c = VietnamTime.civil(day)
            let starts: [(Grain, Int)] = [(.day, day), (.month, VietnamTime.dayNumber(year: c.year, month: c.month, day: 1)),
                                          (.year, VietnamTime.dayNumber(year: c.year, month: 1, day: 1))]
            for (grain, start) in starts {
                let key = Key(grain: grain, startDay: start, agencyCode: fact.agencyCode, procedureCode: fact.procedureCode, fieldCode: fact.fieldCode)
                deltas[key, default: Counters()][counter] += sign * amount
            }
        }
    }

    /// Adds the deltas to the table (one upsert per 500 buckets).
    static func apply(_ deltas: [Key: Counters], on sql: any SQLDatabase) async throws {
        let rows = deltas.filter { !$0.value.isZero }
        guard !rows.isEmpty else { return }
        let columns = ["grain", "start_day", "agency_code", "procedure_code", "field_code"] + Counter.allCases.map(\.rawValue)
        let entries = Array(rows)
        for start in stride(from: 0, to: entries.count, by: 500) {
            let insert = sql.insert(into: table).columns(columns)
            for (key, counters) in entries[start..<min(entries.count, start + 500)] {
                let head: [any SQLExpression] = [SQLBind(key.grain.rawValue), SQLBind(key.startDay), SQLBind(key.agencyCode),
                                                 SQLBind(key.procedureCode), SQLBind(key.fieldCode)]
                insert.values(head + counters.values.map { SQLBind($0) })
            }
            try await insert.onConflict(with: ["grain", "start_day", "agency_code", "procedure_code"]) { update in
                var u = update
                for c in Counter.allCases {
                    u = u.set(c.rawValue, to: SQLBinaryExpression(SQLColumn(c.rawValue, table: table), .add, SQLExcludedColumn(c.rawValue)))
                }
                return u
            }.run()
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
        let (facts, _) = try await recompute(on: sql)
        try await sql.delete(from: table).run()
        try await sql.delete(from: FactStore.table).run()
        try await append(facts, on: sql)
    }

    /// Adds facts of dossiers that have none yet, with their contributions to the buckets.
    public static func append(_ facts: [DossierFact], on sql: any SQLDatabase) async throws {
        var deltas: [Key: Counters] = [:]
        for f in facts { add(f, sign: 1, to: &deltas) }
        try await FactStore.insert(facts, on: sql)
        try await apply(deltas, on: sql)
    }

    /// The table as stored, without empty buckets, to compare with `recompute`.
    static func stored(on sql: any SQLDatabase) async throws -> [Key: Counters] {
        var out: [Key: Counters] = [:]
        for row in try await sql.select().column("*").from(table).all() {
            guard let grain = Grain(rawValue: try row.decode(column: "grain", as: Int.self)) else { continue }
            let key = Key(grain: grain, startDay: try row.decode(column: "start_day", as: Int.self),
                          agencyCode: try row.decode(column: "agency_code", as: String.self),
                          procedureCode: try row.decode(column: "procedure_code", as: String.self),
                          fieldCode: try row.decode(column: "field_code", as: String.self))
            let counters = try decodeCounters(row, prefix: "")
            if !counters.isZero { out[key] = counters }
        }
        return out
    }

    static func decodeCounters(_ row: any SQLRow, prefix: String) throws -> Counters {
        var c = Counters()
        for counter in Counter.allCases { c[counter] = try row.decode(column: prefix + counter.rawValue, as: Int64?.self) ?? 0 }
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
}
