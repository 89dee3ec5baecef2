import Foundation

/// A QR code symbol (ISO/IEC 18004), written from the standard without third-party code.
///
/// Scope: byte mode (the text's UTF-8 bytes, no ECI header), versions 1–10, all four error
/// correction levels. That covers the receipt slip's lookup URLs (up to 271 bytes at level L,
/// 213 at M). Rendering is a static SVG with one `<path>` for the dark modules.
public struct QRCode: Sendable {
    /// Error correction level: roughly 7 %, 15 %, 25 % and 30 % of the codewords can be restored.
    public enum Correction: Sendable, CaseIterable {
        case low, medium, quartile, high

        /// Row in `QRCode.blockTable`.
        var tableIndex: Int {
            switch self {
            case .low: 0
            case .medium: 1
            case .quartile: 2
            case .high: 3
            }
        }

        /// The two-bit indicator carried in the format information (ISO/IEC 18004 table 12).
        var formatBits: Int {
            switch self {
            case .low: 0b01
            case .medium: 0b00
            case .quartile: 0b11
            case .high: 0b10
            }
        }
    }

    /// The text does not fit in a version 10 symbol at the requested level.
    public struct TooLong: Error, Sendable, CustomStringConvertible {
        /// UTF-8 length of the text.
        public let byteCount: Int
        /// Most bytes a version 10 symbol holds at that level.
        public let maximum: Int
        public var description: String {
            "QR code: \(byteCount) bytes exceed the version 10 capacity of \(maximum) bytes"
        }
    }

    /// Modules per side, without the quiet zone: 17 + 4 × version.
    public let size: Int
    /// Symbol version, 1–10.
    public let version: Int
    public let correction: Correction
    /// The data mask pattern in use, 0–7.
    public let mask: Int
    /// Row-major, `true` = dark.
    private let modules: [Bool]

    /// Encodes `text` in byte mode in the smallest version (1–10) that holds it.
    /// - Parameter mask: `nil` (the normal case) picks the pattern with the lowest penalty score;
    ///   a value 0–7 forces that pattern (for comparison with other encoders).
    public init(_ text: String, correction: Correction = .medium, mask: Int? = nil) throws {
        let bytes = Array(text.utf8)
        guard let version = Self.smallestVersion(byteCount: bytes.count, correction: correction) else {
            throw TooLong(byteCount: bytes.count, maximum: Self.byteCapacity(version: 10, correction: correction))
        }
        precondition(mask.map { (0...7).contains($0) } ?? true, "QR mask pattern must be 0–7")
        let data = Self.dataCodewords(bytes, version: version, correction: correction)
        let codewords = Self.interleaved(data, version: version, correction: correction)

        var matrix = Matrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.place(codewords)

        let chosen: Int
        if let mask {
            chosen = mask
        } else {
            var best = (mask: 0, penalty: Int.max)
            for candidate in 0..<8 {
                var trial = matrix
                trial.apply(mask: candidate)
                trial.drawFormat(correction: correction, mask: candidate)
                let score = trial.penalty()
                if score < best.penalty { best = (candidate, score) }
            }
            chosen = best.mask
        }
        matrix.apply(mask: chosen)
        matrix.drawFormat(correction: correction, mask: chosen)

        self.size = matrix.size
        self.version = version
        self.correction = correction
        self.mask = chosen
        self.modules = matrix.dark
    }

    /// Whether the module at column `x`, row `y` is dark. Outside the symbol (the quiet zone) is light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// One `<svg>` element: white background and one path of dark modules, horizontal runs merged.
    /// The viewBox is in modules; `width`/`height` are `moduleSize` px per module.
    public func svg(moduleSize: Int = 4, quietZone: Int = 4, title: String) -> String {
        let quiet = max(0, quietZone)
        let side = size + 2 * quiet
        let pixels = side * max(1, moduleSize)
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else { x += 1; continue }
                let start = x
                while x < size, isDark(x: x, y: y) { x += 1 }
                path += "M\(start + quiet) \(y + quiet)h\(x - start)v1h-\(x - start)z"
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(pixels)\" height=\"\(pixels)\" "
            + "viewBox=\"0 0 \(side) \(side)\"><title>\(Self.escape(title))</title>"
            + "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/>"
            + "<path fill=\"#000\" shape-rendering=\"crispEdges\" d=\"\(path)\"/></svg>"
    }

    /// Most UTF-8 bytes that fit in `version` at `correction` (byte mode).
    public static func byteCapacity(version: Int, correction: Correction) -> Int {
        let bits = blocks(version: version, correction: correction).dataCodewords * 8
        return (bits - 4 - countBits(version: version)) / 8
    }

    // MARK: - Escaping

