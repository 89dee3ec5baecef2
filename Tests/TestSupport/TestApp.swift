import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Kernel
import SQLKit
import Vapor
import VaporTesting

/// Which database the suites run on: PostgreSQL when `TINHSO_TEST_DATABASE_URL` is set
/// (the test script sets it for its second run), SQLite otherwise.
public enum TestDatabase {
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TINHSO_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
    public static var isPostgres: Bool { postgresURL != nil }
}

/// A clock the test sets.
public final class TestClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    public init(_ date: Date) { current = date }
    public func now() -> Date { lock.withLock { current } }
    public func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

/// Runs `body` against a fresh copy of a database that is migrated and holds the demo province.
/// The copy is made from a template built once per test process (a file copy on SQLite, a
/// `CREATE DATABASE … TEMPLATE` on PostgreSQL), so each test starts from the same state quickly.
public func withApp(_ body: (Application) async throws -> Void) async throws {
    let database = try await Templates.shared.freshDatabase()
    do {
        try await withShutdown(try await makeApp(database: database.choice), body)
    } catch {
        try? await database.drop()
        throw error
    }
    try await database.drop()
}

/// Runs `body` with a function that starts an app on one fresh database; shutting an app down and
/// starting another is a restart of the server on the same data.
/// An app the body left running (it threw before shutting it down) is shut down here.
public func withRestarts(_ body: (_ start: @Sendable () async throws -> Application) async throws -> Void) async throws {
    let database = try await Templates.shared.freshDatabase()
    let started = NIOLockedValueBox<[Application]>([])
    func shutDownLeftovers() async {
        for app in started.withLockedValue({ $0 }) where !app.didShutdown { try? await app.asyncShutdown() }
    }
    do {
        try await body {
            let app = try await makeApp(database: database.choice)
            started.withLockedValue { $0.append(app) }
            return app
        }
    } catch {
        await shutDownLeftovers()
        try? await database.drop()
        throw error
    }
    await shutDownLeftovers()
    try await database.drop()
}

/// The bearer token test apps serve `/metrics` with.
public let testMetricsToken = "tests-metrics-token"

func testConfig(_ database: AppConfig.DatabaseChoice) -> AppConfig {
    AppConfig(dataDir: NSTemporaryDirectory(), database: database, publicURL: "http://127.0.0.1:8080", secureCookies: false,
              bcryptCost: 8, seedDemo: false, host: "127.0.0.1", port: 0, metricsToken: testMetricsToken)
}

func makeApp(database: AppConfig.DatabaseChoice) async throws -> Application {
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    try await configure(app, config: testConfig(database))
    // Hashing cost is not what these tests are about; plaintext keeps them fast.
    app.passwords.use(.plaintext)
    app.clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000))  // 2026-11-18
    return app
}

/// Runs `body`, then shuts the app down whether or not it threw.
func withShutdown(_ app: Application, _ body: (Application) async throws -> Void) async throws {
    do {
        try await body(app)
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

struct FreshDatabase: Sendable {
    var choice: AppConfig.DatabaseChoice
    var drop: @Sendable () async throws -> Void
}

actor Templates {
    static let shared = Templates()
    // Tasks, not values: the actor is re-entered while a template is being built, and every
    // caller must wait for the one build.
    private var sqliteTemplate: Task<String, any Error>?
    private var postgresTemplate: Task<Void, any Error>?

    func freshDatabase() async throws -> FreshDatabase {
        if let url = TestDatabase.postgresURL {
            if postgresTemplate == nil { postgresTemplate = Task { try await Self.buildPostgresTemplate(url) } }
            try await postgresTemplate!.value
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try await Postgres.admin(url) { sql in
                try await sql.raw("CREATE DATABASE \(unsafeRaw: name) TEMPLATE tinhso_template").run()
            }
            return FreshDatabase(choice: .postgres(url: Postgres.url(url, database: String(name)))) {
                try await Postgres.admin(url) { sql in try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
            }
        }
        if sqliteTemplate == nil { sqliteTemplate = Task { try await Self.buildSQLiteTemplate() } }
        let template = try await sqliteTemplate!.value
        let path = NSTemporaryDirectory() + "tinhso-test-\(UUID().uuidString).sqlite"
        try FileManager.default.copyItem(atPath: template, toPath: path)
        return FreshDatabase(choice: .sqlite(path: path)) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    private static func buildSQLiteTemplate() async throws -> String {
        let path = NSTemporaryDirectory() + "tinhso-template-\(getpid())-\(UUID().uuidString.prefix(8)).sqlite"
        // Closing the last connection (at shutdown) checkpoints the WAL into the file.
        try await withShutdown(try await makeApp(database: .sqlite(path: path)), seed)
        return path
    }

    private static func buildPostgresTemplate(_ url: String) async throws {
        try await Postgres.admin(url) { sql in
            try await sql.raw("DROP DATABASE IF EXISTS tinhso_template WITH (FORCE)").run()
            try await sql.raw("CREATE DATABASE tinhso_template").run()
        }
        try await withShutdown(try await makeApp(database: .postgres(url: Postgres.url(url, database: "tinhso_template"))), seed)
    }

    private static func seed(_ app: Application) async throws {
        try await Startup.migrate(app)
        try await DemoProvince.seed(on: app)
    }
}

enum Postgres {
    /// The same server and credentials, another database.
    static func url(_ base: String, database: String) -> String {
        var c = URLComponents(string: base)!
        c.path = "/" + database
        return c.string!
    }

    /// Runs maintenance SQL on the server's `postgres` database.
    static func admin(_ base: String, _ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        try await withShutdown(app) { app in
            try await configure(app, config: testConfig(.postgres(url: url(base, database: "postgres"))))
            guard let sql = app.db as? any SQLDatabase else { throw Abort(.internalServerError) }
            try await body(sql)
        }
    }
}
