import Fluent
import Foundation
@testable import OneStop
import Testing
import TestSupport
import Vapor

@Suite("Intake: submissions written together")
struct IntakeTests {
    /// The intake inserts rows without Fluent; every column of the models must be in them.
    @Test func intakeRowsCarryEveryColumnOfTheirModels() async throws {
        try await withApp { app async throws in
            let dossier = try #require(try await Dossier.query(on: app.db).first())
            #expect(Set(dossier.row.map(\.0)) == Set(Dossier.keys.map(\.description)))
            let attachment = try #require(try await DossierAttachment.query(on: app.db).first())
            #expect(Set(attachment.row.map(\.0)) == Set(DossierAttachment.keys.map(\.description)))
            let event = try #require(try await DossierEvent.query(on: app.db).first())
            #expect(Set(event.row.map(\.0)) == Set(DossierEvent.keys.map(\.description)))
            let message = try #require(try await NationalSyncMessage.query(on: app.db).first())
            #expect(Set(message.row.map(\.0)) == Set(NationalSyncMessage.keys.map(\.description)))
        }
    }

    /// Two submissions with one idempotency key among many at once: one dossier for the key,
    /// both answered with it, and every other submission written with its own code.
    @Test func aRepeatedKeyInABatchFailsAloneAndIsAnsweredWithTheFirst() async throws {
        try await withApp { app async throws in
            let officer = try await DossierTests.Official(app, "motcua.tinh")
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<24 {
                    group.addTask {
                        let extra = i % 12 == 5 ? [("Idempotency-Key", "counter-dup")] : []
                        let r = try await officer.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1), extra: extra)
                        #expect(r.status == .created || r.status == .ok)
                        return try r.decode(DossierTests.DossierBody.self).code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(codes.count == 24)
            #expect(Set(codes).count == 23)
            let keyed = try await Dossier.query(on: app.db).filter(\.$idempotencyKey == "counter-dup").all()
            #expect(keyed.count == 1)
            #expect(codes.filter { $0 == keyed.first?.code }.count == 2)
            // Codes stay consecutive: the rolled-back duplicate gave its number back.
            let numbers = Set(codes).map { Int($0.suffix(4))! }
            #expect(Set(numbers) == Set(numbers.min()!..<(numbers.min()! + 23)))
        }
    }
}
