import Foundation

/// Validation of the numbers people sign in with.
public enum IdentityNumber {
    /// Province codes that open a CCCD (Thông tư 07/2016/TT-BCA, amended by TT 59/2021/TT-BCA):
    /// the place of birth registration among the 63 pre-2025 provinces, as 001–096.
    static let provinceCodes: Set<String> = [
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
        "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
        "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
        "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
    ]

    public enum Problem: Equatable, Sendable {
        case notDigits, wrongLength, unknownProvince, badCentury, futureBirthYear, badChecksum
    }

    /// Checks a citizen identity number (CCCD, 12 digits): province of birth registration (3),
    /// century and gender (1: 0/1 = 1900s male/female, 2/3 = 2000s), birth year (2), serial (6).
    public static func cccdProblem(_ s: String, currentYear: Int) -> Problem? {
        guard s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .notDigits }
        guard s.count == 12 else { return .wrongLength }
        let d = Array(s)
        guard provinceCodes.contains(String(d[0..<3])) else { return .unknownProvince }
        let centuryDigit = Int(String(d[3]))!
        guard centuryDigit <= 3 else { return .badCentury }
        let year = (centuryDigit < 2 ? 1900 : 2000) + Int(String(d[4...5]))!
        guard year <= currentYear else { return .futureBirthYear }
        return nil
    }

    /// Checks a business tax code: 10 digits whose last is the check digit, optionally followed
    /// by a 3-digit branch suffix (written `0101248141-001` or as 13 digits).
    public static func taxCodeProblem(_ raw: String) -> Problem? {
        let s = raw.replacingOccurrences(of: "-", with: "")
        guard s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .notDigits }
        guard s.count == 10 || s.count == 13 else { return .wrongLength }
        let d = Array(s).prefix(10).map { Int(String($0))! }
        let weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]
        let sum = zip(d, weights).reduce(0) { $0 + $1.0 * $1.1 }
        guard (10 - sum % 11) % 11 == d[9] else { return .badChecksum }
        return nil
    }

    /// Normal form for storage and lookup: digits only, tax codes with the branch as `-NNN`.
    public static func normalized(_ raw: String) -> String {
        let digits = raw.filter { $0.isASCII && $0.isNumber }
        if digits.count == 13 { return String(digits.prefix(10)) + "-" + String(digits.suffix(3)) }
        return digits
    }
}
