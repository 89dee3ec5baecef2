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
    /// Starts a run of many batches of created dossiers (an import), in the caller's transaction;
    /// nil when the observer holds nothing back (see `ObserverRun`).
    func beginRun(on db: any Database) async throws -> (any ObserverRun)?
}

/// What an observer holds back over the batches of one run (an import) and does once at its end.
/// For the statistics, the bucket sums: a batch of 5,000 dossiers of a year upserts some 30,000
/// bucket rows, and a run's batches share most of them (decision 0020).
public protocol ObserverRun: Sendable {
    /// In a batch's transaction, in place of `dossiersCreated`: what cannot wait, returning what does.
    func created(_ dossiers: [NewDossier], prepared: (any Sendable)?, on db: any Database) async throws -> any Sendable
    /// The batch `created` returned `heldBack` for has committed. True when so much is held back
    /// that it should be done now (`catchUp`), to bound the memory it takes.
    func committed(_ heldBack: any Sendable) -> Bool
    /// Does what is held back, in the caller's transaction; `ending`: and ends the run.
    func catchUp(ending: Bool, on db: any Database) async throws
    /// The transaction of `catchUp` has committed: what it did is no longer held back.
    func caughtUp()
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

    public func beginRun(on db: any Database) async throws -> (any ObserverRun)? { nil }
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

/// The observers during a run of many batches (`DossierImporter.run`): each with its run, or
/// without one when it holds nothing back.
struct ObserverRuns: Sendable {
    let observers: [any DossierObserver]
    let runs: [(any ObserverRun)?]

    static func begin(_ observers: [any DossierObserver], on db: any Database) async throws -> ObserverRuns {
        var runs: [(any ObserverRun)?] = []
        for o in observers { runs.append(try await o.beginRun(on: db)) }
        return ObserverRuns(observers: observers, runs: runs)
    }

    /// `dossiersCreated` of every observer, through its run when it has one; what the runs held
    /// back, to be handed to `committed` once the transaction has committed.
    func created(_ dossiers: [NewDossier], prepared: [(any Sendable)?], on db: any Database) async throws -> [(any Sendable)?] {
        precondition(prepared.count == observers.count, "prepared by \(prepared.count) observers, told to \(observers.count)")
        var held: [(any Sendable)?] = []
        for (k, o) in observers.enumerated() {
            // A run is told of every batch, also one whose dossiers were all there: that renews its mark.
            if let run = runs[k] { held.append(try await run.created(dossiers, prepared: prepared[k], on: db)) } else {
                if !dossiers.isEmpty { try await o.dossiersCreated(dossiers, prepared: prepared[k], on: db) }
                held.append(nil)
            }
        }
        return held
    }

    /// True when a run asks to catch up now.
    func committed(_ held: [(any Sendable)?]) -> Bool {
        var due = false
        for (run, h) in zip(runs, held) { if let run, let h, run.committed(h) { due = true } }
        return due
    }

    func catchUp(ending: Bool, on db: any Database) async throws {
        for run in runs { try await run?.catchUp(ending: ending, on: db) }
    }

    func caughtUp() {
        for run in runs { run?.caughtUp() }
    }
}
