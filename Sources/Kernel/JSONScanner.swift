/// A forward reader of one JSON text, for the hot paths where `JSONDecoder`'s generality costs
/// more than the work itself (the import of millions of historical dossiers): values are read
/// in place as the caller asks for them, with no intermediate tree and no `Codable` boxing.
/// Strict JSON (RFC 8259); member names are compared as bytes.
public struct JSONScanner {
    public enum Failure: Error, Equatable, Sendable {
        /// Not JSON at all, or cut short.
        case syntax
        /// A member holds a value of the wrong kind (a string where a number belongs).
        case type(path: String)
        /// A required member is absent.
        case missing(path: String)
        /// The value is of the right kind but not acceptable (a malformed date).
        case invalid(path: String, message: String)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0
    /// The member being read, for `Failure` paths (`TaiLieuNop[2].TenTepDinhKem`).
    public private(set) var path: [String] = []

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: Structure

    /// Calls `member` for each member of the object that starts here, with its name; `member`
    /// must read (or `skip()`) the value. Names are read as bytes (`JSONScanner.Name`).
    public mutating func object(_ member: (inout JSONScanner, Name) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") { at += 1; return }
        while true {
            let name = try nameBytes()
            try expect(UInt8(ascii: ":"))
            path.append(name.string)
            try member(&self, name)
            path.removeLast()
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: throw .syntax
            }
        }
    }

    /// Calls `element` for each element of the array that starts here (or for none when the value is `null`).
    public mutating func array(_ element: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        if try readNull() { return }
        guard try peek() == UInt8(ascii: "[") else { throw .type(path: pathText) }
        at += 1
        if try peek() == UInt8(ascii: "]") { at += 1; return }
        var n = 0
        let name = path.popLast() ?? ""
        defer { path.append(name) }
        while true {
            path.append("\(name)[\(n)]")
            try element(&self)
            path.removeLast()
            n += 1
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return
            default: throw .syntax
            }
        }
    }

    /// Ends the text: only white space may follow.
    public mutating func end() throws(Failure) {
        skipSpace()
        guard at == bytes.count else { throw .syntax }
    }

    // MARK: Values

    /// A string, or nil for `null`.
    public mutating func optionalString() throws(Failure) -> String? {
        if try readNull() { return nil }
        guard try peek() == UInt8(ascii: "\"") else { throw .type(path: pathText) }
        return try stringBody()
    }

    public mutating func string() throws(Failure) -> String {
        guard let s = try optionalString() else { throw .type(path: pathText) }
        return s
    }

    /// An integer, or nil for `null`. A number with a fraction or exponent is a type error.
    public mutating func optionalInt() throws(Failure) -> Int? {
        if try readNull() { return nil }
        var negative = false
        if try peek() == UInt8(ascii: "-") { negative = true; at += 1 }
        let start = at
        var value = 0
        while at < bytes.count, case let d = bytes[at] &- UInt8(ascii: "0"), d < 10 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(d))
            guard !o1, !o2 else { throw .type(path: pathText) }
            value = s
            at += 1
        }
        guard at > start else { throw .type(path: pathText) }
        if at < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[at]) { throw .type(path: pathText) }
        return negative ? -value : value
    }

    public mutating func int() throws(Failure) -> Int {
        guard let n = try optionalInt() else { throw .type(path: pathText) }
        return n
    }

    /// Skips the value that starts here, whatever it is.
    public mutating func skip() throws(Failure) {
        switch try peek() {
        case UInt8(ascii: "\""): _ = try stringBody()
        case UInt8(ascii: "{"): try object { s, _ throws(Failure) in try s.skip() }
        case UInt8(ascii: "["): try array { s throws(Failure) in try s.skip() }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            let start = at
            while at < bytes.count, Self.numberBytes[Int(bytes[at])] { at += 1 }
            guard at > start else { throw .syntax }
        }
    }

    /// The path of the member being read, as `JSONDecoder` names it.
    public var pathText: String { path.joined(separator: ".").replacingOccurrences(of: ".[", with: "[") }

    // MARK: Member names

    /// A member's name as it appears between the quotes (names with escapes never match).
    public struct Name {
        let bytes: UnsafeBufferPointer<UInt8>
        public static func == (name: Name, literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == name.bytes.count
                && memcmp(literal.utf8Start, name.bytes.baseAddress!, name.bytes.count) == 0
        }
        var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    // MARK: Bytes

    private mutating func nameBytes() throws(Failure) -> Name {
        try expect(UInt8(ascii: "\""))
        let start = at
        while at < bytes.count, bytes[at] != UInt8(ascii: "\"") {
            if bytes[at] == UInt8(ascii: "\\") { at += 1 }
            at += 1
        }
        guard at < bytes.count else { throw .syntax }
        let name = Name(bytes: UnsafeBufferPointer(rebasing: bytes[start..<at]))
        at += 1
        return name
    }

    /// The string starting at the opening quote; the common case (no escapes) is one copy.
    private mutating func stringBody() throws(Failure) -> String {
        at += 1
        let start = at
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
                at += 1
                return s
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard b >= 0x20 else { throw .syntax }
            at += 1
        }
        throw .syntax
    }

    private mutating func escapedString(from start: Int) throws(Failure) -> String {
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<at]))
        while at < bytes.count {
            let b = bytes[at]
            at += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard at < bytes.count else { throw .syntax }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { throw .syntax }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw .syntax }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .syntax }
                    out.append(contentsOf: UTF8.encode(u)!)
                default: throw .syntax
                }
            default:
                guard b >= 0x20 else { throw .syntax }
                out.append(b)
            }
        }
        throw .syntax
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard at + 4 <= bytes.count else { throw .syntax }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[at]
            at += 1
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw .syntax
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    private mutating func readNull() throws(Failure) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count, memcmp(word.utf8Start, bytes.baseAddress! + at, n) == 0 else { throw .syntax }
        at += n
    }

    private mutating func skipSpace() {
        while at < bytes.count, Self.space[Int(bytes[at])] { at += 1 }
    }

    /// The next byte that is not white space, not consumed.
    private mutating func peek() throws(Failure) -> UInt8 {
        skipSpace()
        guard at < bytes.count else { throw .syntax }
        return bytes[at]
    }

    private mutating func next() throws(Failure) -> UInt8 {
        let b = try peek()
        at += 1
        return b
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard try next() == byte else { throw .syntax }
    }

    private static let space: [Bool] = (0..<256).map { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
    private static let numberBytes: [Bool] = (0..<256).map { Array("-+.eE0123456789".utf8).contains(UInt8($0)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
