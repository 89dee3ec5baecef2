import Foundation
import Kernel

/// A reporting period (kỳ báo cáo): whole Vietnam calendar days from `first` to `last`. A period
/// that is still running ends today: open dossiers are measured at its end (QĐ 766 §6.3).
public struct Period: Sendable, Equatable {
    public var first: Int
    public var last: Int
    /// How it was asked for: `2026`, `2026-Q4`, `2026-11`, `2026-11-23`, or `2026-01-01..2026-06-30`.
    public var label: String

    /// The earliest day any statistics are kept for; before it a period is surely a typing error.
    static let earliest = VietnamTime.dayNumber(year: 2000, month: 1, day: 1)

    public init(first: Int, last: Int, label: String) {
        self.first = first; self.last = last; self.label = label
    }

    /// Parses a period: `period` as year, quarter, month or day; or `from` and `to` (YYYY-MM-DD).
    /// With neither, the current year so far.
    public static func parse(period: String?, from: String?, to: String?, today: Int) throws -> Period {
        let p: Period
        if let from, let to {
            guard let a = Self.day(from) else { throw IndicatorsError.badPeriod(Self.notADay("ngày bắt đầu", from)) }
            guard let b = Self.day(to) else { throw IndicatorsError.badPeriod(Self.notADay("ngày kết thúc", to)) }
            guard a <= b else { throw IndicatorsError.badPeriod("ngày bắt đầu sau ngày kết thúc") }
            p = Period(first: a, last: b, label: "\(from)..\(to)")
        } else if from != nil || to != nil {
            throw IndicatorsError.badPeriod("cần cả ngày bắt đầu và ngày kết thúc")
        } else if let period {
            guard let parsed = Self.named(period) else {
                throw IndicatorsError.badPeriod("“\(period.prefix(20))” không phải năm (2026), quý (2026-Q4), tháng (2026-11) hay ngày (2026-11-23)")
            }
            p = parsed
        } else {
            let y = VietnamTime.civil(today).year
            p = Period(first: VietnamTime.dayNumber(year: y, month: 1, day: 1), last: today, label: String(y))
        }
        guard p.first >= earliest else { throw IndicatorsError.badPeriod("không có số liệu trước năm 2000") }
        guard p.first <= today else { throw IndicatorsError.badPeriod("kỳ báo cáo chưa bắt đầu") }
        guard p.last - p.first < 366 * 20 else { throw IndicatorsError.badPeriod("kỳ báo cáo dài quá 20 năm") }
        return Period(first: p.first, last: min(p.last, today), label: p.label)
    }

    /// Why `text` is not a day: its form, or a date the calendar does not have (30/02).
    static func notADay(_ what: String, _ text: String) -> String {
        let shaped = text.count == 10 && text.enumerated().allSatisfy { i, c in [4, 7].contains(i) ? c == "-" : c.isASCII && c.isNumber }
        return shaped ? "\(what) “\(text)” không có trong lịch" : "\(what) “\(text.prefix(20))” phải có dạng NNNN-TT-NN"
    }

    static func day(_ text: String) -> Int? {
        VietnamTime.startOfDay(text).map { VietnamTime.dayNumber($0) }
    }

    static func named(_ text: String) -> Period? {
        let parts = text.uppercased().split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let y = Int(parts[0]), parts[0].count == 4, (1900...9999).contains(y) else { return nil }
        func monthRange(_ m1: Int, _ m2: Int) -> Period {
            let end = m2 == 12 ? VietnamTime.dayNumber(year: y + 1, month: 1, day: 1) : VietnamTime.dayNumber(year: y, month: m2 + 1, day: 1)
            return Period(first: VietnamTime.dayNumber(year: y, month: m1, day: 1), last: end - 1, label: text.uppercased())
        }
        switch parts.count {
        case 1: return monthRange(1, 12)
        case 2 where parts[1].hasPrefix("Q"):
            guard let q = Int(parts[1].dropFirst()), (1...4).contains(q) else { return nil }
            return monthRange(q * 3 - 2, q * 3)
        case 2:
            guard let m = Int(parts[1]), parts[1].count == 2, (1...12).contains(m) else { return nil }
            return monthRange(m, m)
        case 3:
            guard let d = day(text) else { return nil }
            return Period(first: d, last: d, label: text)
        default: return nil
        }
    }

    /// "01/01/2026 – 30/11/2026".
    public var display: String {
        first == last ? VietnamTime.displayDay(first) : "\(VietnamTime.displayDay(first)) – \(VietnamTime.displayDay(last))"
    }
}

/// Runs of buckets of one grain that together cover a span of days exactly: whole years where
/// they fit, whole months, then days.
struct BucketCover: Equatable {
    var grain: Aggregates.Grain
    /// Bucket start days, inclusive.
    var from: Int
    var through: Int

    static func covering(from a: Int, through b: Int) -> [BucketCover] {
        var out: [BucketCover] = []
        var day = a
        while day <= b {
            let c = VietnamTime.civil(day)
            let nextYear = VietnamTime.dayNumber(year: c.year + 1, month: 1, day: 1)
            let nextMonth = c.month == 12 ? nextYear : VietnamTime.dayNumber(year: c.year, month: c.month + 1, day: 1)
            let (grain, next): (Aggregates.Grain, Int) =
                c.month == 1 && c.day == 1 && nextYear - 1 <= b ? (.year, nextYear)
                : c.day == 1 && nextMonth - 1 <= b ? (.month, nextMonth)
                : (.day, day + 1)
            if let last = out.last, last.grain == grain { out[out.count - 1].through = day } else {
                out.append(BucketCover(grain: grain, from: day, through: day))
            }
            day = next
        }
        return out
    }
}
