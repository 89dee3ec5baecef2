/// The electronic identifier of an agency, QĐ 20/2020/QĐ-TTg art. 4: at most 35 characters of
/// A–Z, 0–9 and dots, in dot-separated groups developed left to right, the first group being the
/// level-1 code `MX1X2` (M a letter A–Y, X1X2 digits), e.g. `H42.07`.
public enum AgencyCode {
    public static func isValid(_ code: String) -> Bool {
        guard !code.isEmpty, code.count <= 35 else { return false }
        let groups = code.split(separator: ".", omittingEmptySubsequences: false)
        guard let first = groups.first, first.count == 3 else { return false }
        let f = Array(first.unicodeScalars)
        guard ("A"..."Y").contains(f[0]), ("0"..."9").contains(f[1]), ("0"..."9").contains(f[2])
        else { return false }
        return groups.dropFirst().allSatisfy { g in
            !g.isEmpty && g.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        }
    }

    /// The level-1 group: `H42` for `H42.07.01`.
    public static func levelOne(of code: String) -> String {
        String(code.split(separator: ".").first ?? "")
    }
}
