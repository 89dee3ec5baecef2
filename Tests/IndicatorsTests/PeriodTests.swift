import Foundation
@testable import Indicators
import Kernel
import Testing

@Suite("Periods and the buckets that cover them")
struct PeriodTests {
    static let today = VietnamTime.dayNumber(year: 2026, month: 11, day: 18)

    @Test func namedPeriods() throws {
        func p(_ s: String) throws -> (String, String) {
            let x = try Period.parse(period: s, from: nil, to: nil, today: Self.today)
            return (VietnamTime.isoDay(x.first), VietnamTime.isoDay(x.last))
        }
        #expect(try p("2025") == ("2025-01-01", "2025-12-31"))
        #expect(try p("2024-q1") == ("2024-01-01", "2024-03-31"))
        #expect(try p("2024-02") == ("2024-02-01", "2024-02-29"))
        #expect(try p("2025-07-01") == ("2025-07-01", "2025-07-01"))
        #expect(try p("2026") == ("2026-01-01", "2026-11-18"))  // still running: ends today
        let none = try Period.parse(period: nil, from: nil, to: nil, today: Self.today)
        #expect(VietnamTime.isoDay(none.first) == "2026-01-01" && none.last == Self.today)
        for bad in ["2026-00", "2026-Q5", "26", "2026-1", "x", "2026-11-31"] {
            #expect(throws: IndicatorsError.self, "\(bad)") { try Period.parse(period: bad, from: nil, to: nil, today: Self.today) }
        }
        // A day of the right form the calendar does not have is told as such, not as a bad form.
        func why(_ from: String) -> String {
            do { _ = try Period.parse(period: nil, from: from, to: "2026-03-01", today: Self.today); return "" } catch { return (error as? IndicatorsError)?.message ?? "" }
        }
        #expect(why("2025-02-29").contains("không có trong lịch") && why("2025/02/28").contains("phải có dạng"))
    }

    @Test func dayNumbersRoundTrip() {
        for d in stride(from: -800, to: 30_000, by: 37) {
            let c = VietnamTime.civil(d)
            #expect(VietnamTime.dayNumber(year: c.year, month: c.month, day: c.day) == d)
        }
        // 23:59 and 00:00 in Vietnam are different days whatever UTC says.
        let evening = VietnamTime.startOfDay("2026-03-01")!.addingTimeInterval(-60)
        #expect(VietnamTime.dayNumber(evening) == VietnamTime.dayNumber(year: 2026, month: 2, day: 28))
    }

    /// Random spans are covered by aligned years, months and days exactly once.
    @Test func coversAreExactAndAligned() {
        var rng = SeededRandom(seed: 766)
        for _ in 0..<300 {
            let a = Int(rng.next() % 12_000) + 5_000
            let b = a + Int(rng.next() % 2_000)
            var covered: [Int] = []
            for run in BucketCover.covering(from: a, through: b) {
                var start = run.from
                while start <= run.through {
                    let c = VietnamTime.civil(start)
                    let end: Int
                    switch run.grain {
                    case .year:
                        #expect(c.month == 1 && c.day == 1)
                        end = VietnamTime.dayNumber(year: c.year + 1, month: 1, day: 1) - 1
                    case .month:
                        #expect(c.day == 1)
                        end = c.month == 12 ? VietnamTime.dayNumber(year: c.year + 1, month: 1, day: 1) - 1 : VietnamTime.dayNumber(year: c.year, month: c.month + 1, day: 1) - 1
                    case .day: end = start
                    }
                    covered += Array(start...end)
                    start = end + 1
                }
            }
            #expect(covered == Array(a...b))
        }
    }
}
