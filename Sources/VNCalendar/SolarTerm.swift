import Foundation

/// The 24 solar terms (tiết khí), named by the Sun's apparent longitude (multiples of 15°).
/// Terms at multiples of 30° are the major terms (trung khí) that fix the lunar months.
public enum SolarTerm: Int, CaseIterable, Sendable, Codable {
    case xuanPhan = 0, thanhMinh, cocVu, lapHa, tieuMan, mangChung, haChi, tieuThu, daiThu,
         lapThu, xuThu, bachLo, thuPhan, hanLo, suongGiang, lapDong, tieuTuyet, daiTuyet,
         dongChi, tieuHan, daiHan, lapXuan, vuThuy, kinhTrap

    /// Apparent solar longitude of the term, degrees.
    public var longitude: Double { Double(rawValue * 15) }

    /// Whether the term is a major term (trung khí).
    public var isMajor: Bool { rawValue % 2 == 0 }

    /// Vietnamese name, e.g. "Đông chí".
    public var name: String {
        ["Xuân phân", "Thanh minh", "Cốc vũ", "Lập hạ", "Tiểu mãn", "Mang chủng", "Hạ chí",
         "Tiểu thử", "Đại thử", "Lập thu", "Xử thử", "Bạch lộ", "Thu phân", "Hàn lộ",
         "Sương giáng", "Lập đông", "Tiểu tuyết", "Đại tuyết", "Đông chí", "Tiểu hàn",
         "Đại hàn", "Lập xuân", "Vũ thủy", "Kinh trập"][rawValue]
    }

    /// The instant (UT) at which the term occurs in Gregorian `year`.
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func instant(in year: Int) throws -> Date {
        guard (1900...2199).contains(year) else { throw CalendarError.outOfRange("năm \(year)") }
        let jd = Astronomy.universalTime(fromJDE: Astronomy.solarTerm(longitude: longitude, year: year))
        return Date(timeIntervalSince1970: (jd - 2440587.5) * 86400)
    }

    /// The civil date (in the official calendar's time zone) of the term in `year`.
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func date(in year: Int) throws -> GregorianDate {
        guard (1900...2199).contains(year) else { throw CalendarError.outOfRange("năm \(year)") }
        let jd = Astronomy.universalTime(fromJDE: Astronomy.solarTerm(longitude: longitude, year: year))
        return GregorianDate(uncheckedJulianDay: LunarCalendar.civilDay(universalTime: jd))
    }
}
