import Foundation
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
        let perStatement = 30_000 / 26
        for start in stride(from: 0, to: facts.count, by: perStatement) {
            try await sql.insert(into: table).models(Array(facts[start..<min(facts.count, start + perStatement)]), nilEncodingStrategy: .asNil).run()
        }
    }
}
