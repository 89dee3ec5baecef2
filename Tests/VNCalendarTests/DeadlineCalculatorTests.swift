import Foundation
import Testing
@testable import VNCalendar

@Suite("Deadlines and working time")
struct DeadlineCalculatorTests {
    private let calc = try! DeadlineCalculator()

    /// An instant in Vietnam civil time (UTC+7).
    private func at(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0, _ s: Int = 0) -> Date {
        try! GregorianDate(year: y, month: m, day: d).startInstant
            .addingTimeInterval(Double(h * 3600 + min * 60 + s))
    }
    private func date(_ y: Int, _ m: Int, _ d: Int) -> GregorianDate { try! GregorianDate(year: y, month: m, day: d) }

    // 2026-03-02 is a Monday.

    @Test("Working days: the receipt day is excluded, due 17:00 of day N")
    func workingDays() throws {
        let r = try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingDays(3))
        #expect(r.deemedReceivedAt == at(2026, 3, 2, 10))
        #expect(r.countFrom == at(2026, 3, 3, 7))
        #expect(r.due == at(2026, 3, 5, 17))
        // 5 working days over a weekend.
        #expect(try calc.deadline(receivedAt: at(2026, 3, 4, 9), limit: .workingDays(5)).due == at(2026, 3, 11, 17))
    }

    @Test("15:00 cut-off: received at or after 15:00 counts from the next working day")
    func cutoff() throws {
        let late = try calc.deadline(receivedAt: at(2026, 3, 2, 15, 30), limit: .workingDays(3))
        #expect(late.deemedReceivedAt == at(2026, 3, 3, 7))
        #expect(late.countFrom == at(2026, 3, 4, 7))
        #expect(late.due == at(2026, 3, 6, 17))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 15), limit: .workingDays(3)).due == at(2026, 3, 6, 17))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 14, 59, 59), limit: .workingDays(3)).due == at(2026, 3, 5, 17))
        // After hours on Friday → Monday.
        let friday = try calc.deadline(receivedAt: at(2026, 3, 6, 18), limit: .workingDays(1))
        #expect(friday.deemedReceivedAt == at(2026, 3, 9, 7))
        #expect(friday.due == at(2026, 3, 10, 17))
        // Without the cut-off rule, 15:30 stays on Monday.
        let noCutoff = try DeadlineCalculator(workingTime: WorkingTime(receiptCutoff: nil))
        #expect(try noCutoff.deadline(receivedAt: at(2026, 3, 2, 15, 30), limit: .workingDays(3)).due == at(2026, 3, 5, 17))
        #expect(try noCutoff.deemedReceipt(of: at(2026, 3, 2, 17, 30)) == at(2026, 3, 3, 7))
    }

    @Test("Receipt outside working hours or on a day off")
    func outsideHours() throws {
        #expect(try calc.deemedReceipt(of: at(2026, 3, 2, 6, 30)) == at(2026, 3, 2, 7))
        #expect(try calc.deemedReceipt(of: at(2026, 3, 2, 12)) == at(2026, 3, 2, 13, 30))
        #expect(try calc.deemedReceipt(of: at(2026, 3, 7, 10)) == at(2026, 3, 9, 7))   // Saturday
        #expect(try calc.deemedReceipt(of: at(2026, 2, 17, 9)) == at(2026, 2, 23, 7))  // Tết
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 6, 30), limit: .workingDays(3)).due == at(2026, 3, 5, 17))
    }

    @Test("Same-day procedures (N = 0)")
    func sameDay() throws {
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingDays(0)).due == at(2026, 3, 2, 17))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 15, 1), limit: .workingDays(0)).due == at(2026, 3, 3, 17))
    }

    @Test("Holidays, swaps and make-up Saturdays")
    func holidays() throws {
        // Received Friday 13/02/2026 before Tết: counting resumes on Monday 23/02.
        let tet = try calc.deadline(receivedAt: at(2026, 2, 13, 10), limit: .workingDays(3))
        #expect(tet.countFrom == at(2026, 2, 23, 7) && tet.due == at(2026, 2, 25, 17))
        // 31/12/2025 + 1 working day: 01/01 holiday, 02/01 swapped, 03–04 weekend → 05/01.
        #expect(try calc.deadline(receivedAt: at(2025, 12, 31, 10), limit: .workingDays(1)).due == at(2026, 1, 5, 17))
        // Saturday 10/01/2026 is a make-up working day.
        #expect(try calc.deadline(receivedAt: at(2026, 1, 9, 10), limit: .workingDays(1)).due == at(2026, 1, 10, 17))
        #expect(calc.isWorkingDay(date(2026, 1, 10)) && !calc.isWorkingDay(date(2026, 1, 2)))
    }

    @Test("Working hours count only inside sessions")
    func workingHours() throws {
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingHours(8)).due == at(2026, 3, 3, 10))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingHours(5)).due == at(2026, 3, 2, 17))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingHours(1)).due == at(2026, 3, 2, 11))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingHours(2)).due == at(2026, 3, 2, 14))
        // Received 16:00 (after cut-off): deemed 07:00 Tuesday, 4 h → 11:00.
        let r = try calc.deadline(receivedAt: at(2026, 3, 2, 16), limit: .workingHours(4))
        #expect(r.countFrom == at(2026, 3, 3, 7) && r.due == at(2026, 3, 3, 11))
        // 24 hours from Friday 10:00 = 3 working days → Wednesday 10:00.
        #expect(try calc.deadline(receivedAt: at(2026, 3, 6, 10), limit: .workingHours(24)).due == at(2026, 3, 11, 10))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10, 0, 37), limit: .workingHours(8)).due == at(2026, 3, 3, 10, 0, 37))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingHours(0)).due == at(2026, 3, 2, 10))
    }

    @Test("Calendar days: a last day off moves to the next working day")
    func calendarDays() throws {
        let r = try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .calendarDays(4))
        #expect(r.countFrom == at(2026, 3, 3, 0) && r.due == at(2026, 3, 6, 17))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .calendarDays(5)).due == at(2026, 3, 9, 17))
        #expect(try calc.deadline(receivedAt: at(2026, 2, 10, 10), limit: .calendarDays(5)).due == at(2026, 2, 23, 17))
        #expect(try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .calendarDays(30)).due == at(2026, 4, 1, 17))
    }

    @Test("Supplement pauses: restart and shift")
    func pauses() throws {
        let received = at(2026, 3, 2, 10)
        let pause = DateInterval(start: at(2026, 3, 4, 9), end: at(2026, 3, 9, 14))
        #expect(try calc.deadline(receivedAt: received, limit: .workingDays(5)).due == at(2026, 3, 9, 17))
        let restart = try calc.deadline(receivedAt: received, limit: .workingDays(5), pauses: [pause], policy: .restart)
        #expect(restart.countFrom == at(2026, 3, 10, 7) && restart.due == at(2026, 3, 16, 17))
        // Paused working time: Wed 6 h + Thu 8 h + Fri 8 h + Mon 5 h = 27 h.
        #expect(try calc.workingTime(from: pause.start, to: pause.end) == 27 * 3600)
        let shift = try calc.deadline(receivedAt: received, limit: .workingDays(5), pauses: [pause], policy: .shift)
        #expect(shift.countFrom == at(2026, 3, 3, 7) && shift.due == at(2026, 3, 13, 10))
        // A pause after the due date does not move it.
        let lateShift = try calc.deadline(receivedAt: received, limit: .workingDays(1),
                                          pauses: [DateInterval(start: at(2026, 3, 5, 9), end: at(2026, 3, 6, 9))], policy: .shift)
        #expect(lateShift.due == at(2026, 3, 3, 17))
        #expect(throws: CalendarError.self) {
            try calc.deadline(receivedAt: received, limit: .workingDays(5), policy: .shift, overlapping: true)
        }
    }

    @Test("Working time and working days between dates")
    func between() throws {
        #expect(try calc.workingTime(from: at(2026, 3, 2, 7), to: at(2026, 3, 2, 17)) == 8 * 3600)
        #expect(try calc.workingTime(from: at(2026, 3, 2, 12), to: at(2026, 3, 2, 13, 30)) == 0)
        #expect(try calc.workingTime(from: at(2026, 3, 6, 16), to: at(2026, 3, 9, 8)) == 2 * 3600)
        #expect(try calc.workingTime(from: at(2026, 3, 9, 8), to: at(2026, 3, 6, 16)) == -2 * 3600)
        #expect(try calc.workingDays(from: date(2026, 3, 2), to: date(2026, 3, 6)) == 4)
        #expect(try calc.workingDays(from: date(2026, 2, 13), to: date(2026, 2, 23)) == 1)
        #expect(try calc.workingDays(from: date(2026, 3, 6), to: date(2026, 3, 2)) == -4)
        #expect(try calc.workingDays(from: date(2026, 1, 1), to: date(2026, 12, 31)) == 249)  // 261 weekdays − 14 days off + 2 make-up Saturdays
        #expect(try calc.addingWorkingDays(1, to: date(2026, 2, 13)) == date(2026, 2, 23))
        #expect(try calc.addingWorkingDays(0, to: date(2026, 2, 14)) == date(2026, 2, 23))
    }

    @Test("Property: due is working day N after the deemed receipt day", arguments: [0, 1, 3, 5, 7, 10, 15, 20, 30, 60, 365])
    func property(n: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let start = date(2010, 1, 1).startInstant.timeIntervalSince1970
        let end = date(2030, 1, 1).startInstant.timeIntervalSince1970
        for _ in 0..<2_000 {
            let received = Date(timeIntervalSince1970: Double.random(in: start..<end, using: &generator))
            let r = try calc.deadline(receivedAt: received, limit: .workingDays(n))
            let deemedDay = GregorianDate(r.deemedReceivedAt), dueDay = GregorianDate(r.due)
            #expect(r.deemedReceivedAt.timeIntervalSince(received) > -0.001)
            #expect(calc.isWorkingDay(deemedDay) && calc.isWorkingDay(dueDay))
            #expect(try calc.workingDays(from: deemedDay, to: dueDay) == n)
            #expect(try calc.workingTime(from: r.deemedReceivedAt, to: received) <= 0)
            let hours = try calc.deadline(receivedAt: received, limit: .workingHours(n))
            #expect(try calc.workingTime(from: hours.countFrom, to: hours.due) == Double(n * 3600))
        }
    }

    @Test("Saturday-morning agency")
    func saturdayMorning() throws {
        let wt = try WorkingTime(saturdayMorning: .init(7, 30, to: 11, 30))
        let c = try DeadlineCalculator(workingTime: wt)
        #expect(try c.deemedReceipt(of: at(2026, 3, 6, 15, 30)) == at(2026, 3, 7, 7, 30))
        #expect(try c.deadline(receivedAt: at(2026, 3, 7, 10), limit: .workingDays(1)).due == at(2026, 3, 9, 17))
        #expect(try c.deadline(receivedAt: at(2026, 3, 6, 10), limit: .workingDays(1)).due == at(2026, 3, 7, 11, 30))
        #expect(try c.deadline(receivedAt: at(2026, 3, 7, 10), limit: .workingHours(2)).due == at(2026, 3, 9, 7, 30))
        #expect(!c.isWorkingDay(date(2026, 2, 14)))  // Saturday inside the Tết break
        #expect(!c.isWorkingDay(date(2026, 3, 8)))
    }

    @Test("Invalid input throws CalendarError with a Vietnamese message")
    func invalid() throws {
        #expect(throws: CalendarError.self) { try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingDays(-1)) }
        #expect(throws: CalendarError.self) { try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .calendarDays(3651)) }
        #expect(throws: CalendarError.self) { try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingHours(30_000)) }
        #expect(throws: CalendarError.self) { try calc.deadline(receivedAt: Date(timeIntervalSince1970: -3e9), limit: .workingDays(1)) }
        #expect(throws: CalendarError.self) { try calc.deadline(receivedAt: at(2199, 12, 20, 10), limit: .workingDays(30)) }
        #expect(throws: CalendarError.self) { try WorkingTime(sessions: []) }
        #expect(throws: CalendarError.self) { try WorkingTime(sessions: [.init(13, 0, to: 17, 0), .init(7, 0, to: 11, 0)]) }
        #expect(throws: CalendarError.self) { try WorkingTime(workingWeekdays: [0]) }
        #expect(throws: CalendarError.self) { try calc.workingDays(from: date(1899, 12, 31), to: date(2026, 1, 1)) }
        do {
            _ = try calc.deadline(receivedAt: at(2026, 3, 2, 10), limit: .workingDays(5000))
            Issue.record("expected an error")
        } catch let e as CalendarError {
            #expect(e.message == "Thời hạn không hợp lệ: 5000 ngày vượt quá giới hạn 3650 ngày.")
        }
        #expect(WorkingTime.standard.minutesPerDay == 480)
    }
}

extension DeadlineCalculator {
    /// Test helper: overlapping pauses must be rejected.
    fileprivate func deadline(receivedAt: Date, limit: TimeLimit, policy: PausePolicy, overlapping: Bool) throws -> Deadline {
        let a = DateInterval(start: receivedAt.addingTimeInterval(3600), duration: 86400 * 2)
        let b = DateInterval(start: receivedAt.addingTimeInterval(7200), duration: 3600)
        return try deadline(receivedAt: receivedAt, limit: limit, pauses: [a, b], policy: policy)
    }
}
