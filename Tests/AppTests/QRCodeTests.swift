import Foundation
import Testing
import WebUI

/// QR encoder (ISO/IEC 18004): structure read back from the matrix, reference matrices from an
/// independent encoder, capacity limits from the standard's table 7, and the SVG rendering.
@Suite("QR code")
struct QRCodeTests {
    static let levels: [QRCode.Correction] = [.low, .medium, .quartile, .high]

    // MARK: Finder, separator, timing, alignment, dark module

    @Test(arguments: [1, 2, 6, 7, 10])
    func finderAndTimingPatterns(version: Int) throws {
        // Smallest string at level L that needs `version` (table 7 capacity of the previous version + 1).
        let length = version == 1 ? 1 : Self.capacity[.low]![version - 2] + 1
        let qr = try QRCode(String(repeating: "a", count: length), correction: .low)
        #expect(qr.version == version)
        #expect(qr.size == 17 + 4 * version)
        let n = qr.size
        for (left, top) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            for dy in -1...7 {
                for dx in -1...7 {
                    let x = left + dx, y = top + dy
                    guard x >= 0, y >= 0, x < n, y < n else { continue }
                    let inFinder = (0...6).contains(dx) && (0...6).contains(dy)
                    let ring = dx == 0 || dx == 6 || dy == 0 || dy == 6
                    let core = (2...4).contains(dx) && (2...4).contains(dy)
                    #expect(qr.isDark(x: x, y: y) == (inFinder && (ring || core)), "finder at (\(left), \(top)): module (\(x), \(y))")
                }
            }
        }
        // No finder in the bottom-right corner: its 7 × 7 ring is not all dark.
        #expect(!(0..<7).allSatisfy { qr.isDark(x: n - 1 - $0, y: n - 1) && qr.isDark(x: n - 1, y: n - 1 - $0) })
        for i in 8...(n - 9) {
            #expect(qr.isDark(x: i, y: 6) == (i % 2 == 0), "horizontal timing at \(i)")
            #expect(qr.isDark(x: 6, y: i) == (i % 2 == 0), "vertical timing at \(i)")
        }
        #expect(qr.isDark(x: 8, y: n - 8), "dark module")
        #expect(!qr.isDark(x: -1, y: 0) && !qr.isDark(x: 0, y: n) && !qr.isDark(x: n, y: n))
    }

    /// Alignment pattern centres, ISO/IEC 18004 annex E.
    static let alignmentCentres: [Int: [Int]] = [
        2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34],
        7: [6, 22, 38], 8: [6, 24, 42], 9: [6, 26, 46], 10: [6, 28, 50],
    ]

    @Test(arguments: 2...10)
    func alignmentPatterns(version: Int) throws {
        let qr = try QRCode(String(repeating: "a", count: Self.capacity[.low]![version - 2] + 1), correction: .low)
        #expect(qr.version == version)
        let centres = Self.alignmentCentres[version]!
        for cy in centres {
            for cx in centres {
                let corner = (cx == 6 && cy == 6) || (cx == 6 && cy == centres.last!) || (cx == centres.last! && cy == 6)
                if corner { continue }
                for dy in -2...2 {
                    for dx in -2...2 {
                        #expect(qr.isDark(x: cx + dx, y: cy + dy) == (max(abs(dx), abs(dy)) != 1),
                                "alignment pattern at (\(cx), \(cy)), offset (\(dx), \(dy))")
                    }
                }
            }
        }
    }

    // MARK: Format and version information, read back from the matrix

    /// Remainder of `value` divided by `generator` as polynomials over GF(2).
    static func gf2Remainder(_ value: Int, _ generator: Int) -> Int {
        func degree(_ v: Int) -> Int { Int.bitWidth - 1 - v.leadingZeroBitCount }
        var r = value
        while r != 0 && degree(r) >= degree(generator) { r ^= generator << (degree(r) - degree(generator)) }
        return r
    }

    /// The two copies of the 15 format bits (bit 14 first), as placed by ISO/IEC 18004 figure 25.
    static func formatCopies(_ qr: QRCode) -> (Int, Int) {
        let n = qr.size
        var first = [(Int, Int)]()  // (x, y) of bit 0, 1, … 14
        for y in 0...5 { first.append((8, y)) }
        first += [(8, 7), (8, 8), (7, 8)]
        for x in stride(from: 5, through: 0, by: -1) { first.append((x, 8)) }
        var second = [(Int, Int)]()
        for i in 0...7 { second.append((n - 1 - i, 8)) }
        for i in 8...14 { second.append((8, n - 15 + i)) }
        func read(_ positions: [(Int, Int)]) -> Int {
            positions.enumerated().reduce(0) { acc, item in acc | ((qr.isDark(x: item.element.0, y: item.element.1) ? 1 : 0) << item.offset) }
        }
        return (read(first), read(second))
    }

    static let levelBits: [QRCode.Correction: Int] = [.low: 0b01, .medium: 0b00, .quartile: 0b11, .high: 0b10]

    @Test(arguments: [QRCode.Correction.low, .medium, .quartile, .high])
    func formatInformationDecodes(correction: QRCode.Correction) throws {
        var codes: [QRCode] = []
        for text in ["A", "HELLO WORLD", "https://dichvucong.phutho.gov.vn/tra-cuu?ma=H42.30-260310-0007"] {
            codes.append(try QRCode(text, correction: correction))
        }
        for mask in 0..<8 { codes.append(try QRCode("mask \(mask)", correction: correction, mask: mask)) }
        for qr in codes {
            let (first, second) = Self.formatCopies(qr)
            #expect(first == second, "both copies agree")
            let raw = first ^ 0x5412
            #expect(Self.gf2Remainder(raw, 0x537) == 0, "BCH(15,5) codeword is valid")
            #expect(raw >> 13 == Self.levelBits[correction], "error correction level")
            #expect((raw >> 10) & 0b111 == qr.mask, "mask pattern")
        }
    }

    @Test(arguments: [(110, 7), (130, 8), (160, 9), (200, 10)])
    func versionInformationDecodes(length: Int, version: Int) throws {
        let qr = try QRCode(String(repeating: "x", count: length), correction: .medium)
        #expect(qr.version == version)
        let n = qr.size
        var topRight = 0, bottomLeft = 0
        for i in 0..<18 {
            let a = n - 11 + i % 3, b = i / 3
            if qr.isDark(x: a, y: b) { topRight |= 1 << i }
            if qr.isDark(x: b, y: a) { bottomLeft |= 1 << i }
        }
        #expect(topRight == bottomLeft)
        #expect(Self.gf2Remainder(topRight, 0x1F25) == 0, "BCH(18,6) codeword is valid")
        #expect(topRight >> 12 == version)
    }

    // MARK: Capacity (ISO/IEC 18004 table 7, byte mode) and errors

    static let capacity: [QRCode.Correction: [Int]] = [
        .low: [17, 32, 53, 78, 106, 134, 154, 192, 230, 271],
        .medium: [14, 26, 42, 62, 84, 106, 122, 152, 180, 213],
        .quartile: [11, 20, 32, 46, 60, 74, 86, 108, 130, 151],
        .high: [7, 14, 24, 34, 44, 58, 64, 84, 98, 119],
    ]

    @Test(arguments: [QRCode.Correction.low, .medium, .quartile, .high])
    func smallestVersionThatFits(correction: QRCode.Correction) throws {
        for (index, bytes) in Self.capacity[correction]!.enumerated() {
            let version = index + 1
            #expect(try QRCode(String(repeating: "7", count: bytes), correction: correction).version == version)
            #expect(QRCode.byteCapacity(version: version, correction: correction) == bytes)
            if version < 10 {
                #expect(try QRCode(String(repeating: "7", count: bytes + 1), correction: correction).version == version + 1)
            }
        }
        // UTF-8 bytes count, not characters: "ồ" is 3 bytes, so 5 of them (15 bytes) overflow 1-M's 14.
        #expect(try QRCode(String(repeating: "ồ", count: 4), correction: .medium).version == 1)
        #expect(try QRCode(String(repeating: "ồ", count: 5), correction: .medium).version == 2)
    }

    @Test func tooLongThrows() throws {
        #expect(throws: QRCode.TooLong.self) { try QRCode(String(repeating: "a", count: 272), correction: .low) }
        #expect(throws: QRCode.TooLong.self) { try QRCode(String(repeating: "a", count: 120), correction: .high) }
        #expect(throws: QRCode.TooLong.self) { try QRCode(String(repeating: "ồ", count: 91), correction: .low) }
        do {
            _ = try QRCode(String(repeating: "a", count: 300), correction: .medium)
            Issue.record("300 bytes at level M must not fit")
        } catch let error as QRCode.TooLong {
            #expect(error.byteCount == 300)
            #expect(error.maximum == 213)
        }
        #expect(try QRCode(String(repeating: "a", count: 271), correction: .low).version == 10)
    }

    // MARK: Reference matrices

    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let correction: QRCode.Correction
        let version: Int
        let mask: Int
        let rows: [String]
        var testDescription: String { name }
    }

    /// Matrices produced by python-qrcode 8.2 with the same version, level, byte mode and mask;
    /// regenerate with scripts/make-qr-vectors.py.
    @Test(arguments: QRCodeTests.vectors)
    func matchesReferenceMatrix(_ vector: Vector) throws {
        let qr = try QRCode(vector.text, correction: vector.correction)
        #expect(qr.version == vector.version)
        #expect(qr.size == vector.rows.count)
        #expect(qr.mask == vector.mask, "mask chosen by the penalty rules")
        let forced = try QRCode(vector.text, correction: vector.correction, mask: vector.mask)
        var mismatches: [String] = []
        for (y, row) in vector.rows.enumerated() {
            for (x, bit) in row.enumerated() where forced.isDark(x: x, y: y) != (bit == "1") {
                mismatches.append("(\(x), \(y))")
            }
        }
        #expect(mismatches.isEmpty, "modules differing from the reference: \(mismatches.prefix(20).joined(separator: " "))")
    }

    // MARK: SVG

    @Test func svgPaintsExactlyTheDarkModules() throws {
        let qr = try QRCode("https://dichvucong.phutho.gov.vn/tra-cuu?ma=H42.30-260310-0007")
        let svg = qr.svg(moduleSize: 3, quietZone: 4, title: "Tra cứu hồ sơ \"H42\" <a> & b")
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("<title>Tra cứu hồ sơ &quot;H42&quot; &lt;a&gt; &amp; b</title>"))
        #expect(svg.contains("shape-rendering=\"crispEdges\""))
        #expect(svg.contains("fill=\"#fff\""))
        let side = qr.size + 8
        #expect(svg.contains("viewBox=\"0 0 \(side) \(side)\""))
        #expect(svg.contains("width=\"\(side * 3)\" height=\"\(side * 3)\""))
        #expect(!svg.contains("<script"))
        #expect(svg.components(separatedBy: "<path").count == 2, "exactly one path")

        // Rebuild the painted modules from the path data: "M x y h w v1 h-w z" per horizontal run.
        let afterD = try #require(svg.components(separatedBy: " d=\"").last)
        let d = try #require(afterD.components(separatedBy: "\"").first)
        var painted = Set<Int>()
        for run in d.split(separator: "z") {
            let numbers = run.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            try #require(numbers.count == 5 && run.hasPrefix("M") && numbers[3] == 1, "run \(run)")
            let (x, y, width) = (numbers[0] - 4, numbers[1] - 4, numbers[2])
            #expect(numbers[4] == width)
            for i in 0..<width { #expect(painted.insert(y * qr.size + x + i).inserted, "module painted twice") }
        }
        var dark = Set<Int>()
        for y in 0..<qr.size { for x in 0..<qr.size where qr.isDark(x: x, y: y) { dark.insert(y * qr.size + x) } }
        #expect(painted == dark)
    }

    @Test func encodingIsDeterministic() throws {
        let a = try QRCode("H42.30-260310-0007", correction: .quartile)
        let b = try QRCode("H42.30-260310-0007", correction: .quartile)
        #expect(a.svg(title: "x") == b.svg(title: "x"))
        #expect(a.correction == .quartile)
    }

    // MARK: Vectors (generated by scripts/make-qr-vectors.py)

    static let vectors: [Vector] = [
        Vector(
            name: "helloWorld", text: "HELLO WORLD",
            correction: .medium, version: 1, mask: 4,
            rows: [
                "111111101100101111111",
                "100000100001001000001",
                "101110100101001011101",
                "101110101001001011101",
                "101110101110101011101",
                "100000101001001000001",
                "111111101010101111111",
                "000000001001100000000",
                "100010111111011111001",
                "000100001011100001111",
                "001111110011011010010",
                "111110001100010000000",
                "111110101010101100110",
                "000000001010111101011",
                "111111101110101011010",
                "100000100101110110011",
                "101110101101011000110",
                "101110100100100011011",
                "101110100111000111000",
                "100000100001010000000",
                "111111101111111110101",
            ]),
        Vector(
            name: "dossierURL", text: "https://dichvucong.phutho.gov.vn/tra-cuu?ma=H42.30-260310-0007",
            correction: .medium, version: 4, mask: 2,
            rows: [
                "111111100011100000011011001111111",
                "100000100100100101000100101000001",
                "101110101001100010100101001011101",
                "101110101001010111111000101011101",
                "101110101001011000010110001011101",
                "100000101011111100000110001000001",
                "111111101010101010101010101111111",
                "000000001100100100010110000000000",
                "101111100111111111000011001111100",
                "000000010110001010011101001101111",
                "101011101001011110100110110010110",
                "000101000000001010100100110011111",
                "110000110010100011101001010011011",
                "110111011011100000010111111001111",
                "111101101100000100001000011010110",
                "011000010011011100101110111101100",
                "001001111110100101011010110111001",
                "100110010100110010111101001101101",
                "001011101100110111100000010110100",
                "110111011000110010011101110111101",
                "110010111110110111110000100111011",
                "101101000110011001010001011000101",
                "100110101010101110100010010000010",
                "100000000011000110100110000011101",
                "101001110001010001000011111110011",
                "000000001110011010110000100010101",
                "111111100011010100101011101010110",
                "100000101101111010011101100011101",
                "101110101001100001101000111111010",
                "101110101011011001010011110010111",
                "101110101101000101001010001101100",
                "100000100010010100010100011010100",
                "111111101111001101100011111100010",
            ]),
        Vector(
            name: "url100", text: "https://dichvucong.phutho.gov.vn/tra-cuu?ma=H42.30-260310-0007&lang=vi&nguon=bien-nhan&ky=ABCDEFGHIJ",
            correction: .low, version: 5, mask: 7,
            rows: [
                "1111111001001011100101111111101111111",
                "1000001010011111101011010111101000001",
                "1011101011111001011010011011001011101",
                "1011101001110010001010011010001011101",
                "1011101010000011111010111101101011101",
                "1000001011010011100100001101001000001",
                "1111111010101010101010101010101111111",
                "0000000011001011111111100000000000000",
                "1101001100100110101001110110001110110",
                "1100110011110010110011100110111101101",
                "1110101011100110010111101010010000101",
                "0110110100100101000001011110101011011",
                "0001011010001111110111111101111000001",
                "0111000100111110000111000000101100001",
                "0111001100101010100010111000111011001",
                "0110010100101110110101000110110011010",
                "1001101000111101010111000010111100101",
                "1100100010000110100001110010101010111",
                "0011011101101010010011101000000101011",
                "0110110111100011011011011010010110110",
                "0001001110101011100101110111101010001",
                "1001000001011100011011100100101000001",
                "1101111010000010000110001010111000011",
                "1110010111000110101001100100110110000",
                "1011011100111001110011111100111000011",
                "0101000100111000000101011010001101001",
                "1000001010011100000010110010101101101",
                "0111010010010111111011011110110000010",
                "1100101011111100010101010001111110100",
                "0000000010101110110010010101100011001",
                "1111111011000000010010000001101011011",
                "1000001000001001110001010011100010110",
                "1011101000111011101011111100111110001",
                "1011101011111100101001101010100011111",
                "1011101000101100000110000001100010011",
                "1000001010111100001111001101101100000",
                "1111111011101000110001111101101111011",
            ]),
        Vector(
            name: "url120", text: "https://dichvucong.phutho.gov.vn/tra-cuu?ma=H42.30-260310-0007&lang=vi&nguon=bien-nhan&ky=ABCDEFGHIJKLMNOPQRSTUVWXYZabcd",
            correction: .medium, version: 7, mask: 2,
            rows: [
                "111111100101110111000100000111110000101111111",
                "100000100110010101000011101010010001001000001",
                "101110101110110001100100110110010101001011101",
                "101110101110011001111010001100110001101011101",
                "101110101011000110111111110100100111101011101",
                "100000101110110111001000110101000100001000001",
                "111111101010101010101010101010101010101111111",
                "000000001100001000011000100011001000000000000",
                "101111100000101101011111100000010100001111100",
                "010101000011110110111010010110111000100011011",
                "001101110001100011100111101011011111111100010",
                "010101000100101010000100011000100000000100100",
                "011100110010111000100110010001110001010000001",
                "000111000101011100010100000001110101100011100",
                "011011100010111110111001111001111011101000010",
                "100110010011011010100001111110111001110111111",
                "101001100110000010110110110001010110011000000",
                "110110010011100101001011010001101001100111101",
                "100100110010101110111010101000010111011010100",
                "001101000100111001100100110011110011001111111",
                "011011111111110111111111111100110100111110110",
                "101010001001101100101000110010111000100011101",
                "111010101100100000111010110101011101101010110",
                "111010001111011011111000101111001110100011101",
                "000011111000101010101111100101110000111111010",
                "001011000101010011111110110011110001100001001",
                "001001101001100101101100011000010111110111010",
                "101010011100011101111001100000111011000101100",
                "100101100010110111000100101000000010101011001",
                "110011010010010111011011100101110001001001000",
                "001000101000010000001001111001100110000100110",
                "010110001110100100110111111111011011001101101",
                "110011110101101000001001101001010110011100000",
                "001100000011001010111110010001100001110001111",
                "000010101000010010101100001110001110110111100",
                "011110011010011100110111101010100011101001100",
                "100110100100010001111111100100010000111110100",
                "000000001100100011101000110110101001100011111",
                "111111100111101000011010110010011101101010110",
                "100000101110101000001000110110111101100011101",
                "101110101110010111001111110000010011111111011",
                "101110101101001011100000110111111000111111111",
                "101110101100110010000110011010010111110000110",
                "100000100011000100001011010000101011110001100",
                "111111101111010111010110101001010000011101010",
            ]),
    ]
}
