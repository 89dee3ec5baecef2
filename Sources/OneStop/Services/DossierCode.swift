import Foundation
import SQLKit
import VNCalendar

/// Allocates dossier codes (TT 01/2018/TT-VPCP art. 19, kept by TT 03/2025): the receiving
/// agency's electronic identifier, the receipt date as YYMMDD (Vietnam time) and a per-agency
/// daily sequence of at least four digits, e.g. `H42.30-260310-0007`.
enum DossierCode {
    static func format(agency: String, day: GregorianDate, sequence: Int) -> String {
        let yymmdd = String(format: "%02d%02d%02d", day.year % 100, day.month, day.day)
        return "\(agency)-\(yymmdd)-\(String(format: "%04d", sequence))"
    }

    /// Takes the next `count` numbers inside the caller's transaction, in one statement that
    /// writes before it reads: on SQLite the transaction holds the write lock from then on, and on
    /// PostgreSQL the counter row stays locked until commit, so concurrent receipts queue instead of
    /// colliding, and a transaction that rolls back gives its numbers back (no gaps).
    static func reserve(_ count: Int, agency: String, at instant: Date, on sql: any SQLDatabase) async throws -> [String] {
        let day = GregorianDate(instant)
        let key = String(format: "%04d%02d%02d", day.year, day.month, day.day)
        struct Row: Decodable { var seq_no: Int }
        let reserve = sql.insert(into: "dossier_code_counters")
            .columns("agency_code", "day", "seq_no")
            .values(SQLBind(agency), SQLBind(key), SQLBind(count))
            .onConflict(with: ["agency_code", "day"]) {
                $0.set(SQLIdentifier("seq_no"), to: SQLRaw("dossier_code_counters.seq_no + excluded.seq_no"))
            }
        guard let row = try await reserve.returning("seq_no").first(decoding: Row.self) else { throw OneStopError.internalState("dossier code counter missing") }
        return (row.seq_no - count + 1...row.seq_no).map { format(agency: agency, day: day, sequence: $0) }
    }
}
