import Foundation
import NIOSSL
import OneStop
import Vapor

/// Everything the operator can set, read from the environment and checked once at start.
/// Defaults give the embedded SQLite setup; `DATABASE_URL` switches to PostgreSQL.
public struct AppConfig: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var dataDir: String
    public var database: DatabaseChoice
    public var publicURL: String
    public var secureCookies: Bool
    public var bcryptCost: Int
    /// Seed the demo province into an empty database on first start.
    public var seedDemo: Bool
    public var host: String
    public var port: Int
    /// Where e-mail and SMS notifications go; nil writes them to the log.
    public var smtp: SMTPSender.Configuration?
    public var sms: HTTPSMSSender.Configuration?
    /// Days the LGSP message log keeps records in the database before archiving them to signed files; nil keeps them all.
    public var logRetentionDays: Int?
    /// Bearer token for `/metrics` from other machines; nil serves it to this machine only.
    public var metricsToken: String?
    /// Certificate authorities the gateway trusts for `https` upstreams besides the system's (`TINHSO_UPSTREAM_CA`).
    public var upstreamAuthorities: [NIOSSLCertificate]
    /// A port of its own for the LGSP gateway (`GatewayListener`, `TINHSO_GATEWAY_PORT`); nil serves `/r1/…` on the main port only.
    public var gatewayPort: Int?

    public init(dataDir: String, database: DatabaseChoice, publicURL: String, secureCookies: Bool, bcryptCost: Int,
                seedDemo: Bool, host: String, port: Int, smtp: SMTPSender.Configuration? = nil, sms: HTTPSMSSender.Configuration? = nil,
                logRetentionDays: Int? = nil, metricsToken: String? = nil, upstreamAuthorities: [NIOSSLCertificate] = [],
                gatewayPort: Int? = nil) {
        self.dataDir = dataDir; self.database = database; self.publicURL = publicURL; self.secureCookies = secureCookies
        self.bcryptCost = bcryptCost; self.seedDemo = seedDemo; self.host = host; self.port = port
        self.smtp = smtp; self.sms = sms; self.logRetentionDays = logRetentionDays
        self.metricsToken = metricsToken
        self.upstreamAuthorities = upstreamAuthorities
        self.gatewayPort = gatewayPort
    }

    /// A setting the operator got wrong, with a message that says how to fix it.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The settings as a table for the README and `--help`.
    public static let documentation: [(name: String, meaning: String)] = [
        ("TINHSO_DATA_DIR", "Data directory; the SQLite file is tinhso.sqlite in it (default ./data)"),
        ("DATABASE_URL", "postgres://user:password@host:port/database to use PostgreSQL instead of SQLite"),
        ("TINHSO_HOST / TINHSO_PORT", "Address to listen on (default 127.0.0.1 and 8080); `serve --hostname/--port` also work"),
        ("TINHSO_PUBLIC_URL", "The URL users reach the portal at (default http://HOST:PORT)"),
        ("TINHSO_SECURE_COOKIES", "true/false; default true when TINHSO_PUBLIC_URL is https"),
        ("TINHSO_BCRYPT_COST", "Password hashing cost 8–16 (default 12)"),
        ("TINHSO_DEMO", "true/false: seed the Phú Thọ demo province into an empty database (default true)"),
        ("TINHSO_SMTP_URL", "Send e-mail notifications: smtp://user:password@host:587 (STARTTLS, required by default), "
            + "smtp://host:25?starttls=false (a relay on this host), or smtps://user:password@host:465 (TLS from the start); "
            + "unset: notifications are only written to the log"),
        ("TINHSO_MAIL_FROM", "Sender of notification e-mails: noreply@example.gov.vn or Cổng dịch vụ công <noreply@example.gov.vn>; "
            + "required with TINHSO_SMTP_URL"),
        ("TINHSO_SMS_URL", "Send SMS notifications: the brandname gateway's https URL, which receives POST {\"to\", \"message\", \"brandname\"}; "
            + "unset: only written to the log"),
        ("TINHSO_SMS_TOKEN", "Bearer token for the SMS gateway; required with TINHSO_SMS_URL"),
        ("TINHSO_SMS_BRANDNAME", "Registered brandname the SMS are sent under; required with TINHSO_SMS_URL"),
        ("TINHSO_LOG_RETENTION_DAYS", "Days the LGSP message log keeps records in the database; older sealed records move to "
            + "signed files in DATA_DIR/archives (default: keep all)"),
        ("TINHSO_METRICS_TOKEN", "Bearer token for /metrics (Prometheus) from other machines; without it /metrics answers only this machine"),
        ("TINHSO_UPSTREAM_CA", "PEM file of certificate authorities the LGSP gateway trusts for https upstreams besides the system's "
            + "(a government CA that Debian does not carry)"),
        ("TINHSO_GATEWAY_PORT", "A port of its own for the LGSP gateway's /r1/… calls, on TINHSO_HOST, served by its own lighter HTTP server "
            + "(unset: /r1/… only on the main port, which serves it in every case)"),
    ]

    public static func load(from env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        func bool(_ name: String, default value: Bool) throws -> Bool {
            guard let raw = env[name]?.lowercased(), !raw.isEmpty else { return value }
            switch raw {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw Invalid(description: "\(name)=\(raw): expected true or false")
            }
        }
        func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let raw = env[name], !raw.isEmpty else { return value }
            guard let n = Int(raw), range.contains(n) else {
                throw Invalid(description: "\(name)=\(raw): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return n
        }

        let dataDir = env["TINHSO_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        let database: DatabaseChoice
        if let url = env["DATABASE_URL"], !url.isEmpty {
            guard let parsed = URLComponents(string: url), ["postgres", "postgresql"].contains(parsed.scheme ?? ""),
                  parsed.host?.isEmpty == false, parsed.user?.isEmpty == false
            else {
                throw Invalid(description: "DATABASE_URL: expected postgres://user[:password]@host[:port]/database")
            }
            database = .postgres(url: url)
        } else {
            database = .sqlite(path: (dataDir as NSString).appendingPathComponent("tinhso.sqlite"))
        }
        let host = env["TINHSO_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let port = try int("TINHSO_PORT", default: 8080, range: 1...65535)
        let gatewayPort = env["TINHSO_GATEWAY_PORT"].flatMap { $0.isEmpty ? nil : $0 } == nil ? nil : try int("TINHSO_GATEWAY_PORT", default: 0, range: 1...65535)
        if gatewayPort == port { throw Invalid(description: "TINHSO_GATEWAY_PORT=\(port): the main port (TINHSO_PORT) already listens there") }
        let publicURL = env["TINHSO_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://\(host):\(port)"
        guard let u = URLComponents(string: publicURL), ["http", "https"].contains(u.scheme ?? ""), u.host?.isEmpty == false else {
            throw Invalid(description: "TINHSO_PUBLIC_URL=\(publicURL): expected an http:// or https:// URL")
        }
        var upstreamAuthorities: [NIOSSLCertificate] = []
        if let path = env["TINHSO_UPSTREAM_CA"], !path.isEmpty {
            do { upstreamAuthorities = try NIOSSLCertificate.fromPEMFile(path) } catch {
                throw Invalid(description: "TINHSO_UPSTREAM_CA=\(path): expected a readable PEM file of certificates (\(error))")
            }
            if upstreamAuthorities.isEmpty { throw Invalid(description: "TINHSO_UPSTREAM_CA=\(path): the file holds no certificate") }
        }
        return AppConfig(
            dataDir: dataDir, database: database, publicURL: publicURL,
            secureCookies: try bool("TINHSO_SECURE_COOKIES", default: u.scheme == "https"),
            bcryptCost: try int("TINHSO_BCRYPT_COST", default: 12, range: 8...16),
            seedDemo: try bool("TINHSO_DEMO", default: true), host: host, port: port,
            smtp: try smtpSettings(env, heloName: u.host ?? "localhost"), sms: try smsSettings(env),
            logRetentionDays: env["TINHSO_LOG_RETENTION_DAYS"].flatMap { $0.isEmpty ? nil : $0 } == nil ? nil
                : try int("TINHSO_LOG_RETENTION_DAYS", default: 0, range: 1...36_500),
            metricsToken: env["TINHSO_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }, upstreamAuthorities: upstreamAuthorities,
            gatewayPort: gatewayPort)
    }
}
