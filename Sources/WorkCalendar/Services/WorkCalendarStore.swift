import Directory
import Fluent
import Foundation
import VNCalendar
import Vapor

/// The working calendar as administered: the shipped schedules with the administrators'
/// overrides, and each agency's working time. Building a calculator takes milliseconds, so they
/// are cached until an administrator changes something. The cache lives in this process; a
/// deployment with several server processes sees an edit in the others after their restart.
public actor WorkCalendarStore {
    private var holidays: HolidayCalendar?
    private var calculators: [String: DeadlineCalculator] = [:]

    public init() {}

    /// The holiday calendar with the administrators' overrides applied.
    public func holidayCalendar(on db: any Database) async throws -> HolidayCalendar {
        if let holidays { return holidays }
        let decoder = JSONDecoder()
        let overrides = try await ScheduleOverride.query(on: db).all().map {
            try decoder.decode(YearSchedule.self, from: Data($0.schedule.utf8))
        }
        let built = try WorkCalendarError.wrap { try HolidayCalendar(overrides: overrides) }
        holidays = built
        return built
    }

    /// The deadline calculator for an agency (standard working time when the agency has none of
    /// its own, or when `agencyCode` is nil).
    public func calculator(agencyCode: String?, on db: any Database) async throws -> DeadlineCalculator {
        let key = agencyCode ?? ""
        if let cached = calculators[key] { return cached }
        let workingTime = try await Self.workingTime(agencyCode: agencyCode, on: db)
        let holidays = try await holidayCalendar(on: db)
        let calculator = try WorkCalendarError.wrap { try DeadlineCalculator(workingTime: workingTime, holidays: holidays) }
        calculators[key] = calculator
        return calculator
    }

    static func workingTime(agencyCode: String?, on db: any Database) async throws -> WorkingTime {
        guard let agencyCode else { return .standard }
        guard try await Agency.query(on: db).filter(\.$code == agencyCode).count() > 0 else {
            throw WorkCalendarError.agencyNotFound(agencyCode)
        }
        guard let record = try await AgencyWorkingTime.query(on: db).filter(\.$agencyCode == agencyCode).first() else {
            return .standard
        }
        let decoded = try JSONDecoder().decode(WorkingTime.self, from: Data(record.workingTime.utf8))
        try WorkCalendarError.wrap { try decoded.validate() }
        return decoded
    }

    /// Forgets everything cached; called after an administrator's change.
    public func invalidate() {
        holidays = nil
        calculators = [:]
    }
}

extension Application {
    private struct StoreKey: StorageKey { typealias Value = WorkCalendarStore }

    /// The working calendar other modules use: `try await app.workCalendar.calculator(agencyCode:on:)`.
    public var workCalendar: WorkCalendarStore {
        if let store = storage[StoreKey.self] { return store }
        let store = WorkCalendarStore()
        storage[StoreKey.self] = store
        return store
    }
}
