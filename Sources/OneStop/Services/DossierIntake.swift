import Fluent
import Foundation
import Kernel
import SQLKit
import VNCalendar

/// A validated submission ready to be written: the dossier (without its code), its files and
/// its first audit entry and sync message. Concurrent intakes are written together
/// (`GroupCommit.write`): one code reservation per agency and day and one multi-row insert per
/// table, in one durable commit, which is what lets the desk and the portal take a burst of
/// submissions on a small server.
struct DossierIntake: BatchableWrite {
    let dossier: Dossier
    let attachments: [DossierAttachment]
    /// The attachments' bytes, being synced to disk while the rows are written.
    let files: [StagedAttachment]
    let event: DossierEvent
    let syncMessage: NationalSyncMessage
    let observers: [any DossierObserver]

    static func write(_ batch: [DossierIntake], on db: any Database) async throws -> [Dossier] {
        guard let sql = db as? any SQLDatabase else { throw OneStopError.internalState("SQL database required") }
        // Codes: one reservation per receiving agency and day, handed out in arrival order.
        var waiting: [String: [Dossier]] = [:]
        var order: [String] = []
        for i in batch {
            let day = GregorianDate(i.dossier.submittedAt)
            let key = "\(i.dossier.receivingAgency)|\(day.year)-\(day.month)-\(day.day)"
            if waiting[key] == nil { order.append(key) }
            waiting[key, default: []].append(i.dossier)
        }
        for key in order {
            let dossiers = waiting[key] ?? []
            let codes = try await DossierCode.reserve(dossiers.count, agency: dossiers[0].receivingAgency, at: dossiers[0].submittedAt, on: sql)
            for (d, code) in zip(dossiers, codes) { d.code = code }
        }
        try await BulkInsert.rows(batch.map(\.dossier.row), into: Dossier.schema, on: sql)
        try await BulkInsert.rows(batch.flatMap { $0.attachments.map(\.row) }, into: DossierAttachment.schema, on: sql)
        try await BulkInsert.rows(batch.map(\.event.row), into: DossierEvent.schema, on: sql)
        try await BulkInsert.rows(batch.map(\.syncMessage.row), into: NationalSyncMessage.schema, on: sql)
        // The rows commit only after the bytes they point at are on disk.
        for i in batch { for f in i.files { try await f.durable() } }
        // A dossier submitted online and not yet received is in no statistics: only counter and
        // postal entries (received at once) concern the observers here.
        let received = batch.filter { $0.dossier.currentStatus != .submitted }
            .map { NewDossier(line: 0, dossier: $0.dossier, events: [$0.event], attachments: $0.attachments, payment: nil) }
        try await (batch.first?.observers ?? []).notify(created: received, on: db)
        for i in batch {
            i.dossier.$id.exists = true
            for a in i.attachments { a.$id.exists = true }
        }
        return batch.map(\.dossier)
    }
}

// The rows are written by `BulkInsert` rather than Fluent's `create`, which reflects over every
// model's property several times per row: on the intake path that cost more than the database
// did. `IntakeRowTests` keeps the columns in step with the models.

extension Dossier {
    /// Every column, for `BulkInsert`.
    var row: SQLCells {
        [("id", id), ("code", code), ("procedure_code", procedureCode), ("procedure_version", procedureVersion),
         ("procedure_name", procedureName), ("field_code", fieldCode), ("channel", channel), ("status", status),
         ("resume_status", resumeStatus), ("applicant_user_id", applicantUserID), ("applicant_name", applicantName),
         ("applicant_identity", applicantIdentity), ("applicant_phone", applicantPhone), ("applicant_email", applicantEmail),
         ("summary", summary), ("form_data", formData), ("receiving_agency", receivingAgency), ("deciding_agency", decidingAgency),
         ("processing_hours", processingHours), ("submitted_at", submittedAt), ("received_at", receivedAt), ("due_at", dueAt),
         ("finished_at", finishedAt), ("returned_at", returnedAt), ("refused_at", refusedAt), ("idempotency_key", idempotencyKey),
         ("rating", rating), ("original_due_at", originalDueAt), ("outcome", outcome), ("warned_at", warnedAt),
         ("paid_online", paidOnline), ("source", source), ("national_code", nationalCode), ("vneid_verified", vneidVerified),
         ("revision", revision)]
    }
}

extension DossierAttachment {
    var row: SQLCells {
        [("id", id), ("dossier_id", dossierID), ("sha256", sha256), ("file_name", fileName), ("kind", kind), ("size", size),
         ("document", document), ("uploaded_at", uploadedAt), ("uploaded_by", uploadedBy), ("purpose", purpose),
         ("digitised", digitised), ("reused", reused), ("electronic_result", electronicResult)]
    }
}

extension DossierEvent {
    var row: SQLCells {
        [("id", id), ("dossier_id", dossierID), ("seq", seq), ("action", action), ("from_status", fromStatus),
         ("to_status", toStatus), ("actor_id", actorID), ("actor_name", actorName), ("at", at), ("comment", comment),
         ("prev_hash", prevHash), ("hash", hash)]
    }
}

extension NationalSyncMessage {
    var row: SQLCells {
        [("id", id), ("dossier_id", dossierID), ("created_at", createdAt), ("attempts", attempts),
         ("next_attempt_at", nextAttemptAt), ("sent_at", sentAt), ("failed_at", failedAt), ("last_error", lastError), ("payload", payload)]
    }
}
