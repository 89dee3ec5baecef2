import Foundation
import NIOConcurrencyHelpers

/// Values read from the database on a hot path (every submission) that change rarely and only by
/// an administrator: kept for a few seconds, forgotten at once when this process changes them.
/// Another process's change is seen within `lifetime`, as if the request had come that much
/// earlier. Uses the monotonic clock: a test clock or a wall-clock jump must not extend a lifetime.
///
/// When an entry has expired, one caller reads it again and the callers that come meanwhile wait
/// for its answer. Without that, every call in flight at the moment of expiry ran the same
/// queries: at 64 gateway connections, dozens of reads of one key every two seconds.
public final class ShortLivedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private enum Entry: Sendable {
        case ready(Value, expires: UInt64)
        /// One caller is reading the value. `forgotten`: this process changed it meanwhile, so
        /// what is being read may be older than the change and is not kept.
        case loading(waiters: [CheckedContinuation<Shared, Never>], forgotten: Bool)
    }
    /// What a waiting caller gets: the reader's value (nil: none exists), or word that the read
    /// failed, so the caller reads for itself.
    private enum Shared: Sendable { case value(Value?), failed }
    private enum Step { case hit(Value), wait, read }

    private let entries = NIOLockedValueBox<[Key: Entry]>([:])
    private let lifetime: UInt64

    public init(seconds: Double) { lifetime = UInt64(seconds * 1e9) }

    /// The cached value, or the one `load` reads (a nil result is not cached: a code that does not
    /// exist yet may be created a moment later).
    public func value(_ key: Key, load: () async throws -> Value?) async throws -> Value? {
        let now = DispatchTime.now().uptimeNanoseconds
        let step: Step = entries.withLockedValue {
            switch $0[key] {
            case .ready(let value, let expires) where expires > now: return .hit(value)
            case .loading: return .wait
            case .ready, nil:
                $0[key] = .loading(waiters: [], forgotten: false)
                return .read
            }
        }
        switch step {
        case .hit(let value):
            return value
        case .wait:
            if case .value(let value) = await waitForReader(key) { return value }
            return try await load()
        case .read:
            let value: Value?
            do { value = try await load() } catch {
                finishReading(key, .failed, keep: nil)
                throw error
            }
            finishReading(key, .value(value), keep: value.map { ($0, now + lifetime) })
            return value
        }
    }

    private func waitForReader(_ key: Key) async -> Shared {
        await withCheckedContinuation { continuation in
            let answer: Shared? = entries.withLockedValue {
                switch $0[key] {
                case .loading(var waiters, let forgotten):
                    waiters.append(continuation)
                    $0[key] = .loading(waiters: waiters, forgotten: forgotten)
                    return nil
                // The read ended between the first look and this one.
                case .ready(let value, _): return .value(value)
                case nil: return .failed
                }
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    private func finishReading(_ key: Key, _ answer: Shared, keep: (Value, expires: UInt64)?) {
        let waiters: [CheckedContinuation<Shared, Never>] = entries.withLockedValue {
            guard case .loading(let waiters, let forgotten) = $0[key] else { return [] }
            if let keep, !forgotten { $0[key] = .ready(keep.0, expires: keep.expires) } else { $0[key] = nil }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: answer) }
    }

    public func forget(_ key: Key) { entries.withLockedValue { Self.forget(key, in: &$0) } }

    public func forgetAll() {
        entries.withLockedValue { entries in
            for key in Array(entries.keys) { Self.forget(key, in: &entries) }
        }
    }

    /// A read in progress keeps its waiters (they are resumed when it ends) but is not kept.
    private static func forget(_ key: Key, in entries: inout [Key: Entry]) {
        switch entries[key] {
        case .loading(let waiters, _): entries[key] = .loading(waiters: waiters, forgotten: true)
        case .ready, nil: entries[key] = nil
        }
    }

    /// Callers waiting for the read of `key` in progress (for tests).
    package func waiting(for key: Key) -> Int {
        entries.withLockedValue { if case .loading(let waiters, _) = $0[key] { waiters.count } else { 0 } }
    }
}
