import Foundation
import Kernel
@testable import OneStop
import Testing

@Suite("Attachment store: packs, index and recovery")
struct PackStoreTests {
    /// A fresh data directory and a store on it, closed and removed afterwards.
    static func withStore(packLimit: UInt64 = 1 << 30, _ body: (PackAttachmentStore, String) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "tinhso-pack-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = PackAttachmentStore(directory: dir, packLimit: packLimit)
        do { try await body(store, dir) } catch { await store.close(); throw error }
        await store.close()
    }

    static func document(_ i: Int, size: Int = 3_000) -> Data {
        var d = Data("%PDF-1.4\n% \(i)\n".utf8)
        d.append(Data(repeating: UInt8(i % 251), count: size))
        return d
    }

    static func packs(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir + "/attachments/packs").filter { $0.hasSuffix(".pack") }.sorted()
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    @Test func storesByContentAndStoresTheSameBytesOnce() async throws {
        try await Self.withStore { store, dir in
            let sha = try await store.put(Self.document(1))
            #expect(try await store.get(sha) == Self.document(1))
            let pack = dir + "/attachments/packs/" + (try Self.packs(dir))[0]
            let before = try Self.size(pack)
            #expect(before == PackAttachmentStore.headerSize + Self.document(1).count)
            #expect(try await store.put(Self.document(1)) == sha)
            #expect(try Self.size(pack) == before)
            await #expect(throws: OneStopError.self) { try await store.get(String(repeating: "0", count: 64)) }
            await #expect(throws: OneStopError.self) { try await store.get("../../etc/passwd") }
        }
    }

    /// Many uploads at once, some of them the same bytes, across packs small enough to fill up.
    @Test func concurrentUploadsAreAllReadableAcrossPacks() async throws {
        try await Self.withStore(packLimit: 40_000) { store, dir in
            let shas = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in 0..<120 { group.addTask { (i, try await store.put(Self.document(i % 100))) } }
                return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
            for (i, sha) in shas { #expect(try await store.get(sha) == Self.document(i % 100)) }
            let packs = try Self.packs(dir)
            #expect(packs.count > 1)
            for p in packs { #expect(try Self.size(dir + "/attachments/packs/" + p) <= 40_000) }
        }
    }

    /// The index is rebuilt from the packs when it lost its last entries (here: all of them).
    @Test func aLostIndexIsRebuiltFromThePacks() async throws {
        let dir = NSTemporaryDirectory() + "tinhso-pack-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = PackAttachmentStore(directory: dir, packLimit: 20_000)
        var shas: [String] = []
        for i in 0..<15 { shas.append(try await first.put(Self.document(i))) }
        await first.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir + "/attachments/index.sqlite" + suffix) }

        let second = PackAttachmentStore(directory: dir, packLimit: 20_000)
        for (i, sha) in shas.enumerated() { #expect(try await second.get(sha) == Self.document(i)) }
        await second.close()
    }

    /// A record cut short by a crash was never acknowledged: the pack is cut back to its last whole
    /// record, and appends continue after it.
    @Test func aTornLastRecordIsCutAndAppendsContinue() async throws {
        let dir = NSTemporaryDirectory() + "tinhso-pack-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = PackAttachmentStore(directory: dir)
        let kept = try await first.put(Self.document(1))
        await first.close()
        let pack = dir + "/attachments/packs/" + (try Self.packs(dir))[0]
        let whole = try Self.size(pack)
        let handle = try #require(FileHandle(forWritingAtPath: pack))
        handle.seekToEndOfFile()
        handle.write(Data(PackAttachmentStore.magic) + Data(repeating: 7, count: 50))  // a header, then half a record
        handle.closeFile()

        let second = PackAttachmentStore(directory: dir)
        #expect(try await second.get(kept) == Self.document(1))
        #expect(try Self.size(pack) == whole)
        let next = try await second.put(Self.document(2))
        #expect(try await second.get(next) == Self.document(2))
        #expect(try Self.size(pack) == whole + PackAttachmentStore.headerSize + Self.document(2).count)
        await second.close()
    }

    @Test func alteredBytesAreRefusedNotServed() async throws {
        try await Self.withStore { store, dir in
            let sha = try await store.put(Self.document(3))
            let pack = dir + "/attachments/packs/" + (try Self.packs(dir))[0]
            let handle = try #require(FileHandle(forUpdatingAtPath: pack))
            handle.seek(toFileOffset: UInt64(PackAttachmentStore.headerSize + 20))
            handle.write(Data([0x00, 0x01]))
            handle.closeFile()
            await #expect(throws: PackAttachmentStore.StoreError.self) { try await store.get(sha) }
        }
    }

    /// Stores made before packs kept one file per attachment under `attachments/ab/abcd…`.
    @Test func filesOfTheEarlierLayoutAreStillRead() async throws {
        try await Self.withStore { store, dir in
            let data = Self.document(9)
            let sha = SecureToken.sha256Hex(data)
            try FileManager.default.createDirectory(atPath: dir + "/attachments/" + sha.prefix(2), withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: dir + "/attachments/" + sha.prefix(2) + "/" + sha))
            #expect(try await store.get(sha) == data)
            #expect(try await store.put(data) == sha)
            #expect((try? Self.packs(dir))?.isEmpty ?? true)
        }
    }
}
