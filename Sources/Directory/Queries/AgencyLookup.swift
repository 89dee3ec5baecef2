import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor

/// What a submission needs to know of the agency that receives it, read by SQL (decoding a whole
/// model costs more than the query) and kept for two seconds: agencies change only by an
/// administrator, and this process forgets an agency the moment it saves one.
public final class AgencyLookup: Sendable {
    public struct Summary: Decodable, Sendable {
        public var id: UUID
        public var name: String
        public var level: Agency.Level
    }

    private let cache = ShortLivedCache<String, Summary>(seconds: 2)

    public init() {}

    public func summary(code: String, on db: any Database) async throws -> Summary? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await cache.value(code) {
            try await sql.select().columns("id", "name", "level").from(Agency.schema).where("code", .equal, code).first(decoding: Summary.self)
        }
    }

    public func forget(code: String) { cache.forget(code) }
}

extension Application {
    private struct AgencyLookupKey: StorageKey { typealias Value = AgencyLookup }

    /// Set up by `configure`.
    public var agencyLookup: AgencyLookup {
        get {
            guard let lookup = storage[AgencyLookupKey.self] else { fatalError("app.agencyLookup used before configure set it") }
            return lookup
        }
        set { storage[AgencyLookupKey.self] = newValue }
    }
}
