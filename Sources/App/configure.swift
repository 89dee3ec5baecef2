import Directory
import Fluent
import Foundation
import Identity
import Kernel
import Procedures
import SQLKit
import Vapor
import WebUI
import WorkCalendar
import Exchange
import Indicators
import NationalSim
import OneStop

/// Builds the application: database, migrations of every module, middleware, routes, commands.
/// Tests call this same function with their own configuration.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.storage[AppConfigKey.self] = config
    try DatabaseSetup.use(config.database, on: app)
    app.procedureDefinitions = ProcedureDefinitions()
    app.agencyLookup = AgencyLookup()
    app.passwords.use(.bcrypt(cost: config.bcryptCost))
    app.identityConfig = IdentityConfig(secureCookies: config.secureCookies)
    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    app.routes.defaultMaxBodySize = "1mb"
    app.lookupBaseURL = config.publicURL
    let attachmentStore = PackAttachmentStore(directory: config.dataDir)
    app.attachmentStore = attachmentStore
    app.lifecycle.use(attachmentStore)

    app.migrations.add(Directory.migrations + Identity.migrations + Procedures.migrations + WorkCalendar.migrations + OneStop.migrations
                       + Indicators.migrations + Exchange.migrations)
    Indicators.configure(app)
    try Exchange.configure(app, dataDirectory: config.dataDir, upstreamAuthorities: config.upstreamAuthorities)
    try MessagingSetup.use(config, on: app)
    app.nationalRegistry = LGSPNationalRegistry(app: app)
    app.nationalPortal = LGSPNationalPortal(app: app)

    app.middleware = .init()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    MetricsSetup.use(on: app, token: config.metricsToken)
    app.middleware.use(AppErrorMiddleware())
    try routes(app)
    Exchange.answerGatewayFirst(app)
    // Vapor's own request metrics go to swift-metrics, which nothing here reads (`/metrics` is MetricsMiddleware's).
    app.http.server.configuration.reportMetrics = false
    // A connection with nothing coming or going for longer than any exchange may wait for its
    // upstream is closed: a caller that stopped sending (after a 408, or with only the head sent)
    // no longer holds it for good.
    app.http.server.configuration.idleTimeout = ExchangeService.idleConnectionTimeout

    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(DemoCommands(), as: "demo")
    app.asyncCommands.use(ImportCommands(), as: "import")
    app.asyncCommands.use(StatisticsCommands(), as: "statistics")
    app.asyncCommands.use(ExchangeCommands(), as: "exchange")
    app.asyncCommands.use(SimulateCommands(), as: "simulate")
    app.asyncCommands.use(UserCommand(), as: "user")
    app.asyncCommands.use(CalendarCommand(), as: "calendar")
}

struct AppConfigKey: StorageKey { typealias Value = AppConfig }

extension Application {
    public var config: AppConfig {
        guard let config = storage[AppConfigKey.self] else { fatalError("configure(_:config:) was not called") }
        return config
    }
}

func routes(_ app: Application) throws {
    app.get("healthz") { _ in ["status": "ok"] }
    app.get("readyz") { req async throws -> Response in
        do {
            if let sql = req.db as? any SQLDatabase { try await sql.raw("SELECT 1").run() }
            return try await ["status": "ready"].encodeResponse(status: .ok, for: req)
        } catch {
            req.logger.warning("readiness check failed: \(String(reflecting: error))")
            return try await ["status": "database unreachable"].encodeResponse(status: .serviceUnavailable, for: req)
        }
    }
    app.get(SiteURL.stylesheet.route) { _ -> Response in
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
        return Response(status: .ok, headers: headers, body: .init(string: Stylesheet.css))
    }
    app.get("api", "openapi.json") { _ -> Response in
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: try OpenAPIDocument.data()))
    }

    let pages = app.grouped(Identity.pageMiddleware)
    let api = app.grouped("api", "v1").grouped(Identity.apiMiddleware)
    try Directory.routes(pages: pages, api: api)
    try Identity.routes(pages: pages, api: api)
    try Procedures.routes(pages: pages, api: api)
    try WorkCalendar.routes(pages: pages, api: api)
    try OneStop.routes(pages: pages, api: api)
    try Indicators.routes(pages: pages, api: api)
    try Exchange.routes(root: app, pages: pages, api: api)
    // The demo's national databases (registered as the LGSP's upstreams by `DemoProvince`).
    if app.config.seedDemo {
        let sim = app.grouped("mo-phong", "quoc-gia")
        try sim.register(collection: NationalSimulator())
        try sim.register(collection: NationalPortalSimulator())
    }
}

/// The published OpenAPI 3.1 description of `/api/v1`.
public enum OpenAPIDocument {
    public static func data() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "openapi", withExtension: "json")
        else { throw Abort(.internalServerError) }
        return try Data(contentsOf: url)
    }
}
