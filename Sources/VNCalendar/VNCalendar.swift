/// VNCalendar: the Vietnamese calendar for the tinhso platform (lịch Việt Nam).
///
/// Dependency-free (standard library and Foundation only). Main entry points:
/// - `LunarCalendar`: Gregorian ↔ lunar conversion 1900–2199 (`LunarDate`, `LunarMonth`,
///   `CanChi`, `SolarTerm`), computed from full-precision astronomy (`Astronomy`).
/// - `HolidayCalendar`: public-sector days off from the shipped official schedules
///   (`OfficialSchedule`, 2010–2026), administrator overrides (`YearSchedule`) and the Labour
///   Code rules (`StatutoryHolidays`).
/// - `DeadlineCalculator`: due dates of administrative procedures for an agency's
///   `WorkingTime` and a `TimeLimit`, with supplement pauses (`PausePolicy`).
/// All civil times are Vietnam time, fixed UTC+7. Errors are `CalendarError`.
public enum VNCalendar {
    /// Gregorian years supported by every API.
    public static let supportedYears = 1900...2199
}
