import Directory
import Fluent
import Foundation
import Kernel
import SQLKit
import WebUI

/// A row of a dossier list.
public struct DossierRow: Sendable {
    public var code: String
    public var procedureName: String
    public var applicantName: String
    public var status: DossierStatus
    public var submittedAt: Date
    public var dueAt: Date?
}

/// The officer's work queues (hàng đợi) and the applicant's own list.
public enum DossierQueries {
    public enum Queue: String, CaseIterable, Sendable {
        case toReceive = "cho-tiep-nhan"
        case inProgress = "dang-xu-ly"
        case waitingSupplement = "cho-bo-sung"
        case dueSoon = "sap-den-han"
        case overdue = "qua-han"
        case toReturn = "cho-tra-ket-qua"

        public var label: String {
            switch self {
            case .toReceive: "Chờ tiếp nhận"
            case .inProgress: "Đang xử lý"
            case .waitingSupplement: "Chờ bổ sung"
            case .dueSoon: "Sắp đến hạn"
            case .overdue: "Quá hạn"
            case .toReturn: "Chờ trả kết quả"
            }
        }
    }

    static let running: [Int] = [DossierStatus.received, .processing, .paymentRequested].map(\.rawValue)

    /// Dossiers of the viewer's agencies whose code, applicant's CCCD/tax code or procedure code
    /// contains `text` (any status).
    ///
    /// Code and CCCD match anywhere in the value (`LIKE '%…%'`), which no B-tree serves; trigram
    /// indexes do (`dossier_search` on SQLite, pg_trgm on PostgreSQL: see `AddQueueIndexes`).
    /// Both need 3 characters: a shorter needle scans the viewer's dossiers. The matches are few,
    /// so the page and its total come from one statement (`COUNT(*) OVER ()`).
    public static func search(_ text: String, for viewer: Viewer, page: Paging, on db: any Database) async throws -> Paged<DossierRow> {
        let needle = text.trimmingCharacters(in: .whitespaces).uppercased().filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        let codes = try await agencyCodes(viewer, on: db)
        guard !needle.isEmpty, !codes.isEmpty, let sql = db as? any SQLDatabase else { return Paged(items: [], request: page, total: 0) }
        let scope: SQLQueryString = "(receiving_agency IN (\(binds: codes)) OR deciding_agency IN (\(binds: codes)))"
        // The needle holds no quote or wildcard: it is a phrase for FTS5 and a literal for LIKE.
        let matching: SQLQueryString = if sql.dialect.name == "sqlite" && needle.count >= 3 {
            // From the matches to the dossiers, in that order (CROSS JOIN): without statistics
            // SQLite would rather walk the viewer's agencies, half a million dossiers for the desk.
            """
            FROM (SELECT dossier_id AS id FROM dossier_search WHERE dossier_search MATCH \(bind: "\"\(needle)\"") \
            UNION SELECT id FROM dossiers WHERE procedure_code = \(bind: needle)) AS m \
            CROSS JOIN dossiers ON dossiers.id = m.id WHERE \(scope)
            """
        } else {
            """
            FROM dossiers WHERE \(scope) AND (code LIKE \(bind: "%\(needle)%") \
            OR applicant_identity LIKE \(bind: "%\(needle)%") OR procedure_code = \(bind: needle))
            """
        }
        let rows = try await sql.raw("""
            SELECT \(unsafeRaw: Listed.columns), COUNT(*) OVER () AS total \(matching)
            ORDER BY submitted_at DESC, dossiers.id DESC LIMIT \(literal: page.per) OFFSET \(literal: page.offset)
            """).all(decoding: Listed.self, keyDecodingStrategy: .convertFromSnakeCase)
        if let total = rows.first?.total { return Paged(items: rows.map(\.row), request: page, total: total) }
        // Past the last page no row carries the total.
        let total = try await sql.raw("SELECT COUNT(*) AS total \(matching)").first(decodingColumn: "total", as: Int.self) ?? 0
        return Paged(items: [], request: page, total: total)
    }

    /// The codes of the agencies where the viewer holds a role: they see the dossiers these
    /// agencies receive (at their desk) or decide.
    static func agencyCodes(_ viewer: Viewer, on db: any Database) async throws -> [String] {
        let agencyIDs = Set(viewer.grants.compactMap(\.agencyID))
        return agencyIDs.isEmpty ? [] : try await Agency.query(on: db).filter(\.$id ~~ agencyIDs).all().map(\.code)
    }