    private static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab and newlines are not allowed in XML.
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0x7F { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    // MARK: - Capacity tables (ISO/IEC 18004 table 9)

    /// Error correction block structure of one version and level.
    struct Blocks: Sendable {
        let ecPerBlock: Int
        let group1Count: Int
        let group1Data: Int
        let group2Count: Int
        let group2Data: Int

        init(_ ec: Int, _ count1: Int, _ data1: Int, _ count2: Int = 0, _ data2: Int = 0) {
            ecPerBlock = ec; group1Count = count1; group1Data = data1; group2Count = count2; group2Data = data2
        }

        var dataCodewords: Int { group1Count * group1Data + group2Count * group2Data }
        /// Data length of each block, in order.
        var dataLengths: [Int] {
            Array(repeating: group1Data, count: group1Count) + Array(repeating: group2Data, count: group2Count)
        }
    }

    /// `blockTable[version - 1][level]`, levels in the order L, M, Q, H.
    static let blockTable: [[Blocks]] = [
        [Blocks(7, 1, 19), Blocks(10, 1, 16), Blocks(13, 1, 13), Blocks(17, 1, 9)],
        [Blocks(10, 1, 34), Blocks(16, 1, 28), Blocks(22, 1, 22), Blocks(28, 1, 16)],
        [Blocks(15, 1, 55), Blocks(26, 1, 44), Blocks(18, 2, 17), Blocks(22, 2, 13)],
        [Blocks(20, 1, 80), Blocks(18, 2, 32), Blocks(26, 2, 24), Blocks(16, 4, 9)],
        [Blocks(26, 1, 108), Blocks(24, 2, 43), Blocks(18, 2, 15, 2, 16), Blocks(22, 2, 11, 2, 12)],
        [Blocks(18, 2, 68), Blocks(16, 4, 27), Blocks(24, 4, 19), Blocks(28, 4, 15)],
        [Blocks(20, 2, 78), Blocks(18, 4, 31), Blocks(18, 2, 14, 4, 15), Blocks(26, 4, 13, 1, 14)],
        [Blocks(24, 2, 97), Blocks(22, 2, 38, 2, 39), Blocks(22, 4, 18, 2, 19), Blocks(26, 4, 14, 2, 15)],
        [Blocks(30, 2, 116), Blocks(22, 3, 36, 2, 37), Blocks(20, 4, 16, 4, 17), Blocks(24, 4, 12, 4, 13)],
        [Blocks(18, 2, 68, 2, 69), Blocks(26, 4, 43, 1, 44), Blocks(24, 6, 19, 2, 20), Blocks(28, 6, 15, 2, 16)],
    ]

    /// Centre coordinates of the alignment patterns (ISO/IEC 18004 annex E), versions 1–10.
    static let alignmentCentres: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    static func blocks(version: Int, correction: Correction) -> Blocks {
        blockTable[version - 1][correction.tableIndex]
    }

    /// Length of the byte-mode character count field.
    static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    static func smallestVersion(byteCount: Int, correction: Correction) -> Int? {
        (1...10).first { byteCount <= byteCapacity(version: $0, correction: correction) }
    }

    // MARK: - Data encoding

    /// Mode indicator, count, data, terminator, bit padding and pad codewords.
    static func dataCodewords(_ bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let capacity = blocks(version: version, correction: correction).dataCodewords
        var bits = BitWriter()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: countBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        bits.append(0, count: min(4, capacity * 8 - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var out = bits.bytes
        var pad: UInt8 = 0xEC
        while out.count < capacity {
            out.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return out
    }

    struct BitWriter {
        private(set) var bits: [Bool] = []
        var count: Int { bits.count }

        mutating func append(_ value: Int, count: Int) {
            guard count > 0 else { return }
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }

        var bytes: [UInt8] {
            stride(from: 0, to: bits.count, by: 8).map { start in
                var byte: UInt8 = 0
                for i in 0..<8 { byte = byte << 1 | ((start + i < bits.count && bits[start + i]) ? 1 : 0) }
                return byte
            }
        }
    }

    /// Splits the data into blocks, appends each block's error correction codewords and interleaves.
    static func interleaved(_ data: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let spec = blocks(version: version, correction: correction)
        let generator = ReedSolomon.generator(degree: spec.ecPerBlock)
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for length in spec.dataLengths {
            dataBlocks.append(Array(data[offset..<offset + length]))
            offset += length
        }
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, generator: generator) }
        var out: [UInt8] = []
        out.reserveCapacity(data.count + ecBlocks.count * spec.ecPerBlock)
        for i in 0..<(dataBlocks.map(\.count).max() ?? 0) {
            for block in dataBlocks where i < block.count { out.append(block[i]) }
        }
        for i in 0..<spec.ecPerBlock {
            for block in ecBlocks { out.append(block[i]) }
        }
        return out
    }

    // MARK: - Reed–Solomon over GF(256), primitive polynomial x⁸+x⁴+x³+x²+1 (0x11D)

    enum ReedSolomon {
        /// αⁱ for i in 0..<255.
        static let exp: [UInt8] = {
            var table = [UInt8](repeating: 0, count: 255)
            var value = 1
            for i in 0..<255 {
                table[i] = UInt8(value)
                value <<= 1
                if value & 0x100 != 0 { value ^= 0x11D }
            }
            return table
        }()

        /// log_α(v) for v in 1...255 (index 0 unused).
        static let log: [Int] = {
            var table = [Int](repeating: 0, count: 256)
            for (i, v) in exp.enumerated() { table[Int(v)] = i }
            return table
        }()

        static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
            if a == 0 || b == 0 { return 0 }
            return exp[(log[Int(a)] + log[Int(b)]) % 255]
        }

        /// ∏ (x − αⁱ) for i in 0..<degree, coefficients from the highest power; the leading 1 included.
        static func generator(degree: Int) -> [UInt8] {
            var poly: [UInt8] = [1]
            for i in 0..<degree {
                var next = [UInt8](repeating: 0, count: poly.count + 1)
                for (j, c) in poly.enumerated() {
                    next[j] ^= c
                    next[j + 1] ^= multiply(c, exp[i])
                }
                poly = next
            }
            return poly
        }

        /// data(x) · x^degree mod generator(x): the error correction codewords.
        static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
            let degree = generator.count - 1
            var rem = [UInt8](repeating: 0, count: degree)
            for byte in data {
                let factor = byte ^ rem[0]
                rem.removeFirst()
                rem.append(0)
                for j in 0..<degree { rem[j] ^= multiply(generator[j + 1], factor) }
            }
            return rem
        }
    }

