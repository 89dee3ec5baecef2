import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor

/// Shared catalogs (Danh mục dùng chung): administrative units, agencies, fields.
public enum Directory {
    public static var migrations: [any Migration] {
        [CreateDirectorySchema(), LoadAdminUnits(), LoadFields()]
    }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: DirectoryPages())
        try pages.register(collection: DirectoryAdminPages())
        try api.register(collection: DirectoryAPI())
    }

    /// Seeds the demo province's agencies: the provincial ones from `demo-agencies.json`, and a
    /// People's Committee for each of its 2025 communes. Returns agency codes by demo key
    /// (`"so-tu-phap"` → `"H42.07"`), which the procedure catalog's demo data refers to.
    @discardableResult
    public static func seedDemo(provinceCode: String, on db: any Database) async throws -> [String: String] {
        let file = try JSONDecoder().decode(DemoAgencies.self, from: resource("demo-agencies"))
        guard let province = try await AdminUnit.query(on: db).filter(\.$structure == .y2025)
            .filter(\.$level == .province).filter(\.$code == provinceCode).first()
        else { throw DirectoryError.adminUnitNotFound(code: provinceCode) }

        var ids: [String: UUID] = [:]
        var codes: [String: String] = [:]
        for entry in file.agencies {
            let a = Agency()
            a.id = UUID()
            a.code = entry.suffix.map { "\(file.levelOneCode).\($0)" } ?? file.levelOneCode
            a.name = entry.name
            a.nameFolded = VietnameseText.fold(entry.name)
            a.shortName = entry.shortName ?? entry.name
            a.kind = Agency.Kind(rawValue: entry.kind) ?? .other
            a.level = .province
            a.parentID = entry.parent.flatMap { ids[$0] }
            a.address = entry.address ?? ""
            a.phone = entry.phone ?? ""
            a.email = entry.email ?? ""
            a.isActive = true
            try await a.create(on: db)
            ids[entry.key] = a.id
            codes[entry.key] = a.code
        }
        let provinceCommittee = ids["ubnd-tinh"]
        let communes = try await AdminUnit.query(on: db).filter(\.$structure == .y2025)
            .filter(\.$parentCode == provinceCode).sort(\.$code).all()
        let provinceName = province.name.replacingOccurrences(of: "Tỉnh", with: "tỉnh")
        for c in communes {
            let a = Agency()
            a.code = "\(file.levelOneCode).\(c.code)"
            a.name = "Ủy ban nhân dân \(c.name.prefix(1).lowercased() + c.name.dropFirst()), \(provinceName)"
            a.nameFolded = VietnameseText.fold(a.name)
            a.shortName = "UBND \(c.name)"
            a.kind = .peopleCommittee
            a.level = .commune
            a.parentID = provinceCommittee
            a.adminUnitCode = c.code
            a.address = "\(c.name), \(provinceName)"
            a.phone = ""
            a.email = ""
            a.isActive = true
            try await a.create(on: db)
        }
        return codes
    }

    private struct DemoAgencies: Decodable {
        struct Entry: Decodable {
            var key: String
            var suffix: String?
            var name: String
            var shortName: String?
            var kind: String
            var parent: String?
            var address: String?
            var phone: String?
            var email: String?
        }
        var levelOneCode: String
        var agencies: [Entry]
    }

    static func resource(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: "json")
        else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name]) }
        return try Data(contentsOf: url)
    }
}

/// Loads the national list of procedure fields (reference data, like the administrative units).
struct LoadFields: AsyncMigration {
    var name: String { "directory.003.load-fields" }

    private struct Entry: Decodable { var code: String, name: String, ministry: String }

    func prepare(on db: any Database) async throws {
        let entries = try JSONDecoder().decode([Entry].self, from: Directory.resource("fields"))
        for e in entries {
            let f = ProcedureField()
            f.code = e.code
            f.name = e.name
            f.ministry = e.ministry
            try await f.create(on: db)
        }
    }

    func revert(on db: any Database) async throws {
        try await ProcedureField.query(on: db).delete()
    }
}
