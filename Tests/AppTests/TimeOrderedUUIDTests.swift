import Foundation
import Kernel
import Testing

@Suite("Kernel: time-ordered UUIDs")
struct TimeOrderedUUIDTests {
    /// Version 7 and the RFC variant, the time in the first six bytes, later times sorting later
    /// (as bytes and as text), and no two alike.
    @Test func theyCarryTheirTimeAndSortByIt() {
        let at = Date(timeIntervalSince1970: 1_796_000_000.1235)
        let u = UUID.timeOrdered(at: at).uuid
        #expect(u.6 >> 4 == 7 && u.8 >> 6 == 0b10)
        let millis = [u.0, u.1, u.2, u.3, u.4, u.5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis == 1_796_000_000_123)
        // Two milliseconds apart, so that rounding cannot put two in the same one.
        let texts = (0..<1000).map { UUID.timeOrdered(at: at.addingTimeInterval(Double($0) * 0.002)).uuidString }
        #expect(zip(texts, texts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set((0..<1000).map { _ in UUID.timeOrdered(at: at) }).count == 1000)
    }
}
