import Fluent
import Vapor

/// The working calendar (Lịch làm việc): `VNCalendar` as the province administers it — holiday
/// schedules with administrators' overrides, agencies' working time — and the deadline
/// calculators the other modules use.
public enum WorkCalendar {
    public static var migrations: [any Migration] { [CreateWorkCalendarSchema()] }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: CalendarPages())
        try pages.register(collection: CalendarAdminPages())
        try api.register(collection: CalendarAPI())
    }
}
