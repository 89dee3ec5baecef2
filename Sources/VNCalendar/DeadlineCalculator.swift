import Foundation

/// Computes due dates of administrative procedures (tính hạn giải quyết thủ tục hành chính)
/// for one agency's working time and a holiday calendar.
///
/// ## Conventions
/// All times are Vietnam civil time (fixed UTC+7).
///
/// **Receipt** (thời điểm tiếp nhận được tính). A dossier received
/// - inside a working session before the cut-off (15:00) counts as received at that instant;
/// - before the first session or during the lunch break of a working day, before the
///   cut-off, counts as received at the start of the next session of that day;
/// - at or after the cut-off (15:00, NĐ 61/2018 art. 18, Luật Hộ tịch art. 5.3,
///   NĐ 63/2024), after the last session, or on a day off counts as received at the start of
///   the first session of the next working day.
///
/// **Working days** (`.workingDays(N)`). As in BLDS 2015 art. 147–148, the (deemed) receipt
/// day is not counted: counting starts at the first session of the next working day
/// (`countFrom`), which is working day 1, and the result is due at the end of the last
/// session (17:00) of working day N. Example: received Monday 10:00 with 3 working days →
/// counted from Tuesday 07:00, due Thursday 17:00; received Monday 15:30 → deemed received
/// Tuesday 07:00, counted from Wednesday, due Friday 17:00. `N = 0` (same-day procedures)
/// is due at the end of the deemed receipt day, so after 15:00 it becomes the next working
/// day (Luật Hộ tịch art. 5.3).
///
/// **Working hours** (`.workingHours(N)`). Counting starts at the deemed receipt instant and
/// only time inside sessions counts; a deadline that ends exactly at the end of a session
/// is due then (e.g. 17:00), not at the next session start.
///
/// **Calendar days** (`.calendarDays(N)`). The deemed receipt day is not counted; day N is
/// N days after it. Due at the end of working hours of day N; if day N is not a working
/// day, at the end of the next working day (BLDS art. 148.2).
///
/// **Pauses** (supplement requests, `DateInterval` from the request to the arrival of the
/// complete dossier): `.restart` recomputes from the end of the last pause as a new receipt;
/// `.shift` adds the working time of each pause that starts before the current due date.
///
/// The calculator precomputes, for every day 1900–2199, whether it is a working day, its
/// working-day ordinal and the cumulative working seconds, so adding N working days is O(1)
/// and adding working hours is O(log n). Build one per (working time, holiday calendar) and
/// share it; it is an immutable `Sendable` value.
public struct DeadlineCalculator: Sendable {
    /// The agency's working time.
    public let workingTime: WorkingTime
    /// The holiday calendar in use.
    public let holidays: HolidayCalendar

    /// Day type per day index: 0 = not working, 1 = full weekday sessions, 2 = Saturday morning.
    private let dayType: [UInt8]
    /// Number of working days before each day index (count + 1 entries).
    private let ordinal: [Int32]
    /// Day index of each working day, in order.
    private let workDays: [Int32]
    /// Working seconds before each working day (workDays.count + 1 entries).
    private let cumulative: [Double]
    /// Full-day sessions in seconds after midnight.
    private let fullSessions: [(start: Double, end: Double)]
    private let saturdaySession: (start: Double, end: Double)?
    private let cutoff: Double?

    private static let firstDay = GregorianDate.supportedMinimum.julianDay
    private static let dayCount = GregorianDate.supportedMaximum.julianDay - firstDay + 1
    /// Seconds from the Unix epoch to 1900-01-01 00:00 UTC+7.
    private static let epochOffset = Double(firstDay - 2440588) * 86400 - 25200

    /// Creates a calculator.
    /// - Throws: `CalendarError.invalidWorkingTime` if the working time is invalid.
    public init(workingTime: WorkingTime = .standard, holidays: HolidayCalendar = .official) throws {
        try workingTime.validate()
        self.workingTime = workingTime
        self.holidays = holidays
        let full = workingTime.sessions.map { (start: Double($0.start * 60), end: Double($0.end * 60)) }
        let sat = workingTime.saturdayMorning.map { (start: Double($0.start * 60), end: Double($0.end * 60)) }
        fullSessions = full
        saturdaySession = sat
        cutoff = workingTime.receiptCutoff.map { Double($0 * 60) }
        let fullLength = full.reduce(0) { $0 + $1.end - $1.start }
        let satLength = sat.map { $0.end - $0.start } ?? 0

        let n = DeadlineCalculator.dayCount
        var types = [UInt8](repeating: 0, count: n)
        var ord = [Int32](repeating: 0, count: n + 1)
        var days: [Int32] = []
        days.reserveCapacity(n * 5 / 7 + 16)
        var cum: [Double] = [0]
        cum.reserveCapacity(n * 5 / 7 + 16)
        var count: Int32 = 0
        for i in 0..<n {
            let jd = DeadlineCalculator.firstDay + i
            let date = GregorianDate(uncheckedJulianDay: jd)
            let weekday = jd % 7 + 1
            var t: UInt8 = 0
            if holidays.isMakeUpWorkday(date) {
                t = 1
            } else if !holidays.isListedDayOff(date) {
                if workingTime.workingWeekdays.contains(weekday) {
                    t = 1
                } else if weekday == 6 && sat != nil {
                    t = 2
                }
            }
            types[i] = t
            ord[i] = count
            if t != 0 {
                days.append(Int32(i))
                cum.append(cum[cum.count - 1] + (t == 1 ? fullLength : satLength))
                count += 1
            }
        }
        ord[n] = count
        dayType = types
        ordinal = ord
        workDays = days
        cumulative = cum
    }

