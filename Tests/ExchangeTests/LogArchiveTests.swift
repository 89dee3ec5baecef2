@testable import Exchange
import Fluent
import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport
import Vapor

@Suite("Exchange message log: retention and signed archive files")
struct LogArchiveTests {
    static func append(_ n: Int, at: Date, app: Application) async throws {
        for i in 0..<n {
            var r = LogEntry(at: at.addingTimeInterval(Double(i)), client: "VN-test/GOV/A/B", service: "VN-test/GOV/C/D/e", messageID: UUID().uuidString,
                             userID: "VN025090000001", method: "GET", path: "/x/\(i)", status: 200, requestBytes: i, responseBytes: 2 * i,
                             durationMicroseconds: 1000 + i, requestHash: SecureToken.hash("q\(i)"), responseHash: SecureToken.hash("a\(i)"))
            if i % 2 == 1 { r.query = "cccd=02509000000\(i)" }  // archived and verified with the rest
            try await MessageLog.append(r, app: app)
        }
    }

    /// An app with its platform key, its clock's now, and a directory for archives removed afterwards.
    static func withArchiving(_ body: (Application, PlatformKey, Date, String) async throws -> Void) async throws {
        try await withApp { app async throws in
            let directory = NSTemporaryDirectory() + "tinhso-archive-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try await body(app, try #require(app.platformKey), app.clock.now(), directory)
        }
    }

    /// Every record archived after a quiet spell, and the server restarted: the next record
    /// follows the archive, not a new chain from 1.
    @Test func aLogArchivedWholeGoesOnFromItsArchive() async throws {
        try await Self.withArchiving { app, key, now, directory in
            try await Self.append(5, at: now.addingTimeInterval(-40 * 86_400), app: app)
            try await LogSealing.sealOnce(app: app, key: key)
            let archive = try #require(try await MessageLog.archive(before: now.addingTimeInterval(-30 * 86_400), directory: directory, key: key, app: app))
            let left = try await MessageRecord.query(on: app.db).count()
            #expect(archive.lastSeq == 5 && left == 0)
            app.messageLogHead = ChainHead()  // as after a restart
            try await Self.append(1, at: now, app: app)
            #expect(try await MessageRecord.query(on: app.db).first()?.seq == 6)
            let v = try await MessageLog.verify(keys: [key.keyID: key.publicKey], on: app.db)
            #expect(v.firstBroken == nil && v.archivedThrough == 5 && v.checked == 1, "\(v)")
        }
    }

    @Test func oldSealedRecordsMoveToSignedFilesAndTheChainStillVerifies() async throws {
        try await Self.withArchiving { app, key, now, directory in
            let keys = [key.keyID: key.publicKey]
            let day = 86_400.0
            try await Self.append(10, at: now.addingTimeInterval(-40 * day), app: app)
            try await LogSealing.sealOnce(app: app, key: key)
            try await Self.append(10, at: now.addingTimeInterval(-20 * day), app: app)
            try await LogSealing.sealOnce(app: app, key: key)
            try await Self.append(5, at: now, app: app)

            let first = try #require(try await MessageLog.archive(before: now.addingTimeInterval(-30 * day), directory: directory, key: key, app: app))
            #expect(first.firstSeq == 1 && first.lastSeq == 10 && first.records == 10)
            #expect(try await MessageRecord.query(on: app.db).count() == 15)
            #expect(try await MessageRecord.query(on: app.db).sort(\.$seq).first()?.seq == 11)
            #expect(try await LogSeal.query(on: app.db).filter(\.$seq <= 10).count() == 0, "the seals went with their records")
            let path = directory + "/" + first.fileName
            let file = try MessageLog.verifyFile(path, keys: keys)
            #expect(file.problem == nil && file.records == 10 && file.seals == 1, "\(file.problem ?? "")")
            let afterFirst = try await MessageLog.verify(keys: keys, on: app.db)
            #expect(afterFirst.firstBroken == nil && afterFirst.archivedThrough == 10 && afterFirst.checked == 15, "\(afterFirst.reason ?? "")")
            #expect(try await MessageLog.archive(before: now.addingTimeInterval(-30 * day), directory: directory, key: key, app: app) == nil,
                    "nothing more is old enough")

            // The next archive continues the chain; the records of today stay.
            let second = try #require(try await MessageLog.archive(before: now.addingTimeInterval(-10 * day), directory: directory, key: key, app: app))
            #expect(second.firstSeq == 11 && second.lastSeq == 20)
            let afterSecond = try await MessageLog.verify(keys: keys, on: app.db)
            #expect(afterSecond.firstBroken == nil && afterSecond.archivedThrough == 20 && afterSecond.checked == 5)
            #expect(try await MessageLog.verify(from: 3, keys: keys, on: app.db).checked == 5, "a range starting in the archives starts after them")

            // An edited archive file, or an edited manifest, is found out.
            let original = try String(contentsOfFile: path, encoding: .utf8)
            try original.replacingOccurrences(of: "\"status\":200", with: "\"status\":404").write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try MessageLog.verifyFile(path, keys: keys).problem?.contains("SHA-256") == true)
            try original.write(toFile: path, atomically: true, encoding: .utf8)
            let manifest = try String(contentsOfFile: path + ".manifest.json", encoding: .utf8)
            try manifest.replacingOccurrences(of: "\"records\":10", with: "\"records\":9").write(toFile: path + ".manifest.json", atomically: true, encoding: .utf8)
            #expect(try MessageLog.verifyFile(path, keys: keys).problem?.contains("chữ ký") == true)
            try manifest.write(toFile: path + ".manifest.json", atomically: true, encoding: .utf8)
            #expect(try MessageLog.verifyFile(path, keys: keys).problem == nil)

            // So is an archive row rewritten in the database to hide a deletion.
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.update(LogArchive.schema).set("last_hash", to: String(repeating: "0", count: 64)).where("last_seq", .equal, 20).run()
            #expect(try await MessageLog.verify(keys: keys, on: app.db).firstBroken == 20)
            try await sql.update(LogArchive.schema).set("last_hash", to: second.lastHash).where("last_seq", .equal, 20).run()
            #expect(try await MessageLog.verify(keys: keys, on: app.db).firstBroken == nil)

            // A broken chain is not archived.
            try await LogSealing.sealOnce(app: app, key: key)
            try await sql.update(MessageRecord.schema).set("status", to: 500).where("seq", .equal, 22).run()
            await #expect(throws: (any Error).self) {
                try await MessageLog.archive(before: now.addingTimeInterval(day), directory: directory, key: key, app: app)
            }
            #expect(try await MessageRecord.query(on: app.db).count() == 5)
        }
    }

    @Test func theBackgroundPassArchivesTheDaysPastRetentionOnce() async throws {
        try await Self.withArchiving { app, key, now, directory in
            try await Self.append(5, at: now.addingTimeInterval(-40 * 86_400), app: app)
            try await LogSealing.sealOnce(app: app, key: key)
            try await Self.append(3, at: now, app: app)
            try await LogSealing.sealOnce(app: app, key: key)
            try await MessageLog.archiveExpired(retentionDays: 30, directory: directory, now: now, app: app)
            try await MessageLog.archiveExpired(retentionDays: 30, directory: directory, now: now, app: app)
            let archives = try await LogArchive.query(on: app.db).all()
            #expect(archives.map(\.lastSeq) == [5], "the old day once; today's records stay")
            #expect(try await MessageRecord.query(on: app.db).count() == 3)
        }
    }
}
