import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor

/// Read queries of the Directory, shared by the API and the pages.
public enum DirectoryQueries {
    public struct AgencyFilter: Sendable {
        public var q: String?
        public var level: Agency.Level?
        public var parentCode: String?
        public var kind: Agency.Kind?
        public init(q: String? = nil, level: Agency.Level? = nil, parentCode: String? = nil, kind: Agency.Kind? = nil) {
            self.q = q; self.level = level; self.parentCode = parentCode; self.kind = kind
        }
    }

    public static func agencies(_ filter: AgencyFilter, page: Paging, on db: any Database) async throws -> Paged<AgencyDTO> {
        let query = Agency.query(on: db)
        if let level = filter.level { query.filter(\.$level == level) }
        if let kind = filter.kind { query.filter(\.$kind == kind) }
        if let parentCode = filter.parentCode {
            guard let parent = try await Agency.query(on: db).filter(\.$code == parentCode).first() else {
                throw DirectoryError.agencyNotFound(code: parentCode)
            }
            query.filter(\.$parentID == parent.id)
        }
        for token in VietnameseText.searchTokens(filter.q ?? "") {
            query.group(.or) { or in
                or.filter(\.$nameFolded, .custom("LIKE"), "%\(token)%")
                or.filter(\.$code, .custom("LIKE"), "%\(token.uppercased())%")
            }
        }
        let total = try await query.count()
        let rows = try await query.sort(\.$level).sort(\.$code).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try await dtos(rows, on: db), request: page, total: total)
    }

    public static func agency(code: String, on db: any Database) async throws -> AgencyDTO {
        guard let a = try await Agency.query(on: db).filter(\.$code == code).first() else {
            throw DirectoryError.agencyNotFound(code: code)
        }
        return try await dtos([a], on: db)[0]
    }

    /// Maps models to DTOs, resolving parent codes in one query (no N+1).
    static func dtos(_ rows: [Agency], on db: any Database) async throws -> [AgencyDTO] {
        let parentIDs = Set(rows.compactMap(\.parentID))
        var parentCodes: [UUID: String] = [:]
        if !parentIDs.isEmpty {
            for p in try await Agency.query(on: db).filter(\.$id ~~ parentIDs).all() { parentCodes[p.id!] = p.code }
        }
        return rows.map { a in
            AgencyDTO(code: a.code, name: a.name, shortName: a.shortName, kind: a.kind.rawValue, level: a.level.rawValue,
                      parentCode: a.parentID.flatMap { parentCodes[$0] }, adminUnitCode: a.adminUnitCode,
                      address: a.address, phone: a.phone, email: a.email, active: a.isActive)
        }
    }

    public static func fields(on db: any Database) async throws -> [FieldDTO] {
        try await ProcedureField.query(on: db).sort(\.$name).all().map { FieldDTO(code: $0.code, name: $0.name, ministry: $0.ministry) }
    }

    public static func adminUnits(structure: AdminUnit.Structure, parent: String?, on db: any Database) async throws -> [AdminUnitDTO] {
        let query = AdminUnit.query(on: db).filter(\.$structure == structure)
        if let parent {
            guard try await AdminUnit.query(on: db).filter(\.$structure == structure).filter(\.$code == parent)
                .filter(\.$level != .commune).count() > 0
            else { throw DirectoryError.adminUnitNotFound(code: parent) }
            query.filter(\.$parentCode == parent)
        } else {
            query.filter(\.$level == .province)
        }
        return try await query.sort(\.$code).all().map(dto)
    }

    public static func adminUnit(structure: AdminUnit.Structure, code: String, on db: any Database) async throws -> AdminUnitDTO {
        guard let u = try await AdminUnit.query(on: db).filter(\.$structure == structure).filter(\.$code == code).first() else {
            throw DirectoryError.adminUnitNotFound(code: code)
        }
        return dto(u)
    }

    static func dto(_ u: AdminUnit) -> AdminUnitDTO {
        AdminUnitDTO(code: u.code, name: u.name, type: u.divisionType, level: u.level.rawValue,
                     structure: u.structure.rawValue, parentCode: u.parentCode)
    }
}