    // MARK: Public API

    /// The due date of `limit` for a dossier received at `receivedAt`.
    /// - Throws: `CalendarError.invalidDuration` for negative or absurd limits,
    ///   `CalendarError.outOfRange` when the receipt or the due date is outside 1900–2199.
    public func deadline(receivedAt: Date, limit: TimeLimit) throws -> Deadline {
        try limit.validate()
        let (day, sec) = try deemedReceipt(receivedAt)
        let deemed = instant(day: day, second: sec)
        switch limit {
        case let .workingDays(n):
            let k = Int(ordinal[day])  // working-day index of the deemed receipt day
            if n == 0 {
                return Deadline(receivedAt: receivedAt, deemedReceivedAt: deemed, countFrom: deemed,
                                due: instant(day: day, second: lastEnd(day)))
            }
            guard k + n < workDays.count else { throw dueOutOfRange() }
            let first = Int(workDays[k + 1]), last = Int(workDays[k + n])
            return Deadline(receivedAt: receivedAt, deemedReceivedAt: deemed,
                            countFrom: instant(day: first, second: firstStart(first)),
                            due: instant(day: last, second: lastEnd(last)))
        case let .workingHours(n):
            let due = n == 0 ? deemed : try instant(atPosition: position(day: day, second: sec) + Double(n) * 3600)
            return Deadline(receivedAt: receivedAt, deemedReceivedAt: deemed, countFrom: deemed, due: due)
        case let .calendarDays(n):
            let lastDay = day + n
            guard lastDay < DeadlineCalculator.dayCount else { throw dueOutOfRange() }
            var dueDay = lastDay
            if dayType[lastDay] == 0 {
                let k = Int(ordinal[lastDay])  // first working day after lastDay
                guard k < workDays.count else { throw dueOutOfRange() }
                dueDay = Int(workDays[k])
            }
            return Deadline(receivedAt: receivedAt, deemedReceivedAt: deemed,
                            countFrom: n == 0 ? deemed : instant(day: day + 1, second: 0),
                            due: instant(day: dueDay, second: lastEnd(dueDay)))
        }
    }

    /// The due date when the dossier was paused for supplements.
    /// - Parameters:
    ///   - pauses: completed pauses, each from the supplement request to the arrival of the
    ///     complete dossier. While a dossier is paused there is no due date.
    ///   - policy: `.restart` or `.shift`.
    /// - Throws: `CalendarError.invalidDuration` when pauses overlap, end before they start
    ///   or start before the receipt; the errors of `deadline(receivedAt:limit:)`.
    public func deadline(receivedAt: Date, limit: TimeLimit, pauses: [DateInterval],
                         policy: PausePolicy) throws -> Deadline {
        let sorted = pauses.sorted { $0.start < $1.start }
        var previousEnd = receivedAt
        for p in sorted {
            guard p.start >= previousEnd else {
                throw CalendarError.invalidDuration("các khoảng tạm dừng chồng lấn hoặc trước thời điểm tiếp nhận")
            }
            previousEnd = p.end
        }
        let base = try deadline(receivedAt: receivedAt, limit: limit)
        guard let lastPause = sorted.last else { return base }
        switch policy {
        case .restart:
            let restarted = try deadline(receivedAt: lastPause.end, limit: limit)
            return Deadline(receivedAt: receivedAt, deemedReceivedAt: restarted.deemedReceivedAt,
                            countFrom: restarted.countFrom, due: restarted.due)
        case .shift:
            var due = base.due
            for p in sorted where p.start < due {
                let paused = try workingTime(from: p.start, to: p.end)
                if paused > 0 {
                    due = try instant(atPosition: position(of: due) + paused)
                }
            }
            return Deadline(receivedAt: receivedAt, deemedReceivedAt: base.deemedReceivedAt,
                            countFrom: base.countFrom, due: due)
        }
    }

    /// The deemed receipt instant of a dossier received at `instant` (see the type's
    /// conventions).
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func deemedReceipt(of instant: Date) throws -> Date {
        let (day, sec) = try deemedReceipt(instant)
        return self.instant(day: day, second: sec)
    }

    /// Working time in seconds between two instants, counting only working sessions of
    /// working days (negative when `end` is before `start`).
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func workingTime(from start: Date, to end: Date) throws -> TimeInterval {
        try position(of: end) - position(of: start)
    }

