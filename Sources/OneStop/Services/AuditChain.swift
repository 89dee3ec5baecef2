import Fluent
import Foundation
import Kernel
import Vapor

/// The dossier's append-only audit trail, hash-chained per dossier.
enum AuditChain {
    static let genesis = String(repeating: "0", count: 64)

    static func hash(prev: String, seq: Int, action: String, from: Int?, to: Int, actor: String, at: Date, comment: String) -> String {
        let millis = VietnamTime.milliseconds(at)
        let line = [prev, String(seq), action, from.map(String.init) ?? "-", String(to), actor, String(millis), comment]
            .joined(separator: "\u{1F}")
        return SecureToken.hash(line)
    }

    static func append(dossierID: UUID, action: String, from: DossierStatus?, to: DossierStatus, actorID: UUID?, actorName: String,
                       at: Date, comment: String, on db: any Database) async throws {
        let last = try await DossierEvent.query(on: db).filter(\.$dossierID == dossierID).sort(\.$seq, .descending).first()
        try await entry(after: last, dossierID: dossierID, action: action, from: from, to: to, actorID: actorID, actorName: actorName,
                        at: at, comment: comment).create(on: db)
    }

    /// The entry following `last` (nil: the dossier's first), hashed, not yet written.
    static func entry(after last: DossierEvent?, dossierID: UUID, action: String, from: DossierStatus?, to: DossierStatus, actorID: UUID?,
                      actorName: String, at: Date, comment: String) -> DossierEvent {
        let e = DossierEvent()
        e.id = UUID.timeOrdered()
        e.dossierID = dossierID
        e.seq = (last?.seq ?? 0) + 1
        e.action = action
        e.fromStatus = from?.rawValue
        e.toStatus = to.rawValue
        e.actorID = actorID
        e.actorName = actorName
        e.at = VietnamTime.millisecond(at)
        e.comment = comment
        e.prevHash = last?.hash ?? genesis
        e.hash = hash(prev: e.prevHash, seq: e.seq, action: action, from: e.fromStatus, to: e.toStatus, actor: actorName, at: e.at, comment: comment)
        return e
    }

    /// The sequence number of the first entry that does not match the chain, or nil when intact.
    static func firstBroken(dossierID: UUID, on db: any Database) async throws -> Int? {
        firstBroken(try await DossierEvent.query(on: db).filter(\.$dossierID == dossierID).sort(\.$seq).all())
    }

    /// The same check on entries already loaded, in sequence order.
    static func firstBroken(_ events: [DossierEvent]) -> Int? {
        var prev = genesis
        var expectedSeq = 1
        for e in events {
            let h = hash(prev: prev, seq: e.seq, action: e.action, from: e.fromStatus, to: e.toStatus, actor: e.actorName, at: e.at, comment: e.comment)
            guard e.seq == expectedSeq, e.prevHash == prev, e.hash == h else { return e.seq }
            prev = e.hash
            expectedSeq += 1
        }
        return nil
    }
}
