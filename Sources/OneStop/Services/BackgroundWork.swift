import Directory
import Fluent
import Foundation
import Kernel
import NIOCore
import SQLKit
import Vapor

/// Work the one-stop does on a schedule while the server runs: sending notifications, syncing to
/// the national portal, re-checking online payments and warning of dossiers about to be late.
/// Each pass is idempotent, so a pass cut short by a restart is simply run again.
public enum BackgroundWork {
    public static func schedule(on app: Application, every interval: Int64 = 15) {
        app.lifecycle.use(Lifecycle(interval: interval))
    }

    public typealias Job = @Sendable (Application, Date) async throws -> Void
    private struct JobsKey: StorageKey { typealias Value = [(String, Job)] }

    /// Adds another module's pass to every run (the composition root does this before serving).
    public static func register(_ name: String, on app: Application, _ job: @escaping Job) {
        app.storage[JobsKey.self] = (app.storage[JobsKey.self] ?? []) + [(name, job)]
    }

    /// One pass of everything; what failed is logged and retried on the next pass.
    public static func runOnce(app: Application, now: Date) async {
        let own: [(String, Job)] = [
            ("notification outbox", { app, now in try await OutboxDispatcher.runOnce(app: app, now: now) }),
            ("national sync", { app, now in try await NationalSync.runOnce(app: app, now: now) }),
            ("payment re-check", { app, now in try await Payments.recheck(app: app, now: now) }),
            ("late warnings", { app, now in try await LateWarnings.runOnce(app: app, now: now) }),
        ]
        for (name, job) in own + (app.storage[JobsKey.self] ?? []) {
            do { try await job(app, now) } catch { app.logger.warning("\(name) pass failed: \(String(reflecting: error))") }
        }
    }

    struct Lifecycle: LifecycleHandler {
        let interval: Int64
        private struct TaskKey: StorageKey { typealias Value = RepeatedTask }

        func shutdownAsync(_ app: Application) async {
            app.storage[TaskKey.self]?.cancel()
        }

        func didBootAsync(_ app: Application) async throws {
            let loop = app.eventLoopGroup.next()
            app.storage[TaskKey.self] = loop.scheduleRepeatedAsyncTask(initialDelay: .seconds(interval), delay: .seconds(interval)) { _ in
                loop.makeFutureWithTask { await BackgroundWork.runOnce(app: app, now: Date()) }
            }
        }
    }
}

/// No later than one working day before the due date, the officials handling a dossier are
/// warned (NĐ 118/2025 art. 19: the late agency must apologise and set a new date in time).
public enum LateWarnings {
    static let running = [DossierStatus.received, .processing, .paymentRequested].map(\.rawValue)

    /// Warns for every running dossier due within one working day; returns how many were warned.
    @discardableResult
    public static func runOnce(app: Application, now: Date) async throws -> Int {
        // Cheap bound first: one working day never spans more than the longest Tết break plus a weekend.
        let candidates = try await Dossier.query(on: app.db).filter(\.$status ~~ running).filter(\.$warnedAt == nil)
            .filter(\.$dueAt != nil).filter(\.$dueAt < now.addingTimeInterval(14 * 86_400)).limit(500).all()
        var warned = 0
        for d in candidates {
            guard let due = d.dueAt else { continue }
            let calculator = try await app.workCalendar.calculator(agencyCode: d.decidingAgency, on: app.db)
            let left = due <= now ? 0 : try calculator.workingTime(from: now, to: due)
            guard left <= 8 * 3600 else { continue }
            let agency = try await Agency.query(on: app.db).filter(\.$code == d.decidingAgency).first()
            let id = try d.requireID()
            let text = left == 0 ? "đã quá hạn" : "đến hạn trả kết quả lúc \(VietnamTime.display(due))"
            let claimed = try await app.groupCommit.transaction { db -> Bool in
                // Conditional: of two passes running at once, one warns.
                struct Row: Decodable { var id: UUID }
                guard let sql = db as? any SQLDatabase,
                      try await sql.update(Dossier.schema).set("warned_at", to: now).where("id", .equal, id)
                          .where("warned_at", .is, SQLLiteral.null).returning("id").first(decoding: Row.self) != nil
                else { return false }
                try await AuditChain.append(dossierID: id, action: "warn-late", from: d.currentStatus, to: d.currentStatus, actorID: nil,
                                            actorName: "Hệ thống", at: now, comment: "Cảnh báo: hồ sơ \(text)", on: db)
                if let email = agency?.email, !email.isEmpty {
                    try await Notifier.queue(code: d.code, channel: "email", recipient: email, subject: "Cảnh báo hồ sơ \(d.code) sắp quá hạn",
                                             body: "Hồ sơ \(d.code) (\(d.procedureName)) \(text). Nếu không kịp, đề nghị gửi phiếu xin lỗi và hẹn lại ngày trả (Mẫu 04).",
                                             now: now, on: db)
                }
                return true
            }
            if claimed { warned += 1 }
        }
        return warned
    }
}