    // MARK: - BCH codes for format and version information

    /// 15-bit format information: 2 bits level, 3 bits mask, BCH(15,5) remainder, XOR 0x5412.
    static func formatInformation(correction: Correction, mask: Int) -> Int {
        let data = correction.formatBits << 3 | mask
        return (data << 10 | bchRemainder(data << 10, generator: 0x537)) ^ 0x5412
    }

    /// 18-bit version information: 6 bits version, BCH(18,6) remainder.
    static func versionInformation(version: Int) -> Int {
        version << 12 | bchRemainder(version << 12, generator: 0x1F25)
    }

    /// Remainder of the polynomial `value` divided by `generator` over GF(2).
    static func bchRemainder(_ value: Int, generator: Int) -> Int {
        let degree = Int.bitWidth - generator.leadingZeroBitCount - 1
        var rem = value
        while rem != 0, Int.bitWidth - rem.leadingZeroBitCount - 1 >= degree {
            rem ^= generator << (Int.bitWidth - rem.leadingZeroBitCount - 1 - degree)
        }
        return rem
    }

    // MARK: - Matrix

    struct Matrix {
        let version: Int
        let size: Int
        var dark: [Bool]
        /// Function patterns and reserved areas: not data, not masked.
        var reserved: [Bool]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            dark = Array(repeating: false, count: size * size)
            reserved = Array(repeating: false, count: size * size)
        }

        mutating func setFunction(_ x: Int, _ y: Int, _ isDark: Bool) {
            dark[y * size + x] = isDark
            reserved[y * size + x] = true
        }

        mutating func drawFunctionPatterns() {
            // Timing patterns first; finders and alignment patterns overwrite their ends.
            for i in 0..<size {
                setFunction(6, i, i % 2 == 0)
                setFunction(i, 6, i % 2 == 0)
            }
            drawFinder(left: 0, top: 0)
            drawFinder(left: size - 7, top: 0)
            drawFinder(left: 0, top: size - 7)

            let centres = QRCode.alignmentCentres[version - 1]
            let last = centres.count - 1
            for (i, cy) in centres.enumerated() {
                for (j, cx) in centres.enumerated() {
                    // Skip the three corners occupied by finder patterns.
                    if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                    for dy in -2...2 {
                        for dx in -2...2 {
                            setFunction(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)
                        }
                    }
                }
            }

            // Reserve the format information areas (drawn after masking) and the dark module.
            drawFormat(bits: 0)

            if version >= 7 {
                let info = QRCode.versionInformation(version: version)
                for i in 0..<18 {
                    let bit = (info >> i) & 1 == 1
                    let a = size - 11 + i % 3
                    let b = i / 3
                    setFunction(a, b, bit)  // top right, 6 × 3 block
                    setFunction(b, a, bit)  // bottom left, 3 × 6 block
                }
            }
        }

