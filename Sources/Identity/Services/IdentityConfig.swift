import Vapor

/// Settings of the identity module, filled from the app configuration.
public struct IdentityConfig: Sendable {
    /// Mark cookies `Secure` (HTTPS only). Off only for plain-HTTP local use.
    public var secureCookies: Bool
    /// How long a session lives without activity, and at most.
    public var idleTimeout: TimeInterval
    public var absoluteTimeout: TimeInterval
    /// Failed sign-ins allowed per login (and 4× that per IP address) within the window.
    public var maxFailures: Int
    public var throttleWindow: TimeInterval

    public init(secureCookies: Bool, idleTimeout: TimeInterval = 2 * 3600, absoluteTimeout: TimeInterval = 12 * 3600,
                maxFailures: Int = 5, throttleWindow: TimeInterval = 15 * 60) {
        self.secureCookies = secureCookies
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.maxFailures = maxFailures
        self.throttleWindow = throttleWindow
    }

    static let sessionCookie = "tinhso_session"
    static let csrfCookie = "tinhso_csrf"
}

extension Application {
    private struct Key: StorageKey { typealias Value = IdentityConfig }
    public var identityConfig: IdentityConfig {
        get { storage[Key.self] ?? IdentityConfig(secureCookies: false) }
        set { storage[Key.self] = newValue }
    }
}
