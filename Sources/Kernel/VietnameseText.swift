import Foundation

/// Vietnamese text helpers shared by search everywhere.
public enum VietnameseText {
    /// Lower-cases and strips diacritics so that "Đăng ký khai sinh" and "dang ky khai sinh" compare
    /// equal. `đ` is a letter of its own in Unicode (no combining mark), so it is mapped by hand.
    public static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.value {
            case 0x0300...0x036F: continue  // combining diacritical marks
            case 0x0111: out.append("d")  // đ
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// Folded words of a query. Only letters, digits and dots survive, so a token can go into a
    /// LIKE pattern as is: it never holds a wildcard.
    public static func searchTokens(_ text: String) -> [String] {
        fold(text)
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "." })
            .map(String.init)
            .filter { !$0.isEmpty }
    }
}