        /// 7 × 7 finder with its light separator, clipped to the symbol.
        mutating func drawFinder(left: Int, top: Int) {
            for dy in -1...7 {
                for dx in -1...7 {
                    let x = left + dx, y = top + dy
                    guard x >= 0, y >= 0, x < size, y < size else { continue }
                    let inside = (0...6).contains(dx) && (0...6).contains(dy)
                    let ring = dx == 0 || dx == 6 || dy == 0 || dy == 6
                    let core = (2...4).contains(dx) && (2...4).contains(dy)
                    setFunction(x, y, inside && (ring || core))
                }
            }
        }

        mutating func drawFormat(correction: Correction, mask: Int) {
            drawFormat(bits: QRCode.formatInformation(correction: correction, mask: mask))
        }

        /// Both copies of the 15 format bits (bit 14 most significant), and the dark module.
        mutating func drawFormat(bits: Int) {
            func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
            // Around the top-left finder: bits 0–7 down column 8, bits 8–14 leftwards along row 8.
            for i in 0...5 { setFunction(8, i, bit(i)) }
            setFunction(8, 7, bit(6))
            setFunction(8, 8, bit(7))
            setFunction(7, 8, bit(8))
            for i in 9...14 { setFunction(14 - i, 8, bit(i)) }
            // Split copy: bits 0–7 along row 8 from the right edge, bits 8–14 up column 8 at the bottom.
            for i in 0...7 { setFunction(size - 1 - i, 8, bit(i)) }
            for i in 8...14 { setFunction(8, size - 15 + i, bit(i)) }
            setFunction(8, size - 8, true)
        }

        /// Places the codeword bits (most significant first) in the two-column zigzag from the
        /// bottom-right corner, skipping the vertical timing column. Remainder bits stay light.
        mutating func place(_ codewords: [UInt8]) {
            let total = codewords.count * 8
            var index = 0
            var right = size - 1
            var upward = true
            while right >= 1 {
                if right == 6 { right = 5 }
                for step in 0..<size {
                    let y = upward ? size - 1 - step : step
                    for x in [right, right - 1] where !reserved[y * size + x] {
                        if index < total {
                            dark[y * size + x] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                        }
                        index += 1
                    }
                }
                upward.toggle()
                right -= 2
            }
        }

        /// Whether mask pattern `mask` inverts the module at row `i`, column `j` (ISO/IEC 18004 table 10).
        static func masks(_ mask: Int, i: Int, j: Int) -> Bool {
            switch mask {
            case 0: (i + j) % 2 == 0
            case 1: i % 2 == 0
            case 2: j % 3 == 0
            case 3: (i + j) % 3 == 0
            case 4: (i / 2 + j / 3) % 2 == 0
            case 5: (i * j) % 2 + (i * j) % 3 == 0
            case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
            default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
            }
        }

        mutating func apply(mask: Int) {
            for y in 0..<size {
                for x in 0..<size where !reserved[y * size + x] && Self.masks(mask, i: y, j: x) {
                    dark[y * size + x].toggle()
                }
            }
        }

        // MARK: Penalty (ISO/IEC 18004 7.8.3)

        func penalty() -> Int {
            var score = 0
            for y in 0..<size {
                score += Self.linePenalty((0..<size).map { dark[y * size + $0] })
            }
            for x in 0..<size {
                score += Self.linePenalty((0..<size).map { dark[$0 * size + x] })
            }
            // N2: each 2 × 2 block of one colour.
            for y in 0..<(size - 1) {
                for x in 0..<(size - 1) {
                    let c = dark[y * size + x]
                    if dark[y * size + x + 1] == c && dark[(y + 1) * size + x] == c && dark[(y + 1) * size + x + 1] == c {
                        score += 3
                    }
                }
            }
            // N4: 10 points per full 5 % the dark proportion deviates from 50 %.
            let darkCount = dark.reduce(0) { $0 + ($1 ? 1 : 0) }
            let total = size * size
            score += 10 * (abs(darkCount * 20 - total * 10) / total)
            return score
        }

        /// Finder-like pattern 1:1:3:1:1 preceded or followed by four light modules.
        static let finderLike: [[Bool]] = [
            [false, false, false, false, true, false, true, true, true, false, true],
            [true, false, true, true, true, false, true, false, false, false, false],
        ]

        /// N1 (runs of five or more: 3 + excess) and N3 (40 per finder-like pattern) of one row or column.
        /// The quiet zone beyond the symbol counts as light for N3.
        static func linePenalty(_ line: [Bool]) -> Int {
            var score = 0
            var run = 1
            for i in 1...line.count {
                if i < line.count && line[i] == line[i - 1] {
                    run += 1
                } else {
                    if run >= 5 { score += run - 2 }
                    run = 1
                }
            }
            let padded = Array(repeating: false, count: 4) + line + Array(repeating: false, count: 4)
            for start in 0...(padded.count - 11) {
                let window = padded[start..<start + 11]
                for pattern in finderLike where window.elementsEqual(pattern) { score += 40 }
            }
            return score
        }
    }
}
