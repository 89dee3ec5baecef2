import Foundation
import OneStop
import Vapor

/// Puts the configured e-mail and SMS senders in place; a channel with no setting keeps
/// `LogSender`, so an installation without a mail server or SMS contract still runs.
enum MessagingSetup {
    static func use(_ config: AppConfig, on app: Application) throws {
        if let smtp = config.smtp {
            app.messageSenders[.email] = try SMTPSender(configuration: smtp, group: app.eventLoopGroup)
        }
        if let sms = config.sms {
            // The request carries the provider's token: a redirect must not take it to another host.
            app.http.client.configuration.redirectConfiguration = .disallow
            app.messageSenders[.sms] = HTTPSMSSender(configuration: sms, client: app.client)
        }
    }
}

extension AppConfig {
    /// `TINHSO_SMTP_URL` and `TINHSO_MAIL_FROM`. Messages never repeat the URL: it holds the password.
    static func smtpSettings(_ env: [String: String], heloName: String) throws -> SMTPSender.Configuration? {
        let from = nonEmpty(env["TINHSO_MAIL_FROM"])
        guard let raw = nonEmpty(env["TINHSO_SMTP_URL"]) else {
            if from != nil { throw Invalid(description: "TINHSO_MAIL_FROM is set but TINHSO_SMTP_URL is not: set both to send e-mail") }
            return nil
        }
        let shape = "expected smtp://[user:password@]host[:port][?starttls=false] or smtps://[user:password@]host[:port] "
            + "(percent-encode @ : / in the password)"
        guard let u = URLComponents(string: raw), let scheme = u.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme),
              let rawHost = u.host, !rawHost.isEmpty, u.path.isEmpty || u.path == "/"
        else { throw Invalid(description: "TINHSO_SMTP_URL: \(shape)") }
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))

        var security: SMTPSender.Configuration.Security = scheme == "smtps" ? .implicitTLS : .startTLS
        for item in u.queryItems ?? [] {
            guard item.name.lowercased() == "starttls" else {
                throw Invalid(description: "TINHSO_SMTP_URL: unknown option \(item.name); the only one is starttls=true|false")
            }
            guard scheme == "smtp" else {
                throw Invalid(description: "TINHSO_SMTP_URL: smtps:// is TLS from the start; starttls applies to smtp:// only")
            }
            switch item.value?.lowercased() {
            case "true", "1", "yes": security = .startTLS
            case "false", "0", "no": security = .none
            default: throw Invalid(description: "TINHSO_SMTP_URL: starttls must be true or false")
            }
        }

        var credentials: SMTPSender.Configuration.Credentials?
        if let user = u.user, !user.isEmpty {
            guard let password = u.password, !password.isEmpty else {
                throw Invalid(description: "TINHSO_SMTP_URL: a user name without a password; \(shape)")
            }
            credentials = .init(username: user, password: password)
        }
        if credentials != nil, security == .none, !isLoopback(host) {
            throw Invalid(description: "TINHSO_SMTP_URL: the password would cross the network in clear text; "
                + "use STARTTLS (leave out starttls=false) or smtps://")
        }

        guard let from else {
            throw Invalid(description: "TINHSO_MAIL_FROM is required with TINHSO_SMTP_URL: the sender address, e.g. noreply@dichvucong.example.gov.vn")
        }
        let (fromName, fromAddress) = splitMailbox(from)
        do {
            _ = try MailAddress.validated(fromAddress, role: "sender")
        } catch {
            throw Invalid(description: "TINHSO_MAIL_FROM=\(from): expected name@domain or Tên <name@domain> (plain ASCII address)")
        }
        return SMTPSender.Configuration(
            host: host, port: u.port ?? (scheme == "smtps" ? 465 : 587), security: security, credentials: credentials,
            from: fromAddress, fromName: fromName, heloName: heloName)
    }

    /// `TINHSO_SMS_URL`, `TINHSO_SMS_TOKEN`, `TINHSO_SMS_BRANDNAME`: all three or none.
    static func smsSettings(_ env: [String: String]) throws -> HTTPSMSSender.Configuration? {
        let token = nonEmpty(env["TINHSO_SMS_TOKEN"]), brandname = nonEmpty(env["TINHSO_SMS_BRANDNAME"])
        guard let url = nonEmpty(env["TINHSO_SMS_URL"]) else {
            if token != nil || brandname != nil {
                throw Invalid(description: "TINHSO_SMS_TOKEN or TINHSO_SMS_BRANDNAME is set but TINHSO_SMS_URL is not: set all three to send SMS")
            }
            return nil
        }
        guard let u = URLComponents(string: url), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = u.host, !host.isEmpty
        else { throw Invalid(description: "TINHSO_SMS_URL=\(url): expected the gateway's https:// URL") }
        if scheme == "http", !isLoopback(host) {
            throw Invalid(description: "TINHSO_SMS_URL=\(url): the token would cross the network in clear text; use https://")
        }
        guard let token else { throw Invalid(description: "TINHSO_SMS_TOKEN is required with TINHSO_SMS_URL") }
        guard let brandname else {
            throw Invalid(description: "TINHSO_SMS_BRANDNAME is required with TINHSO_SMS_URL: the sender name registered with the carriers")
        }
        return HTTPSMSSender.Configuration(url: url, token: token, brandname: brandname)
    }

    private static func nonEmpty(_ value: String?) -> String? {
        value.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }

    /// Clear text is acceptable only to a server on this machine.
    private static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// "Cổng dịch vụ công <noreply@x.gov.vn>" → ("Cổng dịch vụ công", "noreply@x.gov.vn").
    private static func splitMailbox(_ value: String) -> (name: String?, address: String) {
        let v = value.trimmingCharacters(in: .whitespaces)
        guard v.hasSuffix(">"), let open = v.lastIndex(of: "<") else { return (nil, v) }
        let name = v[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return (name.isEmpty ? nil : name, String(v[v.index(after: open)..<v.index(before: v.endIndex)]))
    }
}
