import Directory
import Fluent
import Foundation
import Kernel
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

    /// Dossiers of the agencies where the viewer holds a role: received by their desk or decided
    /// by their agency.
    /// Dossiers of the viewer's agencies whose code, applicant's CCCD/tax code or procedure code
    /// contains `text` (any status).
    public static func search(_ text: String, for viewer: Viewer, page: Paging, on db: any Database) async throws -> Paged<DossierRow> {
        let query = try await scoped(viewer, on: db)
        let needle = text.trimmingCharacters(in: .whitespaces).uppercased().filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        guard !needle.isEmpty else { return Paged(items: [], request: page, total: 0) }
        query.group(.or) { or in
            or.filter(\.$code, .custom("LIKE"), "%\(needle)%")
            or.filter(\.$applicantIdentity, .custom("LIKE"), "%\(needle)%")
            or.filter(\.$procedureCode == needle)
        }
        return try await paged(query.sort(\.$submittedAt, .descending), page: page)
    }

    static func scoped(_ viewer: Viewer, on db: any Database) async throws -> QueryBuilder<Dossier> {
        let agencyIDs = Set(viewer.grants.compactMap(\.agencyID))
        let codes = agencyIDs.isEmpty ? [] : try await Agency.query(on: db).filter(\.$id ~~ agencyIDs).all().map(\.code)
        return Dossier.query(on: db).group(.or) { or in
            or.filter(\.$receivingAgency ~~ codes)
            or.filter(\.$decidingAgency ~~ codes)
        }
    }

    public static func queue(_ queue: Queue, for viewer: Viewer, now: Date, page: Paging, on db: any Database) async throws -> Paged<DossierRow> {
        let query = try await scoped(viewer, on: db)
        switch queue {
        case .toReceive: query.filter(\.$status == DossierStatus.submitted.rawValue)
        case .inProgress: query.filter(\.$status ~~ running)
        case .waitingSupplement: query.filter(\.$status == DossierStatus.supplementRequested.rawValue)
        case .dueSoon: query.filter(\.$status ~~ running).filter(\.$dueAt >= now).filter(\.$dueAt < now.addingTimeInterval(2 * 86_400))
        case .overdue: query.filter(\.$status ~~ running).filter(\.$dueAt < now)
        case .toReturn: query.filter(\.$status == DossierStatus.resolved.rawValue)
        }
        return try await paged(query.sort(\.$submittedAt, .descending), page: page)
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
