/// A sexagenary (Can Chi) name: a heavenly stem (Can) and an earthly branch (Chi),
/// e.g. "Bính Ngọ". Used for years, months, days and hours of the lunar calendar.
public struct CanChi: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The ten heavenly stems (Thập Can).
    public static let stems = ["Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý"]
    /// The twelve earthly branches (Thập nhị Chi), Vietnamese zodiac: Mão is the cat.
    public static let branches = ["Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"]

    /// Stem index 0…9 (0 = Giáp).
    public let stem: Int
    /// Branch index 0…11 (0 = Tý).
    public let branch: Int

    /// Creates a name from stem and branch indices (reduced modulo 10 and 12).
    public init(stem: Int, branch: Int) {
        self.stem = ((stem % 10) + 10) % 10
        self.branch = ((branch % 12) + 12) % 12
    }

    /// The stem's Vietnamese name, e.g. "Bính".
    public var stemName: String { CanChi.stems[stem] }
    /// The branch's Vietnamese name, e.g. "Ngọ".
    public var branchName: String { CanChi.branches[branch] }
    /// Full Vietnamese name, e.g. "Bính Ngọ".
    public var name: String { "\(stemName) \(branchName)" }
    public var description: String { name }

    /// Can Chi of a lunar year (năm), e.g. 2026 → Bính Ngọ.
    public static func year(_ lunarYear: Int) -> CanChi {
        CanChi(stem: lunarYear + 6, branch: lunarYear + 8)
    }

    /// Can Chi of a lunar month (tháng): month 1 is always a Dần month; the stem follows
    /// the year stem. A leap month takes the name of the month it repeats.
    public static func month(_ month: Int, lunarYear: Int) -> CanChi {
        CanChi(stem: lunarYear * 12 + month + 3, branch: month + 1)
    }

    /// Can Chi of a civil day (ngày) from its Julian Day Number.
    public static func day(julianDay: Int) -> CanChi {
        CanChi(stem: julianDay + 9, branch: julianDay + 1)
    }

    /// Can Chi of the first double-hour (giờ Tý, 23:00–01:00) of a day; later double-hours
    /// follow in order (stem +1, branch +1 per two hours).
    public static func firstHour(ofDay julianDay: Int) -> CanChi {
        CanChi(stem: (julianDay - 1) * 2, branch: 0)
    }
}
