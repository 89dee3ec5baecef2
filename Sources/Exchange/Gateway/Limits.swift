import Fluent
import Foundation
import Kernel
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Giới hạn gọi: each consumer system's rate (a token bucket, burst of one second's worth) and
/// daily quota (reset at midnight in Vietnam). A refused call gets 429 with `Retry-After`.
/// The quota's count starts, each day and each process, from that day's records in the message
/// log, so a restart does not hand out a fresh quota.
final class CallLimiter: Sendable {
    struct State { var tokens: Double; var refilled: UInt64; var day: Int; var used: Int }
    private let states = NIOLockedValueBox<[UUID: State]>([:])
    /// The monotonic clock the bucket refills by, in nanoseconds (a test's own, to hold it still).
    let uptime: @Sendable () -> UInt64

    init(uptime: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) { self.uptime = uptime }

    /// The outcomes of calls refused before they reached `admit`, or by it: logged under the
    /// client they named, but not the client's calls (anyone can name a client without its key).
    static let refusedBeforeAdmission = [
        "Client.BadRequest.MissingClientHeader", "Client.BadRequest.InvalidClientId", "Client.BadRequest.InvalidServiceId",
        "Client.Unauthorized", "Client.IdentityMismatch", "Client.SystemSuspended", "Client.UnknownClient", "Client.RateLimited", "Client.QuotaExceeded",
        "Server.ClientProxy.InternalError",
    ]

    struct Refusal: Error, Equatable { var type: String; var message: String; var retryAfter: Int }

    /// Admits one call by `system` or says when to come back.
    func admit(system: UUID, subsystem: String, ratePerSecond: Int?, dailyQuota: Int?, now: Date, db: any Database) async throws -> Refusal? {
        guard ratePerSecond != nil || dailyQuota != nil else { return nil }
        let today = VietnamTime.dayNumber(now)
        var startingCount: Int?
        if dailyQuota != nil, states.withLockedValue({ $0[system]?.day }) != today {
            let midnight = VietnamTime.startOfDay(VietnamTime.isoDay(today))!
            startingCount = try await MessageRecord.query(on: db).filter(\.$client == subsystem).filter(\.$at >= midnight)
                .filter(\.$errorType !~ Self.refusedBeforeAdmission).count()
        }
        let clock = uptime()
        return states.withLockedValue { all -> Refusal? in
            // The first call of the day to get here starts the count; others that also read it add to it.
            var s = all[system] ?? State(tokens: Double(ratePerSecond ?? 0), refilled: clock, day: -1, used: 0)
            if s.day != today { (s.day, s.used) = (today, startingCount ?? 0) }
            if let rate = ratePerSecond {
                s.tokens = min(Double(rate), s.tokens + Double(clock - s.refilled) / 1e9 * Double(rate))
                s.refilled = clock
                guard s.tokens >= 1 else {
                    all[system] = s
                    return Refusal(type: "Client.RateLimited", message: "Vượt giới hạn \(rate) lời gọi mỗi giây.",
                                   retryAfter: max(1, Int(((1 - s.tokens) / Double(rate)).rounded(.up))))
                }
            }
            if let quota = dailyQuota, s.used >= quota {
                all[system] = s
                let midnight = VietnamTime.startOfDay(VietnamTime.isoDay(today + 1))!
                return Refusal(type: "Client.QuotaExceeded", message: "Đã dùng hết hạn mức \(quota) lời gọi trong ngày.",
                               retryAfter: max(1, Int(midnight.timeIntervalSince(now).rounded(.up))))
            }
            if ratePerSecond != nil { s.tokens -= 1 }
            s.used += 1
            all[system] = s
            return nil
        }
    }
}

struct AddCallLimits: AsyncMigration {
    var name: String { "exchange.004.call-limits" }
    func prepare(on db: any Database) async throws {
        try await db.schema(InformationSystem.schema).field("rate_per_second", .int).update()
        try await db.schema(InformationSystem.schema).field("daily_quota", .int).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema(InformationSystem.schema).deleteField("daily_quota").update()
        try await db.schema(InformationSystem.schema).deleteField("rate_per_second").update()
    }
}

/// The quota's first count of the day reads a caller's records since midnight: without this index
/// it scanned the whole log.
struct IndexLogByClient: AsyncMigration {
    var name: String { "exchange.008.log-by-client" }
    func prepare(on db: any Database) async throws {
        try await (db as? any SQLDatabase)?.create(index: "exchange_messages_client_at").on(MessageRecord.schema).column("client").column("at").run()
    }
    func revert(on db: any Database) async throws {
        try await (db as? any SQLDatabase)?.drop(index: "exchange_messages_client_at").run()
    }
}

extension Application {
    private struct LimiterKey: StorageKey { typealias Value = CallLimiter }
    var callLimiter: CallLimiter {
        get {
            if let l = storage[LimiterKey.self] { return l }
            let l = CallLimiter()
            storage[LimiterKey.self] = l
            return l
        }
        set { storage[LimiterKey.self] = newValue }
    }
}
