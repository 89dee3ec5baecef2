import Foundation
import Kernel
import SQLKit

/// The `dossier_facts` table.
enum FactStore {
    static let table = "dossier_facts"

    static func load(_ ids: [UUID], on sql: any SQLDatabase) async throws -> [UUID: DossierFact] {
        var out: [UUID: DossierFact] = [:]
        for start in stride(from: 0, to: ids.count, by: 2000) {
            let chunk = Array(ids[start..<min(ids.count, start + 2000)])
            for f in try await sql.select().column("*").from(table).where("dossier_id", .in, chunk).all(decoding: DossierFact.self) {
                out[f.dossierID] = f
            }
        }
        return out
    }

    /// Replaces the stored facts of `ids` with `facts` (a missing entry deletes the row).
    static func replace(_ ids: [UUID], with facts: [DossierFact], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: ids.count, by: 2000) {
            try await sql.delete(from: table).where("dossier_id", .in, Array(ids[start..<min(ids.count, start + 2000)])).run()
        }
        try await insert(facts, on: sql)
    }

    static func insert(_ facts: [DossierFact], on sql: any SQLDatabase) async throws {
        try await BulkInsert.rows(facts.map(\.row), into: table, on: sql)
    }
}

extension DossierFact {
    /// Every column (`CodingKeys`), for `BulkInsert`.
    var row: SQLCells {
        [("dossier_id", dossierID), ("code", code), ("procedure_code", procedureCode), ("field_code", fieldCode), ("agency_code", agencyCode),
         ("channel", channel), ("received_day", receivedDay), ("not_received_day", notReceivedDay), ("due_day", dueDay), ("end_day", endDay),
         ("end_kind", endKind?.rawValue), ("timeliness", timeliness?.rawValue), ("returned_day", returnedDay), ("late_since_day", lateSinceDay),
         ("supplements", supplements), ("processing_seconds", processingSeconds), ("with_fees", withFees), ("paid_online", paidOnline),
         ("electronic_result", electronicResult), ("digitised", digitised), ("reused", reused), ("personal_store", personalStore),
         ("vneid", vneid), ("online_full", onlineFull), ("rating", rating)]
    }
}
