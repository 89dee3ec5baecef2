import Fluent
import Foundation
import Kernel
import OneStop
import SQLKit

/// Derives `DossierFact`s from what OneStop wrote: the dossier row, its audit trail (when it was
/// received, asked for supplements, ended) and its files and fees. Reads only; three queries per
/// batch of dossiers whatever its size.
public enum FactDerivation {
    struct DossierRow: Decodable {
        var id: UUID
        var code: String
        var procedure_code: String
        var field_code: String
        var deciding_agency: String
        var channel: Int
        var status: Int
        var due_at: Date?
        var original_due_at: Date?
        var rating: Int?
        var paid_online: Int?
        var vneid_verified: Bool
        var applicant_user_id: UUID?
        var outcome: String?
    }

    struct EventRow: Decodable {
        var dossier_id: UUID
        var seq: Int
        var action: String
        var from_status: Int?
        var to_status: Int
        var at: Date
    }

    struct AttachmentRow: Decodable {
        var dossier_id: UUID
        var purpose: String
        var reused: Bool
        var electronic_result: Bool
    }

    struct PaymentRow: Decodable {
        var dossier_id: UUID
        var total: Int
    }

    /// The facts of the given dossiers; a dossier not (yet) received nor refused has none.
    static func facts(_ ids: [UUID], on sql: any SQLDatabase) async throws -> [UUID: DossierFact] {
        var out: [UUID: DossierFact] = [:]
        // Under every database's bound-parameter limit.
        for start in stride(from: 0, to: ids.count, by: 2000) {
            let chunk = Array(ids[start..<min(ids.count, start + 2000)])
            let dossiers = try await sql.select()
                .columns("id", "code", "procedure_code", "field_code", "deciding_agency", "channel", "status", "due_at", "original_due_at",
                         "rating", "paid_online", "vneid_verified", "applicant_user_id", "outcome")
                .from("dossiers").where("id", .in, chunk).all(decoding: DossierRow.self)
            let events = Dictionary(grouping: try await sql.select()
                .columns("dossier_id", "seq", "action", "from_status", "to_status", "at")
                .from("dossier_events").where("dossier_id", .in, chunk).all(decoding: EventRow.self), by: \.dossier_id)
            let files = Dictionary(grouping: try await sql.select()
                .columns("dossier_id", "purpose", "reused", "electronic_result")
                .from("dossier_attachments").where("dossier_id", .in, chunk).all(decoding: AttachmentRow.self), by: \.dossier_id)
            let fees = Dictionary(grouping: try await sql.select().columns("dossier_id", "total")
                .from("dossier_payments").where("dossier_id", .in, chunk).all(decoding: PaymentRow.self), by: \.dossier_id)
            for d in dossiers {
                let trail = (events[d.id] ?? []).sorted { $0.seq < $1.seq }
                if let f = fact(d, events: trail, files: files[d.id] ?? [], fees: fees[d.id] ?? []) { out[d.id] = f }
            }
        }
        return out
    }

    /// The fact of a dossier not written yet (an import's), from its models.
    public static func fact(of p: NewDossier) -> DossierFact? {
        let d = p.dossier
        guard let id = d.id else { return nil }
        let row = DossierRow(id: id, code: d.code, procedure_code: d.procedureCode, field_code: d.fieldCode, deciding_agency: d.decidingAgency,
                             channel: d.channel, status: d.status, due_at: d.dueAt, original_due_at: d.originalDueAt, rating: d.rating,
                             paid_online: d.paidOnline, vneid_verified: d.vneidVerified, applicant_user_id: d.applicantUserID, outcome: d.outcome)
        return fact(row, events: p.events.map { EventRow(dossier_id: id, seq: $0.seq, action: $0.action, from_status: $0.fromStatus, to_status: $0.toStatus, at: $0.at) },
                    files: p.attachments.map { AttachmentRow(dossier_id: id, purpose: $0.purpose, reused: $0.reused, electronic_result: $0.electronicResult) },
                    fees: p.payment.map { [PaymentRow(dossier_id: id, total: $0.total)] } ?? [])
    }

