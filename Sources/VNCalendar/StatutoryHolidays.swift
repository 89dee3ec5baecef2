/// Public holidays as the Labour Code defines them (ngày nghỉ lễ, tết theo Bộ luật Lao động),
/// used for years without an official or administrator schedule.
///
/// Regimes:
/// - **BLLĐ 1994** (art. 73): 01/01; Tết Âm lịch 4 days; 30/4; 01/5; 02/9. The 2007
///   amendment adds Giỗ Tổ Hùng Vương (10/3 lunar) from 2007. Applied to every year before
///   2007 too (an approximation before 1995).
/// - **BLLĐ 2012** (art. 115, in force 01/5/2013): Tết 5 days (so from Tết 2014), 02/9 one day.
/// - **BLLĐ 2019** (art. 112, from 2021): 02/9 plus one adjacent day (01/9 or 03/9).
/// - **From 2026**: 24/11 Ngày Văn hóa Việt Nam (Nghị quyết 28/2026/QH16).
///
/// The Prime Minister fixes the actual Tết days and the day adjacent to 02/9 each year; this
/// type uses the usual choice: Tết = the last day of the lunar year + mùng 1…3 (4 days) or
/// + mùng 1…4 (5 days); the 02/9 companion follows the 2021–2026 practice (Mon → 03/9,
/// Tue/Wed → 01/9, Thu → 03/9, Fri/Sat → 01/9, Sun → 03/9).
///
/// A holiday on a weekly rest day gives a compensatory day (nghỉ bù, art. 111.3 / 115.3 /
/// 73.2): the next day that is neither a rest day, a holiday nor already a compensatory day.
public enum StatutoryHolidays {
    /// The statutory holidays and compensatory days of `year`, for an employer whose weekly
    /// rest days are `weeklyRestDays` (ISO weekdays, default Saturday and Sunday).
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public static func daysOff(in year: Int, weeklyRestDays: Set<Int> = [6, 7]) throws -> [DayOff] {
        guard (1900...2199).contains(year) else { throw CalendarError.outOfRange("năm \(year)") }
        let basis: String
        switch year {
        case ..<2013: basis = "BLLĐ 1994, Điều 73"
        case 2013: basis = "BLLĐ 1994 (Tết), BLLĐ 2012 Điều 115"
        case ..<2021: basis = "BLLĐ 2012, Điều 115"
        default: basis = "BLLĐ 2019, Điều 112"
        }
        func d(_ m: Int, _ day: Int) -> GregorianDate { try! GregorianDate(year: year, month: m, day: day) }
        var holidays: [DayOff] = [DayOff(date: d(1, 1), name: "Tết Dương lịch", kind: .holiday, source: basis)]

        // Tết of the lunar year starting in this Gregorian year.
        let tet = try LunarCalendar.tet(year)
        let tetDays = year >= 2014 ? 4 : 3
        holidays.append(DayOff(date: tet.adding(days: -1), name: "Tết Âm lịch (ngày cuối năm)", kind: .holiday, source: basis))
        for i in 0..<tetDays {
            holidays.append(DayOff(date: tet.adding(days: i), name: "Tết Âm lịch (mùng \(i + 1))", kind: .holiday, source: basis))
        }
        if year >= 2007 {
            let gioTo = try LunarCalendar.gregorian(from: LunarDate(year: year, month: 3, day: 10))
            holidays.append(DayOff(date: gioTo, name: "Giỗ Tổ Hùng Vương (10/3 âm lịch)", kind: .holiday, source: basis))
        }
        holidays.append(DayOff(date: d(4, 30), name: "Ngày Chiến thắng (30/4)", kind: .holiday, source: basis))
        holidays.append(DayOff(date: d(5, 1), name: "Ngày Quốc tế Lao động (1/5)", kind: .holiday, source: basis))
        let nationalDay = d(9, 2)
        holidays.append(DayOff(date: nationalDay, name: "Quốc khánh (2/9)", kind: .holiday, source: basis))
        if year >= 2021 {
            let companion: Int
            switch nationalDay.isoWeekday {
            case 1, 4, 7: companion = 3
            default: companion = 1
            }
            holidays.append(DayOff(date: d(9, companion), name: "Quốc khánh (ngày liền kề)", kind: .holiday, source: basis))
        }
        if year >= 2026 {
            holidays.append(DayOff(date: d(11, 24), name: "Ngày Văn hóa Việt Nam (24/11)", kind: .holiday,
                                   source: "Nghị quyết 28/2026/QH16"))
        }
        holidays.sort { $0.date < $1.date }
        return holidays + compensatoryDays(for: holidays, weeklyRestDays: weeklyRestDays)
    }

    /// Compensatory days (nghỉ bù) for the holidays that fall on weekly rest days: for each
    /// such holiday, in date order, the next day that is not a rest day, a holiday or an
    /// earlier compensatory day.
    public static func compensatoryDays(for holidays: [DayOff], weeklyRestDays: Set<Int> = [6, 7]) -> [DayOff] {
        let sorted = holidays.sorted { $0.date < $1.date }
        var taken = Set(sorted.map(\.date))
        var result: [DayOff] = []
        for h in sorted where weeklyRestDays.contains(h.date.isoWeekday) {
            var c = h.date.adding(days: 1)
            while weeklyRestDays.contains(c.isoWeekday) || taken.contains(c) { c = c.adding(days: 1) }
            taken.insert(c)
            result.append(DayOff(date: c, name: "Nghỉ bù \(h.name) (\(h.date.vietnamese))", kind: .compensatory,
                                 source: h.source))
        }
        return result
    }
}
