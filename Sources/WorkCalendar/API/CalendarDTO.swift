import Foundation
import VNCalendar
import Vapor

/// One day in both calendars, as `/api/v1/calendar/lunar` returns it.
struct LunarDayDTO: Content {
    struct Lunar: Content { var day: Int; var month: Int; var year: Int; var leap: Bool }
    struct Names: Content { var day: String; var month: String; var year: String }
    var date: String
    var lunar: Lunar
    var canChi: Names

    init(_ date: GregorianDate) throws {
        let l = try WorkCalendarError.wrap { try LunarCalendar.lunar(from: date) }
        self.date = date.iso
        self.lunar = Lunar(day: l.day, month: l.month, year: l.year, leap: l.isLeapMonth)
        self.canChi = Names(day: CanChi.day(julianDay: date.julianDay).name, month: l.monthCanChi.name, year: l.yearCanChi.name)
    }
}

struct LunarRangeDTO: Content {
    var days: [LunarDayDTO]
}

struct HolidaysDTO: Content {
    struct Day: Content { var date: String; var name: String; var kind: String; var source: String? }
    struct Weekend: Content { var date: String; var name: String; var source: String? }
    var year: Int
    var daysOff: [Day]
    var workingWeekends: [Weekend]
    /// Where the schedule comes from: `official` (shipped decisions), `override` (entered by an
    /// administrator) or `statutory` (computed from the Labour Code, no decision yet).
    var basis: String
}

struct DueDTO: Content {
    var receivedAt: String
    var countFrom: String
    var due: String
}

struct CountDTO: Content {
    var count: Int
}
