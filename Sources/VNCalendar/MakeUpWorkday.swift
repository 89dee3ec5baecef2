/// A weekend day worked in exchange for a swapped day off (ngày làm bù).
public struct MakeUpWorkday: Codable, Hashable, Sendable {
    /// The Saturday (or Sunday) that is a working day.
    public var date: GregorianDate
    /// Vietnamese description, e.g. "Làm bù cho ngày 02/01/2026".
    public var name: String
    /// The decision that ordered the swap.
    public var source: String?
    /// The weekday taken off in exchange.
    public var replaces: GregorianDate?

    public init(date: GregorianDate, name: String, source: String? = nil, replaces: GregorianDate? = nil) {
        self.date = date
        self.name = name
        self.source = source
        self.replaces = replaces
    }
}
