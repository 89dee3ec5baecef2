import Foundation
import Kernel
import NIOConcurrencyHelpers
import Testing

@Suite("Short-lived cache: one read of an expired entry, however many callers ask")
struct ShortLivedCacheTests {
    struct Failed: Error {}

    /// Starts a read of `key` that holds until `release` is called, and waits until it has begun.
    static func heldRead(_ cache: ShortLivedCache<String, Int>, _ key: String, value: Int, fails: Bool = false,
                         reads: NIOLockedValueBox<Int>) async -> (task: Task<Int?, any Error>, release: @Sendable () -> Void) {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let started = NIOLockedValueBox(false)
        let task = Task {
            try await cache.value(key) {
                reads.withLockedValue { $0 += 1 }
                started.withLockedValue { $0 = true }
                for await _ in gate { break }
                if fails { throw Failed() }
                return value
            }
        }
        while !started.withLockedValue({ $0 }) { try? await Task.sleep(for: .milliseconds(1)) }
        return (task, { open.yield(); open.finish() })
    }

    /// `n` callers of `key` that reach the cache while a read is in progress; returns once all wait.
    static func waiters(_ n: Int, _ cache: ShortLivedCache<String, Int>, _ key: String, value: Int,
                        reads: NIOLockedValueBox<Int>) async -> [Task<Int?, any Error>] {
        let tasks = (0..<n).map { _ in
            Task { try await cache.value(key) { reads.withLockedValue { $0 += 1 }; return value } }
        }
        let deadline = Date().addingTimeInterval(30)
        while cache.waiting(for: key) < n, Date() < deadline { try? await Task.sleep(for: .milliseconds(1)) }
        return tasks
    }

    @Test func callersDuringAReadGetItsValueAndItIsReadOnce() async throws {
        let cache = ShortLivedCache<String, Int>(seconds: 60)
        let reads = NIOLockedValueBox(0)
        let (first, release) = await Self.heldRead(cache, "k", value: 7, reads: reads)
        let others = await Self.waiters(10, cache, "k", value: 8, reads: reads)
        #expect(cache.waiting(for: "k") == 10)
        release()
        #expect(try await first.value == 7)
        for other in others { #expect(try await other.value == 7) }
        #expect(reads.withLockedValue { $0 } == 1)
        #expect(try await cache.value("k") { 9 } == 7)
    }

    @Test func whenTheReadFailsTheWaitersReadForThemselves() async throws {
        let cache = ShortLivedCache<String, Int>(seconds: 60)
        let reads = NIOLockedValueBox(0)
        let (first, release) = await Self.heldRead(cache, "k", value: 7, fails: true, reads: reads)
        let others = await Self.waiters(3, cache, "k", value: 8, reads: reads)
        #expect(cache.waiting(for: "k") == 3)
        release()
        await #expect(throws: Failed.self) { try await first.value }
        for other in others { #expect(try await other.value == 8) }
        #expect(reads.withLockedValue { $0 } == 4)
    }

    @Test func aValueForgottenDuringItsReadIsNotKept() async throws {
        let cache = ShortLivedCache<String, Int>(seconds: 60)
        let reads = NIOLockedValueBox(0)
        let (first, release) = await Self.heldRead(cache, "k", value: 7, reads: reads)
        let other = await Self.waiters(1, cache, "k", value: 8, reads: reads)[0]
        #expect(cache.waiting(for: "k") == 1)
        // This process changed the value while the old one was being read.
        cache.forgetAll()
        release()
        #expect(try await first.value == 7)
        #expect(try await other.value == 7)
        #expect(try await cache.value("k") { 9 } == 9)
    }
}
