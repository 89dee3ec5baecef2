import Foundation

/// The official public-sector holiday schedules shipped with the module
/// (lịch nghỉ lễ, tết chính thức của cán bộ, công chức, viên chức), 2010–2026.
///
/// Loaded from `Resources/official-schedules.json`: for each year the actual days off
/// (Tết ranges, compensatory days, swaps) and the make-up working weekend days decided by
/// the Prime Minister's letters (Công văn VPCP) and the ministry notices (Thông báo of
/// Bộ LĐTBXH up to 2025, Bộ Nội vụ from 2026). Each entry names its source; a year's `note`
/// says what could not be verified.
public enum OfficialSchedule {
    /// Top-level layout of the resource file.
    struct File: Codable {
        var format: Int
        var description: String?
        var years: [YearSchedule]
    }

    /// All shipped years, keyed by year. Empty if the resource cannot be read.
    public static let years: [Int: YearSchedule] = {
        guard let url = Bundle.module.url(forResource: "official-schedules", withExtension: "json",
                                          subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "official-schedules", withExtension: "json"),
              let data = try? Data(contentsOf: url)
        else { return [:] }
        return (try? decode(data)) ?? [:]
    }()

    /// The shipped schedule of a year, if any.
    public static func schedule(for year: Int) -> YearSchedule? { years[year] }

    /// Decodes and validates a schedule file in the shipped format
    /// (`{"format": 1, "years": [YearSchedule…]}`).
    /// - Throws: decoding errors or `CalendarError.invalidSchedule`.
    public static func decode(_ data: Data) throws -> [Int: YearSchedule] {
        let file = try JSONDecoder().decode(File.self, from: data)
        var result: [Int: YearSchedule] = [:]
        for y in file.years {
            try y.validate()
            guard result[y.year] == nil else { throw CalendarError.invalidSchedule("năm \(y.year) bị lặp") }
            result[y.year] = y
        }
        return result
    }
}
