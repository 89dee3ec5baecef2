import Directory
import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor

/// The agencies statistics can be asked for, with their sub-agencies (đơn vị trực thuộc).
public struct Units: Sendable {
    public struct Unit: Sendable {
        public var id: UUID
        public var code: String
        public var name: String
        public var level: Agency.Level
        public var kind: Agency.Kind
        public var parentID: UUID?
        public var adminUnitCode: String?
    }

    public var all: [Unit]

    struct CacheKey: StorageKey { typealias Value = ShortLivedCache<String, Units> }

    /// The agencies as they stand, kept two seconds like the catalog (`CatalogProcedure.current`):
    /// every statistics page and index answer needs them whole, and only an administrator changes them.
    public static func current(_ app: Application, on db: any Database) async throws -> Units {
        guard let cache = app.storage[CacheKey.self] else { return try await load(on: db) }
        return try await cache.value("") { try await load(on: db) } ?? Units(all: [])
    }

    public static func load(on db: any Database) async throws -> Units {
        let agencies = try await Agency.query(on: db).sort(\.$code).all()
        return Units(all: agencies.compactMap { a in
            a.id.map { Unit(id: $0, code: a.code, name: a.name, level: a.level, kind: a.kind, parentID: a.parentID, adminUnitCode: a.adminUnitCode) }
        })
    }

    public func unit(code: String) -> Unit? { all.first { $0.code == code } }

    /// The communes (by 2025 administrative code) with their commune-level agencies, named by
    /// the People's Committee: what `commune=` filters by and `groupBy=commune` groups by.
    public var communes: [(code: String, name: String, agencies: [String])] {
        Dictionary(grouping: all.filter { $0.level == .commune && $0.adminUnitCode != nil }, by: { $0.adminUnitCode ?? "" })
            .map { code, units in (code, (units.first { $0.kind == .peopleCommittee } ?? units[0]).name, units.map(\.code)) }
            .sorted { $0.name < $1.name }
    }

    public func name(_ code: String) -> String { unit(code: code)?.name ?? code }

    /// The agency and every agency below it.
    public func subtree(_ code: String) throws -> [String] {
        guard let root = unit(code: code) else { throw IndicatorsError.unknownAgency(code) }
        var ids: Set<UUID> = [root.id]
        var grew = true
        while grew {
            grew = false
            for u in all where !ids.contains(u.id) && u.parentID.map(ids.contains) == true { ids.insert(u.id); grew = true }
        }
        return all.filter { ids.contains($0.id) }.map(\.code)
    }

    /// The units ranked against each other: every agency that decides procedures (by the catalog
    /// or by the dossiers counted) and every commune People's Committee; not the province's People's
    /// Committee, whose figures (with its sub-agencies) are the province's own.
    func ranked(deciding codes: Set<String>) -> [Unit] {
        all.filter { u in
            guard !(u.level == .province && u.kind == .peopleCommittee) else { return false }
            return codes.contains(u.code) || (u.level == .commune && u.parentID == nil)
        }
    }
}
