import Fluent
import Foundation
import OneStop
import Testing
import TestSupport
import Vapor

/// Captures what would be sent; fails on demand.
final class RecordingSender: MessageSender, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [OutgoingMessage] = []
    let failing: Bool
    init(failing: Bool = false) { self.failing = failing }
    var sent: [OutgoingMessage] { lock.withLock { messages } }
    func send(_ message: OutgoingMessage) async throws {
        struct GatewayDown: Error {}
        if failing { throw GatewayDown() }
        lock.withLock { messages.append(message) }
    }
}

@Suite("Notifications outbox")
struct NotificationTests {
    @Test func receiptIsNotifiedByEmailAndSMSAfterCommit() async throws {
        try await withApp { app async throws in
            let email = RecordingSender(), sms = RecordingSender()
            app.messageSenders = [.email: email, .sms: sms]
            let officer = try await DossierTests.Official(app, "motcua.tinh")
            let code = try await officer.post("/api/v1/dossiers", DossierTests.businessRegistration()).decode(DossierTests.DossierBody.self).code
            #expect(try await officer.act(code, "receive").status == .ok)
            // A refused action (already received) queues nothing more.
            #expect(try await officer.act(code, "receive").status == .conflict)
            let now = (app.clock as! TestClock).now()
            // The seeded demo queued messages of its own; send everything due.
            try await OutboxDispatcher.runOnce(app: app, now: now, limit: 1000)
            // The applicant gave a phone number and no e-mail address.
            #expect(email.sent.filter { $0.subject.contains(code) }.isEmpty)
            let mine = sms.sent.filter { $0.subject.contains(code) }
            #expect(mine.count == 1)
            #expect(mine.first?.subject == "Hồ sơ \(code) đã được tiếp nhận")
            #expect(mine.first?.body.contains("Hẹn trả kết quả") == true)
            #expect(sms.sent.first { $0.subject.contains(code) }?.recipient == "0912345678")
            // Nothing is sent twice.
            #expect(try await OutboxDispatcher.runOnce(app: app, now: now.addingTimeInterval(60), limit: 1000) == 0)
        }
    }

    @Test func failuresAreRetriedWithBackoffThenGivenUp() async throws {
        try await withApp { app async throws in
            app.messageSenders = [.email: RecordingSender(failing: true), .sms: RecordingSender(failing: true)]
            let officer = try await DossierTests.Official(app, "motcua.tinh")
            let code = try await officer.post("/api/v1/dossiers", DossierTests.businessRegistration()).decode(DossierTests.DossierBody.self).code
            _ = try await officer.act(code, "receive")
            var now = (app.clock as! TestClock).now()
            try await OutboxDispatcher.runOnce(app: app, now: now, limit: 1000)
            let afterFirst = try await OutboxProbe.rows(code, on: app.db)
            #expect(afterFirst.count == 1 && afterFirst.allSatisfy { $0.attempts == 1 && $0.sentAt == nil })
            // Not retried before the delay (one minute after the first failure).
            try await OutboxDispatcher.runOnce(app: app, now: now.addingTimeInterval(30), limit: 1000)
            #expect(try await OutboxProbe.rows(code, on: app.db).allSatisfy { $0.attempts == 1 })
            for _ in 0..<10 {
                now = now.addingTimeInterval(7 * 3600)
                try await OutboxDispatcher.runOnce(app: app, now: now, limit: 1000)
            }
            let final = try await OutboxProbe.rows(code, on: app.db)
            #expect(final.allSatisfy { $0.attempts == OutboxDispatcher.maxAttempts && $0.failedAt != nil && $0.lastError != nil })
        }
    }
}

/// Reads the outbox rows of a dossier without exposing the model.
final class OutboxProbe: Model, @unchecked Sendable {
    static let schema = "notification_outbox"
    @ID(key: .id) var id: UUID?
    @Field(key: "dossier_code") var dossierCode: String
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "sent_at") var sentAt: Date?
    @OptionalField(key: "failed_at") var failedAt: Date?
    @OptionalField(key: "last_error") var lastError: String?
    init() {}

    static func rows(_ code: String, on db: any Database) async throws -> [OutboxProbe] {
        try await OutboxProbe.query(on: db).filter(\.$dossierCode == code).all()
    }
}
