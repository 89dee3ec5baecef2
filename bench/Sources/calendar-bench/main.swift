import Foundation
import VNCalendar

// Due-date throughput on one core (issue 3: at least 1,000,000 per second), against a baseline
// measured in the same run: stepping day by day through the same holiday calendar.

let calculator = try DeadlineCalculator()
let holidays = HolidayCalendar.official
let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 2_000_000

// Receipt instants spread over 2010–2026, limits of 1–30 working days, from a fixed seed.
var rng = SplitMix64(seed: 2026)
let start = try GregorianDate(year: 2010, month: 1, day: 1).startInstant.timeIntervalSince1970
let span = 17.0 * 365 * 86_400
let inputs: [(Date, Int)] = (0..<count).map { _ in
    (Date(timeIntervalSince1970: start + Double(rng.next() % UInt64(span))), Int(rng.next() % 30) + 1)
}

/// The baseline: deemed receipt day, then walk forward one day at a time.
func naiveDue(_ receivedAt: Date, _ days: Int) throws -> GregorianDate {
    let deemed = GregorianDate(try calculator.deemedReceipt(of: receivedAt))
    var day = deemed, counted = 0
    while counted < days {
        day = day.adding(days: 1)
        if !holidays.isDayOff(day) { counted += 1 }
    }
    return day
}

func measure(_ label: String, _ n: Int, _ body: (Int) throws -> Int) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    var sink = 0
    for i in 0..<n { sink &+= try body(i) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    let rate = Double(n) / seconds
    print("\(label): \(n) in \(String(format: "%.3f", seconds)) s = \(Int(rate)) per second (checksum \(sink % 997))")
    return rate
}

// Both must give the same day before their speeds mean anything.
for (instant, days) in inputs.prefix(20_000) {
    let fast = GregorianDate(try calculator.deadline(receivedAt: instant, limit: .workingDays(days)).due)
    guard fast == (try naiveDue(instant, days)) else { fatalError("mismatch at \(instant) + \(days)") }
}

let baselineCount = count / 20
let baseline = try measure("baseline (day-by-day walk)", baselineCount) { i in
    try naiveDue(inputs[i].0, inputs[i].1).day
}
let fast = try measure("DeadlineCalculator.deadline (working days)", count) { i in
    Int(try calculator.deadline(receivedAt: inputs[i].0, limit: .workingDays(inputs[i].1)).due.timeIntervalSince1970)
}
let hours = try measure("DeadlineCalculator.deadline (working hours)", count / 4) { i in
    Int(try calculator.deadline(receivedAt: inputs[i].0, limit: .workingHours(inputs[i].1 * 8)).due.timeIntervalSince1970)
}
print(String(format: "ratio to baseline: %.1f× (working days), %.1f× (working hours)", fast / baseline, hours / baseline))
print("target ≥ 1,000,000 per second: \(fast >= 1_000_000 ? "met" : "NOT MET")")
if fast < 1_000_000 { exit(1) }

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
