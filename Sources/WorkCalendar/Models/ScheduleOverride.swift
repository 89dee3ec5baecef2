import Fluent
import Foundation

/// A year's holiday schedule as an administrator entered it, replacing the shipped or computed one
/// (for a future year whose decision came out after the release, or a correction).
final class ScheduleOverride: Model, @unchecked Sendable {
    static let schema = "calendar_year_schedules"

    @ID(key: .id) var id: UUID?
    @Field(key: "year") var year: Int
    /// The `VNCalendar.YearSchedule` as JSON.
    @Field(key: "schedule") var schedule: String
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "updated_by") var updatedBy: UUID?

    init() {}
}

/// An agency whose working time differs from the standard Monday–Friday 07:00–11:30, 13:30–17:00
/// (e.g. a one-stop centre open on Saturday mornings).
final class AgencyWorkingTime: Model, @unchecked Sendable {
    static let schema = "agency_working_times"

    @ID(key: .id) var id: UUID?
    @Field(key: "agency_code") var agencyCode: String
    /// The `VNCalendar.WorkingTime` as JSON.
    @Field(key: "working_time") var workingTime: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

struct CreateWorkCalendarSchema: AsyncMigration {
    var name: String { "workcalendar.001.schema" }

    func prepare(on db: any Database) async throws {
        try await db.schema(ScheduleOverride.schema)
            .id()
            .field("year", .int, .required)
            .field("schedule", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .uuid)
            .unique(on: "year")
            .create()
        try await db.schema(AgencyWorkingTime.schema)
            .id()
            .field("agency_code", .string, .required)
            .field("working_time", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "agency_code")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(AgencyWorkingTime.schema).delete()
        try await db.schema(ScheduleOverride.schema).delete()
    }
}
