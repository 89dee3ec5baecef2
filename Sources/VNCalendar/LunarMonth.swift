/// One month of the Vietnamese lunar calendar (tháng âm lịch): its number, leap flag,
/// first civil day and length (29 = tháng thiếu, 30 = tháng đủ).
public struct LunarMonth: Hashable, Sendable, Codable {
    /// Lunar year the month belongs to.
    public let year: Int
    /// Month number 1…12.
    public let month: Int
    /// Whether this is the leap month (tháng nhuận).
    public let isLeapMonth: Bool
    /// Gregorian date of day 1 (mùng 1).
    public let firstDay: GregorianDate
    /// Number of days, 29 or 30.
    public let length: Int
}
