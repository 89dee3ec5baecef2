import Foundation
import NIOConcurrencyHelpers

/// Values read from the database on a hot path (every submission) that change rarely and only by
/// an administrator: kept for a few seconds, forgotten at once when this process changes them.
/// Another process's change is seen within `lifetime`, as if the request had come that much
/// earlier. Uses the monotonic clock: a test clock or a wall-clock jump must not extend a lifetime.
public final class ShortLivedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = NIOLockedValueBox<[Key: (value: Value, expires: UInt64)]>([:])
    private let lifetime: UInt64

    public init(seconds: Double) { lifetime = UInt64(seconds * 1e9) }

    /// The cached value, or the one `load` reads (a nil result is not cached: a code that does not
    /// exist yet may be created a moment later).
    public func value(_ key: Key, load: () async throws -> Value?) async rethrows -> Value? {
        let now = DispatchTime.now().uptimeNanoseconds
        if let hit = entries.withLockedValue({ $0[key] }), hit.expires > now { return hit.value }
        guard let value = try await load() else { return nil }
        entries.withLockedValue { $0[key] = (value, now + lifetime) }
        return value
    }

    public func forget(_ key: Key) { _ = entries.withLockedValue { $0.removeValue(forKey: key) } }

    public func forgetAll() { entries.withLockedValue { $0.removeAll() } }
}