    static func fact(_ d: DossierRow, events: [EventRow], files: [AttachmentRow], fees: [PaymentRow]) -> DossierFact? {
        let day: (Date) -> Int = { VietnamTime.dayNumber($0) }
        let (supplementRequested, notReceived) = (DossierStatus.supplementRequested.rawValue, DossierStatus.notReceived.rawValue)
        let receivedAt = events.first { $0.action == "enter" || $0.action == DossierAction.receive.rawValue }?.at
        let notReceivedAt = events.first { $0.to_status == notReceived }?.at
        guard receivedAt != nil || notReceivedAt != nil else { return nil }

        // The first of: a decision, the applicant's withdrawal request, a stop (only a received dossier ends).
        let endStatuses = [DossierStatus.withdrawalRequested, .stopped, .resolved].map(\.rawValue)
        let end = receivedAt == nil ? nil : events.first { endStatuses.contains($0.to_status) && $0.from_status != $0.to_status }
        let endedAt = end?.at
        let endKind: DossierFact.EndKind? = end.map { e in
            switch DossierStatus(rawValue: e.to_status) {
            case .resolved: d.outcome == Proposal.refuse.rawValue ? .refused : .granted
            case .withdrawalRequested: .withdrawn
            default: .stopped
            }
        }

        // Supplement episodes after receipt: from the request to the next event leaving that status.
        var episodes: [(Date, Date?)] = []
        if let receivedAt {
            for e in events where e.at >= receivedAt {
                if e.to_status == supplementRequested && e.from_status != supplementRequested { episodes.append((e.at, nil)) }
                else if e.from_status == supplementRequested && e.to_status != supplementRequested, let last = episodes.last, last.1 == nil {
                    episodes[episodes.count - 1].1 = e.at
                }
            }
        }
        if let endedAt, let last = episodes.last, last.1 == nil { episodes[episodes.count - 1].1 = endedAt }
        let pending = episodes.last.map { $0.1 == nil } ?? false

        // QĐ 766 §6.3: measured against the appointment (an apology's new date does not make a
        // late dossier timely); more than one supplement request is late; a single pending
        // request counts as the end point.
        let due = d.original_due_at ?? d.due_at
        let settledAt = endedAt ?? (pending && episodes.count == 1 ? episodes[0].0 : nil)
        var timeliness: DossierFact.Timeliness?
        if let endedAt {
            if episodes.count > 1 || (due.map { endedAt > $0 } ?? false) { timeliness = .late }
            else if let due, day(endedAt) < day(due) { timeliness = .early }
            else { timeliness = .onTime }
        }
        var lateSince: Int?
        if receivedAt != nil {
            var candidates: [Int] = []
            if episodes.count > 1 { candidates.append(day(episodes[1].0)) }
            if let due, settledAt.map({ $0 > due }) ?? true { candidates.append(day(due)) }
            lateSince = candidates.min()
        }

        var seconds: Int64 = 0
        if let receivedAt, let endedAt {
            let paused = episodes.reduce(0.0) { $0 + (($1.1 ?? endedAt).timeIntervalSince($1.0)) }
            seconds = Int64(max(0, endedAt.timeIntervalSince(receivedAt) - paused))
        }
        let eresult = files.contains { $0.electronic_result }
        let granted = endKind == .granted
        let hasComponents = files.contains { $0.purpose != AttachmentPurpose.result.rawValue }
        let reused = files.contains { $0.reused }
        let dayOf: (Date?) -> Int? = { $0.map { day($0) } }
        return DossierFact(
            dossierID: d.id, code: d.code, procedureCode: d.procedure_code, fieldCode: d.field_code, agencyCode: d.deciding_agency,
            channel: d.channel, receivedDay: dayOf(receivedAt), notReceivedDay: receivedAt == nil ? dayOf(notReceivedAt) : nil,
            dueDay: receivedAt == nil ? nil : dayOf(due), endDay: dayOf(endedAt), endKind: endKind, timeliness: timeliness,
            returnedDay: receivedAt == nil ? nil : dayOf(events.first { $0.to_status == DossierStatus.returned.rawValue }?.at),
            lateSinceDay: lateSince,
            supplements: episodes.map { "\(day($0.0))-\($0.1.map { String(day($0)) } ?? "")" }.joined(separator: ","),
            processingSeconds: seconds, withFees: fees.contains { $0.total > 0 }, paidOnline: d.paid_online != nil,
            electronicResult: eresult, digitised: hasComponents && (!granted || eresult), reused: reused,
            personalStore: reused || (granted && eresult && d.applicant_user_id != nil), vneid: d.vneid_verified,
            onlineFull: d.channel == 2 && (!granted || eresult), rating: d.rating)
    }
}