    /// The number of working days in the half-open range (`start`, `end`]: `start` is not
    /// counted, `end` is (negative when `end` is before `start`). With this convention a
    /// dossier deemed received on day D with N working days is due on the working day E
    /// for which `workingDays(from: D, to: E) == N`.
    /// - Throws: `CalendarError.outOfRange` outside 1900–2199.
    public func workingDays(from start: GregorianDate, to end: GregorianDate) throws -> Int {
        let a = try index(of: start), b = try index(of: end)
        return Int(ordinal[b + 1]) - Int(ordinal[a + 1])
    }

    /// Whether the agency works on `date` (a weekday or Saturday session that is not a
    /// listed day off, or a make-up day). `false` outside 1900–2199.
    public func isWorkingDay(_ date: GregorianDate) -> Bool {
        guard let i = try? index(of: date) else { return false }
        return dayType[i] != 0
    }

    /// The `n`-th working day after `date` (n ≥ 1), or the first working day on or after
    /// `date` for n = 0.
    /// - Throws: `CalendarError.outOfRange`, `CalendarError.invalidDuration` for n < 0.
    public func addingWorkingDays(_ n: Int, to date: GregorianDate) throws -> GregorianDate {
        guard n >= 0 else { throw CalendarError.invalidDuration("số ngày âm (\(n))") }
        let i = try index(of: date)
        let k = n == 0 ? Int(ordinal[i]) : Int(ordinal[i + 1]) + n - 1
        guard k < workDays.count else { throw dueOutOfRange() }
        return GregorianDate(uncheckedJulianDay: DeadlineCalculator.firstDay + Int(workDays[k]))
    }

    // MARK: Internals

    private func dueOutOfRange() -> CalendarError { .outOfRange("hạn giải quyết vượt quá 31/12/2199") }

    private func index(of date: GregorianDate) throws -> Int {
        let i = date.julianDay - DeadlineCalculator.firstDay
        guard i >= 0 && i < DeadlineCalculator.dayCount else { throw CalendarError.outOfRange("ngày \(date.vietnamese)") }
        return i
    }

    /// Day index and seconds after local midnight of an instant.
    @inline(__always)
    private func split(_ instant: Date) throws -> (Int, Double) {
        let s = instant.timeIntervalSince1970 - DeadlineCalculator.epochOffset
        let day = (s / 86400).rounded(.down)
        guard day >= 0 && day < Double(DeadlineCalculator.dayCount) else {
            throw CalendarError.outOfRange("thời điểm \(instant)")
        }
        return (Int(day), s - day * 86400)
    }

    @inline(__always)
    private func instant(day: Int, second: Double) -> Date {
        Date(timeIntervalSince1970: DeadlineCalculator.epochOffset + Double(day) * 86400 + second)
    }

    @inline(__always)
    private func firstStart(_ day: Int) -> Double {
        dayType[day] == 2 ? saturdaySession!.start : fullSessions[0].start
    }

    @inline(__always)
    private func lastEnd(_ day: Int) -> Double {
        dayType[day] == 2 ? saturdaySession!.end : fullSessions[fullSessions.count - 1].end
    }

    /// The deemed receipt (day index, seconds) of an instant.
    private func deemedReceipt(_ instant: Date) throws -> (Int, Double) {
        let (day, sec) = try split(instant)
        if dayType[day] != 0 && (cutoff == nil || sec < cutoff!) {
            if dayType[day] == 2 {
                let s = saturdaySession!
                if sec < s.start { return (day, s.start) }
                if sec < s.end { return (day, sec) }
            } else {
                for s in fullSessions {
                    if sec < s.start { return (day, s.start) }
                    if sec < s.end { return (day, sec) }
                }
            }
        }
        // Start of the next working day.
        let k = Int(ordinal[day + 1])
        guard k < workDays.count else { throw dueOutOfRange() }
        let next = Int(workDays[k])
        return (next, firstStart(next))
    }

    /// Cumulative working seconds from 1900-01-01 up to (day, second).
    @inline(__always)
    private func position(day: Int, second sec: Double) -> Double {
        var p = cumulative[Int(ordinal[day])]
        switch dayType[day] {
        case 0: break
        case 2:
            let s = saturdaySession!
            p += min(max(sec - s.start, 0), s.end - s.start)
        default:
            for s in fullSessions {
                if sec <= s.start { break }
                p += min(sec, s.end) - s.start
            }
        }
        return p
    }

    private func position(of instant: Date) throws -> Double {
        let (day, sec) = try split(instant)
        return position(day: day, second: sec)
    }

    /// The instant at which the cumulative working time reaches `p` (> 0). A position equal
    /// to the end of a working day maps to the end of its last session.
    private func instant(atPosition p: Double) throws -> Date {
        // Largest working-day index j with cumulative[j] < p.
        var lo = 0, hi = workDays.count - 1
        guard hi >= 0, p <= cumulative[workDays.count] else { throw dueOutOfRange() }
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if cumulative[mid] < p { lo = mid } else { hi = mid - 1 }
        }
        let day = Int(workDays[lo])
        var r = p - cumulative[lo]
        if dayType[day] == 2 {
            return instant(day: day, second: saturdaySession!.start + r)
        }
        for s in fullSessions {
            let len = s.end - s.start
            if r <= len { return instant(day: day, second: s.start + r) }
            r -= len
        }
        return instant(day: day, second: lastEnd(day))
    }
}
