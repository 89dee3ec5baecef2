import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Kernel
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import SQLiteNIO
import Vapor

/// Attachment bytes appended to large pack files (tệp gói) under `<data dir>/attachments/packs/`,
/// with an index from SHA-256 to (pack, offset, length) in `attachments/index.sqlite`.
///
/// Why packs rather than one file per attachment: creating a file costs an inode, a directory
/// entry and an fsync of each, and on a busy ext4 volume inode allocation alone took a full core at
/// 1,000 uploads a second (decision 0011). Appends from concurrent uploads are written together
/// and made durable with one `fdatasync` per batch, the way `GroupCommit` shares a commit.
///
/// Durability: an upload is acknowledged only after its bytes are synced. The index is written
/// after that without an fsync of its own; if a crash loses the index's last entries, opening the
/// store re-reads every pack past its last indexed record (each record carries its SHA-256 and
/// length) and indexes what it finds, truncating a torn last record that was never acknowledged.
public final class PackAttachmentStore: AttachmentStore, LifecycleHandler {
    static let magic = Array("TSPACK01".utf8)
    static let headerSize = 48  // magic, SHA-256, length (UInt64 little-endian)

    let root: URL
    private let threads: NIOThreadPool
    private let writer: Writer
    private let opened = NIOLockedValueBox<Task<Opened, any Error>?>(nil)

    /// - Parameter packLimit: a pack is closed to new records once it holds this many bytes.
    public init(directory: String, packLimit: UInt64 = 1 << 30, threads: Int = 8) {
        root = URL(fileURLWithPath: directory).appendingPathComponent("attachments", isDirectory: true)
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
        writer = Writer(packLimit: packLimit, threads: self.threads)
    }

    public func stage(_ data: Data) async throws -> StagedAttachment {
        let sha = SecureToken.sha256Hex(data)
        let store = try await open()
        if try await store.location(sha) != nil || access(legacyPath(sha), F_OK) == 0 { return StagedAttachment(sha256: sha, durable: {}) }
        let appended = Task { [writer] in try await writer.append(sha: sha, data: data, to: store) }
        return StagedAttachment(sha256: sha, durable: { try await appended.value })
    }

