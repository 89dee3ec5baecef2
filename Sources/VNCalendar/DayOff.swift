/// A day off in a year's holiday schedule (ngày nghỉ).
public struct DayOff: Codable, Hashable, Sendable {
    /// Why the day is off.
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        /// A statutory public holiday (ngày nghỉ lễ, tết — BLLĐ art. 112).
        case holiday
        /// A compensatory day for a holiday falling on a weekly rest day
        /// (nghỉ bù — BLLĐ 2019 art. 111.3).
        case compensatory
        /// A working day swapped with a weekend day that is worked instead
        /// (nghỉ hoán đổi; the make-up day is in `YearSchedule.workingWeekends`).
        case swap
        /// A weekly rest day inside an announced Tết break (nghỉ hằng tuần trong đợt nghỉ
        /// Tết). Off anyway for a Monday–Friday agency; listed so that agencies working on
        /// Saturday mornings are closed too.
        case weekend
    }

    /// The date.
    public var date: GregorianDate
    /// Vietnamese name, e.g. "Tết Âm lịch (mùng 1)".
    public var name: String
    /// Holiday, compensatory, swap or weekend.
    public var kind: Kind
    /// The legal basis or decision (e.g. "TB 9441/TB-BNV ngày 16/10/2025"); nil when
    /// computed from the Labour Code.
    public var source: String?
    /// For a swap: the weekend day worked instead.
    public var madeUpOn: GregorianDate?

    public init(date: GregorianDate, name: String, kind: Kind, source: String? = nil, madeUpOn: GregorianDate? = nil) {
        self.date = date
        self.name = name
        self.kind = kind
        self.source = source
        self.madeUpOn = madeUpOn
    }
}
