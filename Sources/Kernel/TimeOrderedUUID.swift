import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562): the Unix time in milliseconds, then random bits. Keys made one
    /// after another land at the end of an index instead of all over it, so a batch of log records
    /// dirties a page or two of each index instead of one page a record (random UUIDs made the
    /// message log's commits write several times the pages).
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var rng = SystemRandomNumberGenerator()
        let random = rng.next() as UInt64, more = rng.next() as UInt64
        func byte(_ v: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: v >> shift) }
        return UUID(uuid: (byte(millis, 40), byte(millis, 32), byte(millis, 24), byte(millis, 16), byte(millis, 8), byte(millis, 0),
                           0x70 | (byte(random, 60) & 0x0F), byte(random, 52),  // version 7
                           0x80 | (byte(more, 56) & 0x3F), byte(more, 48),  // variant 10
                           byte(more, 40), byte(more, 32), byte(more, 24), byte(more, 16), byte(more, 8), byte(more, 0)))
    }
}
