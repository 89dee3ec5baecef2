/// Working hours of an agency (thời gian làm việc của cơ quan), in Vietnam civil time
/// (fixed UTC+7; no time-zone database is used).
///
/// Defaults: Monday–Friday, sessions 07:00–11:30 and 13:30–17:00 (8 working hours = one
/// working day), receipt cut-off 15:00, no Saturday session.
public struct WorkingTime: Codable, Hashable, Sendable {
    /// A working session within a day, in minutes after midnight (ca làm việc).
    public struct Session: Codable, Hashable, Sendable {
        /// Start, minutes after midnight (e.g. 420 = 07:00).
        public var start: Int
        /// End, minutes after midnight (e.g. 690 = 11:30); must be after `start`.
        public var end: Int

        /// A session from `start` to `end` given as hours and minutes.
        public init(_ startHour: Int, _ startMinute: Int, to endHour: Int, _ endMinute: Int) {
            start = startHour * 60 + startMinute
            end = endHour * 60 + endMinute
        }

        /// Length in minutes.
        public var minutes: Int { end - start }
    }

    /// Working weekdays (ISO: 1 = Monday … 7 = Sunday) with the full `sessions`.
    public var workingWeekdays: Set<Int>
    /// Sessions of a working weekday, in order, non-overlapping.
    public var sessions: [Session]
    /// Optional Saturday-morning session (làm việc sáng thứ Bảy). When set, every Saturday
    /// that is not a listed day off is a working day with this one session, for receipt, for
    /// working hours and for counting working days.
    public var saturdayMorning: Session?
    /// Receipt cut-off, minutes after midnight (default 15:00 = 900): a dossier received at
    /// or after it counts as received at the start of the next working day (NĐ 61/2018
    /// art. 18; Luật Hộ tịch art. 5.3; NĐ 63/2024). `nil` disables the rule (then only
    /// receipt after the last session moves to the next working day).
    public var receiptCutoff: Int?

    /// The standard schedule of state agencies.
    public static let standard = WorkingTime(
        workingWeekdays: [1, 2, 3, 4, 5],
        sessions: [Session(7, 0, to: 11, 30), Session(13, 30, to: 17, 0)],
        saturdayMorning: nil, receiptCutoff: 15 * 60, validated: ())

    private init(workingWeekdays: Set<Int>, sessions: [Session], saturdayMorning: Session?,
                 receiptCutoff: Int?, validated: ()) {
        self.workingWeekdays = workingWeekdays
        self.sessions = sessions
        self.saturdayMorning = saturdayMorning
        self.receiptCutoff = receiptCutoff
    }

    /// Creates and validates a working-time configuration.
    /// - Throws: `CalendarError.invalidWorkingTime` when sessions are empty, overlapping,
    ///   unordered or outside 00:00–24:00, or weekdays are not in 1…7.
    public init(workingWeekdays: Set<Int> = [1, 2, 3, 4, 5],
                sessions: [Session] = WorkingTime.standard.sessions,
                saturdayMorning: Session? = nil,
                receiptCutoff: Int? = 15 * 60) throws {
        self.init(workingWeekdays: workingWeekdays, sessions: sessions, saturdayMorning: saturdayMorning,
                  receiptCutoff: receiptCutoff, validated: ())
        try validate()
    }

    /// Checks the configuration (also useful after decoding).
    /// - Throws: `CalendarError.invalidWorkingTime`.
    public func validate() throws {
        guard !sessions.isEmpty else { throw CalendarError.invalidWorkingTime("chưa có ca làm việc") }
        guard !workingWeekdays.isEmpty, workingWeekdays.allSatisfy({ (1...7).contains($0) }) else {
            throw CalendarError.invalidWorkingTime("ngày làm việc trong tuần phải thuộc 1…7")
        }
        var last = 0
        for s in sessions {
            guard s.start >= last, s.end > s.start, s.end <= 24 * 60 else {
                throw CalendarError.invalidWorkingTime("ca làm việc phải tăng dần, không chồng lấn, trong 00:00–24:00")
            }
            last = s.end
        }
        if let sat = saturdayMorning {
            guard sat.start >= 0, sat.end > sat.start, sat.end <= 24 * 60 else {
                throw CalendarError.invalidWorkingTime("ca sáng thứ Bảy không hợp lệ")
            }
            guard !workingWeekdays.contains(6) else {
                throw CalendarError.invalidWorkingTime("thứ Bảy đã là ngày làm việc cả ngày")
            }
        }
        if let c = receiptCutoff, !(0...(24 * 60)).contains(c) {
            throw CalendarError.invalidWorkingTime("giờ chốt tiếp nhận phải trong 00:00–24:00")
        }
    }

    /// Working minutes of a full weekday (480 by default: one working day = 8 hours).
    public var minutesPerDay: Int { sessions.reduce(0) { $0 + $1.minutes } }
}
