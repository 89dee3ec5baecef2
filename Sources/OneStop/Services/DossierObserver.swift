import Fluent
import Foundation
import Vapor

/// Told of every change to dossiers inside the transaction that made it, after the rows are
/// written, so that what it derives (the statistics' aggregates) commits or rolls back with the
/// change itself. OneStop knows no observer; the composition root installs them.
public protocol DossierObserver: Sendable {
    func dossiersChanged(_ ids: [UUID], on db: any Database) async throws
    /// The part of `dossiersCreated` that needs no database (the statistics' facts and their
    /// sums). A writer of many dossiers at once (the import) makes it ahead, beside the write
    /// queue, before their transaction; nil when there is none.
    func prepare(created dossiers: [NewDossier]) -> (any Sendable)?
    /// Dossiers just created (at the counter, or by an import), with everything they hold, so
    /// nothing need be read back, and what `prepare(created:)` made for them.
    func dossiersCreated(_ dossiers: [NewDossier], prepared: (any Sendable)?, on db: any Database) async throws
}

/// A dossier being created, with its audit trail, files and fees.
public struct NewDossier: @unchecked Sendable {
    /// The line of the import file it came from; 0 for one submitted here.
    public internal(set) var line: Int
    public internal(set) var dossier: Dossier
    public internal(set) var events: [DossierEvent]
    public internal(set) var attachments: [DossierAttachment]
    public internal(set) var payment: DossierPayment?
}

extension DossierObserver {
    public func prepare(created dossiers: [NewDossier]) -> (any Sendable)? { nil }

    public func dossiersCreated(_ dossiers: [NewDossier], prepared: (any Sendable)?, on db: any Database) async throws {
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

    /// Dossiers created, with nothing made ahead: each observer prepares here, on the write queue.
    func notify(created dossiers: [NewDossier], on db: any Database) async throws {
        try await notify(created: dossiers, prepared: prepare(created: dossiers), on: db)
    }

    /// What each observer prepares for `dossiers`, in the observers' order.
    func prepare(created dossiers: [NewDossier]) -> [(any Sendable)?] {
        map { $0.prepare(created: dossiers) }
    }

    func notify(created dossiers: [NewDossier], prepared: [(any Sendable)?], on db: any Database) async throws {
        guard !dossiers.isEmpty else { return }
        precondition(prepared.count == count, "prepared by \(prepared.count) observers, told to \(count)")
        for (o, p) in zip(self, prepared) { try await o.dossiersCreated(dossiers, prepared: p, on: db) }
    }
}
