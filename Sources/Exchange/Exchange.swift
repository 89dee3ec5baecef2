import Fluent
import NIOSSL
import Vapor

/// Exchange (LGSP, nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh): the registry of information
/// systems and their services, the X-Road-style gateway and its hash-chained message log.
/// Decision 0014 explains the design.
public enum Exchange {
    public static var migrations: [any Migration] { [CreateRegistry(), CreateMessageLog(), CreateLogSeals(), AddCallLimits(), AddFederation(), CreateLogArchives(), AddUpstreamAuthorization(), IndexLogByClient(), IndexLogByMessageID(), AddLogQuery(), LogKeyedBySeq()] }

    /// Loads (or makes) the platform key in `dataDirectory`; `upstreamAuthorities` are trusted for
    /// `https` upstreams besides the system's roots.
    public static func configure(_ app: Application, dataDirectory: String, upstreamAuthorities: [NIOSSLCertificate] = []) throws {
        app.platformKey = try PlatformKey.load(directory: dataDirectory)
        app.messageLogHead = ChainHead()
        var tls = TLSConfiguration.makeClientConfiguration()
        if !upstreamAuthorities.isEmpty { tls.additionalTrustRoots = [.certificates(upstreamAuthorities)] }
        app.upstreamClient = UpstreamClient(tls: tls)
        app.lifecycle.use(UpstreamClient.Shutdown())
        app.metrics.describe("tinhso_exchange_calls_total", kind: "counter", help: "Exchanges through the LGSP gateway by service, client and outcome.",
                             labels: ["service", "client", "outcome"])
        app.metrics.describe("tinhso_exchange_duration_seconds", kind: "histogram", help: "Exchange duration through the gateway by service.",
                             labels: ["service"])
    }

    /// While the server runs (not in a one-off command): the message log is sealed every second.
    public static func sealWhileServing(_ app: Application) {
        app.lifecycle.use(LogSealer())
    }

    /// While the server runs: `/r1/…` also on a port of its own, served by `GatewayListener`.
    public static func listen(_ app: Application, host: String, port: Int) {
        app.lifecycle.use(GatewayListener(host: host, port: port))
    }

    /// The gateway sits at the root (`/r1/…`, as X-Road's), outside the session and API middleware:
    /// its callers are systems, authenticated by their keys.
    public static func routes(root: any RoutesBuilder, pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try root.register(collection: Gateway())
        try api.register(collection: RegistryAPI())
        try api.register(collection: TokenAPI())
        try pages.register(collection: RegistryPages())
        try pages.register(collection: MonitoringPage())
        try pages.register(collection: TrustPage())
    }
}
