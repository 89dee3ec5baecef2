import Fluent
import Foundation
import SQLKit

/// A message to an applicant waiting in the outbox. It is written in the same transaction as the
/// action that caused it, so it is never lost and never sent for an action that rolled back;
/// sending happens later and never holds up the officer.
final class OutboxMessage: Model, @unchecked Sendable {
    static let schema = "notification_outbox"

    @ID(key: .id) var id: UUID?
    @Field(key: "dossier_code") var dossierCode: String
    /// `email` or `sms`.
    @Field(key: "channel") var channel: String
    @Field(key: "recipient") var recipient: String
    @Field(key: "subject") var subject: String
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    /// Set when the message was given up on after the last attempt.
    @OptionalField(key: "failed_at") var failedAt: Date?
    @OptionalField(key: "last_error") var lastError: String?

    init() {}
}

struct CreateOutbox: AsyncMigration {
    var name: String { "onestop.002.notification-outbox" }

    func prepare(on db: any Database) async throws {
        try await db.schema(OutboxMessage.schema)
            .id()
            .field("dossier_code", .string, .required)
            .field("channel", .string, .required)
            .field("recipient", .string, .required)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("failed_at", .datetime)
            .field("last_error", .string)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "notification_outbox_due").on(OutboxMessage.schema).column("sent_at").column("next_attempt_at").run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema(OutboxMessage.schema).delete()
    }
}