    /// One of the viewer's queues, newest submission first.
    ///
    /// "Received or decided by one of my agencies" is an OR over two columns, which no one index
    /// serves: PostgreSQL answers it by visiting every matching row in the table (a bitmap heap
    /// scan) and both databases sort them all for a page of 20, 90 to 110 ms for the provincial
    /// desk's 44,000 dossiers in progress among a million (`bench/run queue`). So the queue is cut into
    /// disjoint ranges of the two queue indexes (`AddQueueIndexes`): received by agency c in
    /// status s, and decided by c in status s but received elsewhere. A range is already in page
    /// order, so the page merges the first offset + per entries of each (PostgreSQL: Merge Append,
    /// SQLite: MERGE (UNION ALL)) and reads 20 rows of the table; the total is two counts over
    /// the same ranges that never leave the indexes. The total stays exact, and costs what the
    /// queue holds, not what the table holds: queues list dossiers in flight, while the archive
    /// (returned, refused, stopped: 80 % after a year) is in statuses no queue reads.
    public static func queue(_ queue: Queue, for viewer: Viewer, now: Date, page: Paging, on db: any Database) async throws -> Paged<DossierRow> {
        let (statuses, due): ([Int], SQLQueryString) = switch queue {
        case .toReceive: ([DossierStatus.submitted.rawValue], "")
        case .inProgress: (running, "")
        case .waitingSupplement: ([DossierStatus.supplementRequested.rawValue], "")
        case .dueSoon: (running, " AND due_at >= \(bind: now) AND due_at < \(bind: now.addingTimeInterval(2 * 86_400))")
        case .overdue: (running, " AND due_at < \(bind: now)")
        case .toReturn: ([DossierStatus.resolved.rawValue], "")
        }
        let codes = try await agencyCodes(viewer, on: db)
        guard !codes.isEmpty, let sql = db as? any SQLDatabase else { return Paged(items: [], request: page, total: 0) }
        let elsewhere: SQLQueryString = "receiving_agency NOT IN (\(binds: codes))"
        let ranges: [SQLQueryString] = codes.flatMap { code in
            statuses.flatMap { status -> [SQLQueryString] in [
                "receiving_agency = \(bind: code) AND status = \(bind: status)\(due)",
                "deciding_agency = \(bind: code) AND status = \(bind: status) AND \(elsewhere)\(due)",
            ] }
        }
        // Each range in a subquery of its own: SQLite allows ORDER BY and LIMIT only on the last
        // SELECT of a UNION, and PostgreSQL merges ordered ranges only when each has its own.
        let heads = ranges.enumerated().map { i, range -> SQLQueryString in
            """
            SELECT id, submitted_at FROM (SELECT id, submitted_at FROM dossiers WHERE \(range) \
            ORDER BY submitted_at DESC, id DESC LIMIT \(literal: page.offset + page.per)) AS r\(unsafeRaw: String(i))
            """
        }
        let rows = try await sql.raw("""
            SELECT \(unsafeRaw: Listed.columns) FROM dossiers WHERE id IN (
              SELECT id FROM (\(heads.joined(separator: " UNION ALL "))) AS queue
              ORDER BY submitted_at DESC, id DESC LIMIT \(literal: page.per) OFFSET \(literal: page.offset))
            ORDER BY submitted_at DESC, id DESC
            """).all(decoding: Listed.self, keyDecodingStrategy: .convertFromSnakeCase)
        // A short page is the last one: its total needs no count.
        if rows.count < page.per, !rows.isEmpty || page.offset == 0 {
            return Paged(items: rows.map(\.row), request: page, total: page.offset + rows.count)
        }
        let total = try await sql.raw("""
            SELECT (SELECT COUNT(*) FROM dossiers WHERE receiving_agency IN (\(binds: codes)) AND status IN (\(binds: statuses))\(due))
              + (SELECT COUNT(*) FROM dossiers WHERE deciding_agency IN (\(binds: codes)) AND status IN (\(binds: statuses)) AND \(elsewhere)\(due)) AS total
            """).first(decodingColumn: "total", as: Int.self) ?? 0
        return Paged(items: rows.map(\.row), request: page, total: total)
    }

    /// The columns a list shows, read without decoding whole dossiers.
    struct Listed: Decodable {
        static let columns = "code, procedure_name, applicant_name, status, submitted_at, due_at"
        var code: String
        var procedureName: String
        var applicantName: String
        var status: Int
        var submittedAt: Date
        var dueAt: Date?
        var total: Int?

        var row: DossierRow {
            DossierRow(code: code, procedureName: procedureName, applicantName: applicantName,
                       status: DossierStatus(rawValue: status) ?? .submitted, submittedAt: submittedAt, dueAt: dueAt)
        }
    }

    public static func mine(_ viewer: Viewer, page: Paging, on db: any Database) async throws -> Paged<DossierRow> {
        try await paged(Dossier.query(on: db).filter(\.$applicantUserID == viewer.userID).sort(\.$submittedAt, .descending), page: page)
    }

    static func paged(_ query: QueryBuilder<Dossier>, page: Paging) async throws -> Paged<DossierRow> {
        let total = try await query.count()
        let rows = try await query.range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: rows.map {
            DossierRow(code: $0.code, procedureName: $0.procedureName, applicantName: $0.applicantName,
                       status: $0.currentStatus, submittedAt: $0.submittedAt, dueAt: $0.dueAt)
        }, request: page, total: total)
    }
}
