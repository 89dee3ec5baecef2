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

    /// Takes the next number inside the caller's transaction. The first statement writes, so on
    /// SQLite the transaction holds the write lock before it reads anything, and on PostgreSQL the
    /// counter row is locked until commit: concurrent receipts queue instead of colliding, and a
    /// transaction that rolls back gives its number back (no gaps).
    static func next(agency: String, at instant: Date, on sql: any SQLDatabase) async throws -> String {
        let day = GregorianDate(instant)
        let key = String(format: "%04d%02d%02d", day.year, day.month, day.day)
        try await sql.insert(into: "dossier_code_counters")
            .columns("agency_code", "day", "seq_no")
            .values(SQLBind(agency), SQLBind(key), SQLBind(0))
            .ignoringConflicts(with: ["agency_code", "day"])
            .run()
        struct Row: Decodable { var seq_no: Int }
        guard let row = try await sql.update("dossier_code_counters")
            .set(SQLIdentifier("seq_no"), to: SQLRaw("seq_no + 1"))
            .where("agency_code", .equal, agency)
            .where("day", .equal, key)
            .returning("seq_no")
            .first(decoding: Row.self)
        else { throw OneStopError.internalState("dossier code counter missing") }
        return format(agency: agency, day: day, sequence: row.seq_no)
    }
}
