import Directory
import Fluent
import Foundation
import Kernel
import Vapor

/// A row of a procedure list.
public struct ProcedureSummaryDTO: Content, Equatable {
    public var code: String
    public var name: String
    public var field: String
    public var fieldName: String
    public var levels: [String]
    public var onlineLevel: String
    public var processingTime: String
    public var version: Int
}

/// A procedure as the API and the detail page show it.
public struct ProcedureDTO: Content {
    public var version: Int
    public var updatedAt: Date
    public var fieldName: String
    public var receivingAgencyName: String?
    public var decidingAgencyName: String?
    public var definition: ProcedureDefinition
}

public enum ProcedureQueries {
    public struct Filter: Sendable, Equatable {
        public var q: String?
        public var field: String?
        public var agency: String?
        public var level: String?
        public var online: ProcedureDefinition.OnlineLevel?
        public init(q: String? = nil, field: String? = nil, agency: String? = nil, level: String? = nil, online: ProcedureDefinition.OnlineLevel? = nil) {
            self.q = q; self.field = field; self.agency = agency; self.level = level; self.online = online
        }
    }

    /// Searches ignoring diacritics and case: every word of `q` must appear in the name or code.
    public static func search(_ f: Filter, page: Paging, on db: any Database) async throws -> Paged<ProcedureSummaryDTO> {
        let query = Procedure.query(on: db)
        for token in VietnameseText.searchTokens(f.q ?? "").prefix(12) {
            let pattern = "%\(token)%"
            query.group(.or) { or in
                or.filter(\.$nameFolded, .custom("LIKE"), pattern)
                or.filter(\.$code, .custom("LIKE"), pattern)
            }
        }
        if let field = f.field { query.filter(\.$fieldCode == field) }
        if let online = f.online { query.filter(\.$onlineLevel == online.rawValue) }
        if let level = f.level { query.filter(\.$levels, .custom("LIKE"), "%\(level)%") }
        if let agency = f.agency {
            // A commune People's Committee performs the commune-level procedures with no fixed agency.
            let commune = try await Agency.query(on: db).filter(\.$code == agency).first()
            query.group(.or) { or in
                or.filter(\.$receivingAgency == agency)
                or.filter(\.$decidingAgency == agency)
                if commune?.level == .commune {
                    or.group(.and) { and in
                        and.filter(\.$decidingAgency == nil)
                        and.filter(\.$levels, .custom("LIKE"), "%commune%")
                    }
                }
            }
        }
        let total = try await query.count()
        let rows = try await query.sort(\.$name).range(page.offset..<(page.offset + page.per)).all()
        let fieldNames = try await fieldNames(Set(rows.map(\.fieldCode)), on: db)
        return Paged(items: rows.map { p in
            ProcedureSummaryDTO(
                code: p.code, name: p.name, field: p.fieldCode, fieldName: fieldNames[p.fieldCode] ?? p.fieldCode,
                levels: p.levels.split(separator: ",").map(String.init), onlineLevel: p.onlineLevel,
                processingTime: label(hours: p.processingHours), version: p.currentVersion)
        }, request: page, total: total)
    }

    static func label(hours: Int) -> String {
        hours % 8 == 0 ? "\(hours / 8) ngày làm việc" : (hours < 8 ? "\(hours) giờ làm việc" : ProcedureDefinition.ProcessingTime(workingDays: Double(hours) / 8, workingHours: nil).label)
    }

    static func fieldNames(_ codes: Set<String>, on db: any Database) async throws -> [String: String] {
        guard !codes.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await ProcedureField.query(on: db).filter(\.$code ~~ codes).all().map { ($0.code, $0.name) })
    }

    /// The current version, or the given one.
    public static func procedure(code: String, version: Int? = nil, on db: any Database) async throws -> ProcedureDTO {
        guard let p = try await Procedure.query(on: db).filter(\.$code == code).first() else { throw ProceduresError.notFound(code: code) }
        let wanted = version ?? p.currentVersion
        guard let v = try await ProcedureVersion.query(on: db).filter(\.$procedureID == p.requireID()).filter(\.$version == wanted).first() else {
            throw ProceduresError.versionNotFound(code: code, version: wanted)
        }
        let d = try JSONDecoder().decode(ProcedureDefinition.self, from: Data(v.definition.utf8))
        let agencyCodes = [d.receivingAgency, d.decidingAgency].compactMap { $0 }
        var names: [String: String] = [:]
        if !agencyCodes.isEmpty {
            for a in try await Agency.query(on: db).filter(\.$code ~~ agencyCodes).all() { names[a.code] = a.name }
        }
        let fieldName = try await fieldNames([d.field], on: db)[d.field] ?? d.field
        return ProcedureDTO(version: v.version, updatedAt: v.createdAt, fieldName: fieldName,
                            receivingAgencyName: d.receivingAgency.flatMap { names[$0] },
                            decidingAgencyName: d.decidingAgency.flatMap { names[$0] }, definition: d)
    }

    public static func count(on db: any Database) async throws -> (all: Int, fullOnline: Int) {
        (try await Procedure.query(on: db).count(),
         try await Procedure.query(on: db).filter(\.$onlineLevel == ProcedureDefinition.OnlineLevel.full.rawValue).count())
    }
}