    public func get(_ sha256: String) async throws -> Data {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit }) else { throw OneStopError.attachmentNotFound }
        let sha = sha256.lowercased()
        let store = try await open()
        guard let at = try await store.location(sha) else {
            // Stores made before packs kept one file per attachment; those files are still read.
            let legacy = legacyPath(sha)
            guard access(legacy, R_OK) == 0 else { throw OneStopError.attachmentNotFound }
            return try await threads.runIfActive { try Data(contentsOf: URL(fileURLWithPath: legacy)) }
        }
        let path = store.packPath(at.pack)
        let data = try await threads.runIfActive { try Self.read(path, offset: at.offset, length: at.length) }
        guard SecureToken.sha256Hex(data) == sha else { throw StoreError.corrupt(sha) }
        return data
    }

    public func shutdownAsync(_ application: Application) async { await close() }

    /// Closes the pack, the index and the threads; the store cannot be used afterwards.
    public func close() async {
        if let task = opened.withLockedValue({ $0 }), let store = try? await task.value {
            await writer.close()
            try? await store.index.close()
        }
        try? await threads.shutdownGracefully()
    }

    private func legacyPath(_ sha: String) -> String {
        root.appendingPathComponent(String(sha.prefix(2))).appendingPathComponent(sha).path
    }

    /// Opens the index and recovers the packs once, on first use.
    private func open() async throws -> Opened {
        let task = opened.withLockedValue { task in
            if let task { return task }
            let (root, threads) = (self.root, self.threads)
            let new = Task { try await Opened.open(root: root, threads: threads) }
            task = new
            return new
        }
        return try await task.value
    }

    // MARK: Index

    struct Location: Sendable { var pack: Int; var offset: Int; var length: Int }

    /// The open index and where the packs are.
    struct Opened: Sendable {
        let index: SQLiteConnection
        let packs: URL
        /// The highest pack number and its size, where appends continue.
        let last: (pack: Int, size: UInt64)?

        func packPath(_ pack: Int) -> String { packs.appendingPathComponent(String(format: "%08d.pack", pack)).path }

        func location(_ sha: String) async throws -> Location? {
            let rows = try await index.query("SELECT pack, offset, length FROM blobs WHERE sha256 = ?", [.text(sha)])
            guard let row = rows.first, let pack = row.column("pack")?.integer, let offset = row.column("offset")?.integer,
                  let length = row.column("length")?.integer else { return nil }
            return Location(pack: pack, offset: offset, length: length)
        }

        func record(_ entries: [(sha: String, at: Location)]) async throws {
            // A repeated SHA-256 keeps its first location; the later copy's bytes are never read.
            for chunk in stride(from: 0, to: entries.count, by: 200).map({ entries[$0..<min($0 + 200, entries.count)] }) {
                let values = Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                let binds = chunk.flatMap { e -> [SQLiteData] in [.text(e.sha), .integer(e.at.pack), .integer(e.at.offset), .integer(e.at.length)] }
                _ = try await index.query("INSERT OR IGNORE INTO blobs (sha256, pack, offset, length) VALUES \(values)", binds)
            }
        }

        static func open(root: URL, threads: NIOThreadPool) async throws -> Opened {
            let packs = root.appendingPathComponent("packs", isDirectory: true)
            try FileManager.default.createDirectory(at: packs, withIntermediateDirectories: true)
            let index = try await SQLiteConnection.open(storage: .file(path: root.appendingPathComponent("index.sqlite").path),
                                                        threadPool: threads, logger: Logger(label: "tinhso.attachments"),
                                                        on: MultiThreadedEventLoopGroup.singleton.any())
            // WAL without a sync per commit: a lost index tail is rebuilt from the packs (see the type's comment).
            for statement in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                              "CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, pack INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID",
                              "CREATE INDEX IF NOT EXISTS blobs_by_position ON blobs (pack, offset)"] {
                _ = try await index.query(statement, [])
            }
            var store = Opened(index: index, packs: packs, last: nil)
            let numbers = try FileManager.default.contentsOfDirectory(atPath: packs.path)
                .compactMap { $0.hasSuffix(".pack") ? Int($0.dropLast(5)) : nil }.sorted()
            for pack in numbers {
                let indexedEnd = try await index.query("SELECT offset + length AS end FROM blobs WHERE pack = ? ORDER BY offset DESC LIMIT 1",
                                                       [.integer(pack)]).first?.column("end")?.integer ?? 0
                let path = store.packPath(pack)
                let found = try await threads.runIfActive { try Self.recover(path, from: UInt64(indexedEnd)) }
                try await store.record(found.map { ($0.sha, Location(pack: pack, offset: $0.offset, length: $0.length)) })
            }
            if let pack = numbers.last {
                var info = stat()
                guard stat(store.packPath(pack), &info) == 0 else { throw StoreError.system("stat", errno) }
                store = Opened(index: index, packs: packs, last: (pack, UInt64(info.st_size)))
            }
            return store
        }

        /// The complete records of a pack from `start` on. A record that is cut short or does not
        /// match its SHA-256 is the tail of a write that was never acknowledged: the pack is cut there.
        static func recover(_ path: String, from start: UInt64) throws -> [(sha: String, offset: Int, length: Int)] {
            let fd = openFile(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { throw StoreError.system("open", errno) }
            defer { closeFile(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw StoreError.system("fstat", errno) }
            let size = UInt64(info.st_size)
            var found: [(sha: String, offset: Int, length: Int)] = []
            var position = start
            while position < size {
                guard let (sha, length) = try header(fd, at: position, size: size),
                      let data = try? PackAttachmentStore.read(fd, offset: Int(position) + headerSize, length: length),
                      SecureToken.sha256Hex(data) == sha
                else {
                    guard ftruncate(fd, off_t(position)) == 0, fdatasync(fd) == 0 else { throw StoreError.system("ftruncate", errno) }
                    break
                }
                found.append((sha, Int(position) + headerSize, length))
                position += UInt64(headerSize + length)
            }
            return found
        }

        private static func header(_ fd: Int32, at position: UInt64, size: UInt64) throws -> (String, Int)? {
            guard position + UInt64(headerSize) <= size,
                  let bytes = try? PackAttachmentStore.read(fd, offset: Int(position), length: headerSize),
                  Array(bytes.prefix(8)) == PackAttachmentStore.magic
            else { return nil }
            let sha = bytes[8..<40].map { String(format: "%02x", $0) }.joined()
            let length = bytes[40..<48].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard position + UInt64(headerSize) + length <= size else { return nil }
            return (sha, Int(length))
        }
    }

    // MARK: Writing

    /// Appends records to the last pack. Uploads arriving while a batch is being synced wait and
    /// go together into the next one.
    actor Writer {
        private struct Pending { let sha: String; let data: Data; let continuation: CheckedContinuation<Void, any Error> }
        private let packLimit: UInt64
        private let threads: NIOThreadPool
        private var pending: [Pending] = []
        private var draining = false
        private var pack: (number: Int, fd: Int32, size: UInt64)?

        init(packLimit: UInt64, threads: NIOThreadPool) { self.packLimit = packLimit; self.threads = threads }

        func append(sha: String, data: Data, to store: Opened) async throws {
            try await withCheckedThrowingContinuation { continuation in
                pending.append(Pending(sha: sha, data: data, continuation: continuation))
                if !draining {
                    draining = true
                    Task(priority: .high) { await self.drain(store) }
                }
            }
        }

        func close() {
            if let pack { closeFile(pack.fd) }
            pack = nil
        }

        private func drain(_ store: Opened) async {
            while !pending.isEmpty {
                let target: (number: Int, fd: Int32, start: UInt64)
                do { target = try packFor(store, adding: UInt64(headerSize + pending[0].data.count)) } catch {
                    for p in pending { p.continuation.resume(throwing: error) }
                    pending.removeAll()
                    break
                }
                // As many as fit in the pack; the same bytes twice are written once.
                var (batch, twins, rest) = ([Pending](), [Pending](), [Pending]())
                var seen = Set<String>()
                var end = target.start
                for p in pending {
                    let bytes = UInt64(headerSize + p.data.count)
                    if seen.contains(p.sha) { twins.append(p) }
                    else if batch.isEmpty || end + bytes <= packLimit { batch.append(p); seen.insert(p.sha); end += bytes }
                    else { rest.append(p) }
                }
                pending = rest
                let result: Result<Void, any Error>
                do {
                    let items = batch.map { ($0.sha, $0.data) }
                    // The actor is free while this runs: the next batch gathers meanwhile.
                    let written = try await threads.runIfActive { try PackAttachmentStore.append(items, to: target.fd, at: target.start) }
                    pack = (target.number, target.fd, written.end)
                    try await store.record(zip(batch, written.offsets).map { ($0.sha, Location(pack: target.number, offset: $1, length: $0.data.count)) })
                    result = .success(())
                } catch {
                    // Whatever the failed append left after `start` was never acknowledged: the next batch
                    // writes over it (and a torn tail left at a crash is cut when the store opens).
                    _ = ftruncate(target.fd, off_t(target.start))
                    result = .failure(error)
                }
                for p in batch + twins { p.continuation.resume(with: result) }
            }
            draining = false
        }

        /// The pack to append `bytes` to: the last one, or a new one when it is full.
        private func packFor(_ store: Opened, adding bytes: UInt64) throws -> (Int, Int32, UInt64) {
            if pack == nil, let last = store.last { pack = try openPack(store.packPath(last.pack), number: last.pack, size: last.size) }
            if let pack, pack.size == 0 || pack.size + bytes <= packLimit { return (pack.number, pack.fd, pack.size) }
            let number = (pack?.number ?? store.last?.pack ?? 0) + 1
            close()
            let new = try openPack(store.packPath(number), number: number, size: 0, create: true)
            // The new pack's name on disk before anything in it is acknowledged.
            let dir = openFile(store.packs.path, O_RDONLY | O_CLOEXEC)
            guard dir >= 0 else { throw StoreError.system("open", errno) }
            defer { closeFile(dir) }
            guard fsync(dir) == 0 else { throw StoreError.system("fsync", errno) }
            pack = new
            return (new.number, new.fd, 0)
        }

        private func openPack(_ path: String, number: Int, size: UInt64, create: Bool = false) throws -> (number: Int, fd: Int32, size: UInt64) {
            let fd = openFile(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0o644)
            guard fd >= 0 else { throw StoreError.system("open", errno) }
            return (number, fd, size)
        }
    }

    /// Writes the records at `start` and syncs them; returns each record's data offset and the new end.
    static func append(_ items: [(sha: String, data: Data)], to fd: Int32, at start: UInt64) throws -> (offsets: [Int], end: UInt64) {
        var position = start
        var offsets: [Int] = []
        for (sha, data) in items {
            var header = magic + [UInt8](hex: sha)
            header += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(data.count) >> ($0 * 8)) }
            try header.withUnsafeBytes { try write(fd, $0, at: position) }
            try data.withUnsafeBytes { try write(fd, $0, at: position + UInt64(headerSize)) }
            offsets.append(Int(position) + headerSize)
            position += UInt64(headerSize + data.count)
        }
        guard fdatasync(fd) == 0 else { throw StoreError.system("fdatasync", errno) }
        return (offsets, position)
    }

    private static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 { if errno == EINTR { continue }; throw StoreError.system("pwrite", errno) }
            done += n
        }
    }

    static func read(_ path: String, offset: Int, length: Int) throws -> Data {
        let fd = openFile(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.system("open", errno) }
        defer { closeFile(fd) }
        return try read(fd, offset: offset, length: length)
    }

    static func read(_ fd: Int32, offset: Int, length: Int) throws -> Data {
        var data = Data(count: length)
        try data.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < length {
                let n = pread(fd, buffer.baseAddress! + done, length - done, off_t(offset + done))
                if n < 0 { if errno == EINTR { continue }; throw StoreError.system("pread", errno) }
                if n == 0 { throw StoreError.system("pread (end of file)", EIO) }
                done += n
            }
        }
        return data
    }

    enum StoreError: Error, CustomStringConvertible {
        case system(String, Int32)
        case corrupt(String)
        var description: String {
            switch self {
            case .system(let call, let code): "attachment store: \(call) failed: \(String(cString: strerror(code)))"
            case .corrupt(let sha): "attachment store: the bytes stored for \(sha) no longer match their SHA-256"
            }
        }
    }
}

// The store and its parts have methods named `open` and `close`; these name the system calls.
#if canImport(Glibc)
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { Glibc.open(path, flags, mode) }
private func closeFile(_ fd: Int32) { _ = Glibc.close(fd) }
#else
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { Darwin.open(path, flags, mode) }
private func closeFile(_ fd: Int32) { _ = Darwin.close(fd) }
#endif

extension Array where Element == UInt8 {
    /// The bytes a lowercase hexadecimal string spells.
    init(hex: String) {
        let digits = Array(hex.utf8).map { $0 <= 57 ? $0 - 48 : $0 - 87 }
        self = stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}
