import Foundation
import SQLKit

/// Đánh giá cán bộ, công chức (TT 01/2018 art. 15): each official scored, like a unit, on the
/// dossiers ended in the period that they acted on (received, processed, proposed, approved,
/// returned), graded on the same scale. Read from the facts and the audit trail of those dossiers
/// (not from the aggregates), so it is asked for one agency at a time.
public struct OfficerScore: Sendable {
    public var userID: UUID
    public var name: String
    public var score: UnitScore

    static func compute(_ period: Period, filter: StatisticsFilter, procedures: [CatalogProcedure], published: Set<String>, on sql: any SQLDatabase) async throws -> [OfficerScore] {
        let ended = filter.restrict(sql.select().column("*").from(FactStore.table).where(SQLRaw(Figure.ended.condition(in: period))))
        let facts = Dictionary(try await ended.all(decoding: DossierFact.self).map { ($0.dossierID, $0) }, uniquingKeysWith: { a, _ in a })
        guard !facts.isEmpty else { return [] }
        struct Acted: Decodable { var actor_id: UUID; var dossier_id: UUID }
        struct Official: Decodable { var id: UUID; var full_name: String }
        var acted: [UUID: Set<UUID>] = [:]
        let ids = Array(facts.keys)
        for start in stride(from: 0, to: ids.count, by: 500) {
            // Officials only: an applicant's own submission is not an official's work.
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            let rows = try await sql.raw("""
                SELECT DISTINCT e.actor_id, e.dossier_id FROM dossier_events e JOIN users u ON u.id = e.actor_id
                WHERE u.kind = 'official' AND e.dossier_id IN (\(binds: chunk))
                """).all(decoding: Acted.self)
            for r in rows { acted[r.actor_id, default: []].insert(r.dossier_id) }
        }
        guard !acted.isEmpty else { return [] }
        let names = Dictionary(try await sql.select().columns("id", "full_name").from("users").where("id", .in, Array(acted.keys))
            .all(decoding: Official.self).map { ($0.id, $0.full_name) }, uniquingKeysWith: { a, _ in a })
        var out: [OfficerScore] = []
        for (official, dossiers) in acted {
            var s = Statistics()
            var endedByProcedure: [String: Int64] = [:]
            for id in dossiers {
                guard let f = facts[id] else { continue }
                s.add(f, in: period)
                endedByProcedure[f.procedureCode, default: 0] += 1
            }
            if let score = UnitScore.compute(s, procedures: procedures, published: published, endedByProcedure: endedByProcedure) {
                out.append(OfficerScore(userID: official, name: names[official] ?? official.uuidString, score: score))
            }
        }
        return out.sorted { ($0.score.total, $1.name) > ($1.score.total, $0.name) }
    }
}
