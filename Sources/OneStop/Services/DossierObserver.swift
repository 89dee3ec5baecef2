import Fluent
import Foundation
import Vapor

/// Told of every change to dossiers inside the transaction that made it, after the rows are
/// written, so that what it derives (the statistics' aggregates) commits or rolls back with the
/// change itself. OneStop knows no observer; the composition root installs them.
public protocol DossierObserver: Sendable {
    func dossiersChanged(_ ids: [UUID], on db: any Database) async throws
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
