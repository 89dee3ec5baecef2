import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Cầu dao: after `threshold` calls in a row to a service fail at the transport (no connection,
/// timeout), the gateway stops calling it for `openSeconds` and answers 503 at once, so that a
/// dead upstream does not hold every caller for its full timeout. When the time is up, calls go
/// through again; the first failure opens the breaker again, the first success closes it.
public final class CircuitBreakers: Sendable {
    struct State { var failures = 0; var openUntil: UInt64 = 0 }
    private let states = NIOLockedValueBox<[String: State]>([:])
    let threshold: Int
    let openNanoseconds: UInt64
    /// The monotonic clock, in nanoseconds (a test's own, to open and close without waiting).
    let uptime: @Sendable () -> UInt64

    public init(threshold: Int = 5, openSeconds: Double = 30, uptime: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.threshold = threshold
        openNanoseconds = UInt64(openSeconds * 1e9)
        self.uptime = uptime
    }

    /// Seconds until `service` may be called again, or nil when it may be now.
    func retryAfter(_ service: String) -> Int? {
        let now = uptime()
        return states.withLockedValue { s in
            guard let until = s[service]?.openUntil, until > now else { return nil }
            return max(1, Int((Double(until - now) / 1e9).rounded(.up)))
        }
    }

    func record(_ service: String, failed: Bool) {
        let now = uptime()
        states.withLockedValue { s in
            var state = s[service] ?? State()
            if failed {
                state.failures += 1
                if state.failures >= threshold { state.openUntil = now + openNanoseconds }
            } else {
                state = State()
            }
            s[service] = state
        }
    }
}

extension Application {
    private struct BreakersKey: StorageKey { typealias Value = CircuitBreakers }
    /// Replace before serving to change the threshold or the open time.
    public var circuitBreakers: CircuitBreakers {
        get {
            if let b = storage[BreakersKey.self] { return b }
            let b = CircuitBreakers()
            storage[BreakersKey.self] = b
            return b
        }
        set { storage[BreakersKey.self] = newValue }
    }
}
