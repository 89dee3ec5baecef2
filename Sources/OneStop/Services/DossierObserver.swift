import Fluent
import Foundation
import Vapor

/// Told of every change to dossiers inside the transaction that made it, after the rows are
/// written, so that what it derives (the statistics' aggregates) commits or rolls back with the
/// change itself. OneStop knows no observer; the composition root installs them.
public protocol DossierObserver: Sendable {
    func dossiersChanged(_ ids: [UUID], on db: any Database) async throws
    /// New dossiers written by an import, with everything they hold (so nothing need be read back).
    func dossiersImported(_ dossiers: [DossierImporter.Prepared], on db: any Database) async throws
}

extension DossierObserver {
    public func dossiersImported(_ dossiers: [DossierImporter.Prepared], on db: any Database) async throws {
        try await dossiersChanged(dossiers.compactMap(\.dossier.id), on: db)
    }
}

extension Application {
    private struct ObserversKey: StorageKey { typealias Value = [any DossierObserver] }

    public var dossierObservers: [any DossierObserver] {
        get { storage[ObserversKey.self] ?? [] }
        set { storage[ObserversKey.self] = newValue }
    }
}

extension Array where Element == any DossierObserver {
    func notify(_ ids: [UUID], on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        for o in self { try await o.dossiersChanged(ids, on: db) }
    }
}
