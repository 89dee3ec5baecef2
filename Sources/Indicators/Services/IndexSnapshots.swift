import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor

/// The QĐ 766 index as it stood each day (year to date), for the province and every ranked unit,
/// so the trend is visible. Taken once a day by the background pass; when days are missing (a
/// new installation, a server that was down) they are filled from the aggregates, which know
/// every past day.
public enum IndexSnapshots {
    static let table = "indicator_snapshots"
    /// How far back a missing history is filled.
    static let backfillDays = 60

    public struct Point: Sendable, Decodable {
        public var day: Int
        public var total: Double
    }

    /// Takes today's snapshot (and any missing day of the last `backfillDays`); returns the days taken.
    @discardableResult
    public static func runOnce(app: Application, now: Date) async throws -> Int {
        guard let sql = app.db as? any SQLDatabase else { return 0 }
        let today = VietnamTime.dayNumber(now)
        struct Row: Decodable { var day: Int }
        let have = Set(try await sql.select().column("day").from(table).where("agency_code", .equal, "")
            .where("day", .greaterThan, today - backfillDays).all(decoding: Row.self).map(\.day))
        let missing = ((today - backfillDays + 1)...today).filter { !have.contains($0) }
        guard !missing.isEmpty else { return 0 }
        let units = try await Units.current(app, on: app.db)
        for day in missing {
            let year = VietnamTime.civil(day).year
            let period = Period(first: VietnamTime.dayNumber(year: year, month: 1, day: 1), last: day, label: "\(year)")
            let report = try await StatisticsService.serviceIndex(
                StatisticsRequest(period: period, filter: StatisticsFilter(), agency: nil, commune: nil, procedure: nil, field: nil), units: units, ranking: true, app: app, on: sql)
            let rows = [("", report.index.total)] + (report.ranking ?? []).map { ($0.0.code, $0.1.total) }
            try await app.groupCommit.transaction { db in
                guard let sql = db as? any SQLDatabase else { return }
                let insert = sql.insert(into: table).columns("day", "agency_code", "total")
                for (code, total) in rows { insert.values(SQLBind(day), SQLBind(code), SQLBind(total)) }
                // Another process took the same day first: keep its snapshot.
                try await insert.ignoringConflicts(with: ["day", "agency_code"]).run()
            }
        }
        return missing.count
    }

    /// After past days' figures changed (an import of old dossiers, a rebuild of the aggregates):
    /// the snapshots told days without those dossiers, so they are taken again from the aggregates.
    @discardableResult
    public static func retake(app: Application, now: Date) async throws -> Int {
        try await app.groupCommit.transaction { db in try await (db as? any SQLDatabase)?.delete(from: table).run() }
        return try await runOnce(app: app, now: now)
    }

    /// The unit's (or with `agency` nil the province's) daily totals in `days`, oldest first.
    public static func history(agency: String?, in days: ClosedRange<Int>, on sql: any SQLDatabase) async throws -> [Point] {
        try await sql.select().columns("day", "total").from(table).where("agency_code", .equal, agency ?? "")
            .where("day", .greaterThanOrEqual, days.lowerBound).where("day", .lessThanOrEqual, days.upperBound)
            .orderBy("day").all(decoding: Point.self)
    }

    /// The days of `period` a trend shows: its last 90 up to today.
    public static func trendDays(_ period: Period, today: Int) -> ClosedRange<Int> {
        let last = min(period.last, today)
        return max(period.first, last - 89)...max(period.first, last)
    }
}

struct CreateSnapshots: AsyncMigration {
    var name: String { "indicators.002.snapshots" }
    func prepare(on db: any Database) async throws {
        try await db.schema(IndexSnapshots.table)
            .field("day", .int, .required)
            .field("agency_code", .string, .required)
            .field("total", .double, .required)
            .unique(on: "day", "agency_code")
            .create()
    }
    func revert(on db: any Database) async throws { try await db.schema(IndexSnapshots.table).delete() }
}
