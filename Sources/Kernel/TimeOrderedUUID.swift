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
        var b = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { b[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        b[6] = 0x70 | UInt8(truncatingIfNeeded: random >> 60)  // version 7
        b[7] = UInt8(truncatingIfNeeded: random >> 52)
        b[8] = 0x80 | (UInt8(truncatingIfNeeded: more >> 58) & 0x3F)  // variant 10
        for i in 9..<16 { b[i] = UInt8(truncatingIfNeeded: more >> (8 * (15 - i))) }
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
