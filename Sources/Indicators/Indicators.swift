import Fluent
import Kernel
import OneStop
import Vapor

/// Indicators (Chỉ số): live statistics of the one-stop, the QĐ 766 service index and their
/// pages and API. The statistics are read from aggregates that every dossier change maintains in
/// its own transaction (`StatisticsMaintainer`); decision 0012 explains the design.
public enum Indicators {
    /// After OneStop's: the first migration derives the facts of the dossiers already there.
    public static var migrations: [any Migration] { [CreateStatistics(), CreateSnapshots(), BucketsByKey()] }

    /// Keeps the statistics in step with the dossiers, and sets up what the pages share.
    public static func configure(_ app: Application) {
        app.dossierObservers.append(StatisticsMaintainer())
        app.storage[CatalogProcedure.CacheKey.self] = ShortLivedCache(seconds: 2)
        app.storage[Units.CacheKey.self] = ShortLivedCache(seconds: 2)
    }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: StatisticsPages())
        try api.register(collection: StatisticsAPI())
    }
}
