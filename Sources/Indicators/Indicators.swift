import Fluent
import OneStop
import Vapor

/// Indicators (Chỉ số): live statistics of the one-stop, the QĐ 766 service index and their
/// pages and API. The statistics are read from aggregates that every dossier change maintains in
/// its own transaction (`StatisticsMaintainer`); decision 0012 explains the design.
public enum Indicators {
    /// After OneStop's: the first migration derives the facts of the dossiers already there.
    public static var migrations: [any Migration] { [CreateStatistics(), CreateSnapshots()] }

    /// Installed by the composition root into `app.dossierObservers`.
    public static var observer: any DossierObserver { StatisticsMaintainer() }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: StatisticsPages())
        try api.register(collection: StatisticsAPI())
    }
}
