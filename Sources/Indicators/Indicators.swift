import Fluent
import Kernel
import OneStop
import SQLKit
import Vapor

/// Indicators (Chỉ số): live statistics of the one-stop, the QĐ 766 service index and their
/// pages and API. The statistics are read from aggregates that every dossier change maintains in
/// its own transaction (`StatisticsMaintainer`); decision 0012 explains the design.
public enum Indicators {
    /// After OneStop's: the first migration derives the facts of the dossiers already there.
    public static var migrations: [any Migration] { [CreateStatistics(), CreateSnapshots(), BucketsByKey(), CreateStatisticsRuns()] }

    /// Keeps the statistics in step with the dossiers, and sets up what the pages share.
    public static func configure(_ app: Application) {
        app.dossierObservers.append(StatisticsMaintainer())
        app.storage[CatalogProcedure.CacheKey.self] = ShortLivedCache(seconds: 2)
        app.storage[Units.CacheKey.self] = ShortLivedCache(seconds: 2)
    }

    /// At the server's start: rebuilds the statistics if an import was cut off before it caught
    /// up (`StatisticsRun`).
    public static func repairAfterCutOffImports(_ app: Application) async throws {
        let repaired = try await app.groupCommit.transaction { db in
            guard let sql = db as? any SQLDatabase else { return false }
            return try await StatisticsRun.repairCutOff(on: sql, logger: app.logger)
        }
        // The daily index snapshots taken while the buckets lacked the run's dossiers.
        if repaired { try await IndexSnapshots.retake(app: app, now: app.clock.now()) }
    }

    /// Imports under way: a rebuild now would count what they hold back twice.
    public static func importsUnderWay(on sql: any SQLDatabase) async throws -> Int {
        try await StatisticsRun.marks(on: sql).underWay.count
    }

    /// After `tinhso statistics rebuild`: the marks of imports cut off are repaired too.
    public static func forgetCutOffImports(on sql: any SQLDatabase) async throws {
        try await StatisticsRun.forgetCutOff(on: sql)
    }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: StatisticsPages())
        try api.register(collection: StatisticsAPI())
    }
}
