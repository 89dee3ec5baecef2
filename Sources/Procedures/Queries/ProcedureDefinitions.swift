import Fluent
import Foundation
import Kernel
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The definitions dossiers are checked and processed against, cached by code and version. A
/// version never changes once saved, so that cache is never stale. Which version is current is
/// kept for two seconds (`ShortLivedCache`), and forgotten when this process saves a new one.
public final class ProcedureDefinitions: Sendable {
    private let cache = NIOLockedValueBox<[String: ProcedureDefinition]>([:])
    private struct Current: Decodable, Sendable { var id: UUID; var current_version: Int }
    private let currentVersions = ShortLivedCache<String, Current>(seconds: 2)

    public init() {}

    /// The current version of a procedure and its definition.
    public func current(code: String, on db: any Database) async throws -> (version: Int, definition: ProcedureDefinition) {
        guard let sql = db as? any SQLDatabase else { throw ProceduresError.notFound(code: code) }
        guard let row = try await currentVersions.value(code, load: {
            try await sql.select().columns("id", "current_version").from(Procedure.schema).where("code", .equal, code).first(decoding: Current.self)
        }) else { throw ProceduresError.notFound(code: code) }
        return (row.current_version, try await definition(code: code, procedureID: row.id, version: row.current_version, on: sql))
    }

    /// Called after a new version is saved, so this process uses it from the next request on.
    public func forgetCurrent(code: String) { currentVersions.forget(code) }

    /// A given version of a procedure's definition.
    public func definition(code: String, version: Int, on db: any Database) async throws -> ProcedureDefinition {
        if let hit = cache.withLockedValue({ $0[Self.key(code, version)] }) { return hit }
        guard let sql = db as? any SQLDatabase else { throw ProceduresError.notFound(code: code) }
        struct Row: Decodable { var id: UUID }
        guard let row = try await sql.select().column("id").from(Procedure.schema).where("code", .equal, code).first(decoding: Row.self)
        else { throw ProceduresError.notFound(code: code) }
        return try await definition(code: code, procedureID: row.id, version: version, on: sql)
    }

    private func definition(code: String, procedureID: UUID, version: Int, on sql: any SQLDatabase) async throws -> ProcedureDefinition {
        if let hit = cache.withLockedValue({ $0[Self.key(code, version)] }) { return hit }
        struct Row: Decodable { var definition: String }
        guard let row = try await sql.select().column("definition").from(ProcedureVersion.schema)
            .where("procedure_id", .equal, procedureID).where("version", .equal, version).first(decoding: Row.self)
        else { throw ProceduresError.versionNotFound(code: code, version: version) }
        let d = try JSONDecoder().decode(ProcedureDefinition.self, from: Data(row.definition.utf8))
        cache.withLockedValue { $0[Self.key(code, version)] = d }
        return d
    }

    private static func key(_ code: String, _ version: Int) -> String { "\(code)#\(version)" }
}

extension Application {
    private struct DefinitionsKey: StorageKey { typealias Value = ProcedureDefinitions }

    /// Procedure definitions by code and version (see `ProcedureDefinitions`). Set up by `configure`.
    public var procedureDefinitions: ProcedureDefinitions {
        get {
            guard let d = storage[DefinitionsKey.self] else { fatalError("app.procedureDefinitions used before configure set it") }
            return d
        }
        set { storage[DefinitionsKey.self] = newValue }
    }
}
