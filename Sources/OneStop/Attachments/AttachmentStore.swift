import Foundation
import NIOPosix
import Kernel
import Vapor

/// Where attachment bytes live, addressed by their SHA-256: the same file uploaded twice is stored
/// once, and a stored file cannot be changed without its address changing.
public protocol AttachmentStore: Sendable {
    /// Stores the bytes durably and returns their address.
    func put(_ data: Data) async throws -> String
    func get(_ sha256: String) async throws -> Data
}

/// Files under `<data dir>/attachments/ab/abcdef…`, written to a temporary name, fsynced and
/// renamed, so a crash never leaves half a file under a real address.
///
/// The store has its own threads: a write ends in an fsync, which must stall neither an event
/// loop nor the database's threads (Vapor's shared pool has one thread per core and SQLite runs
/// on it), and many fsyncs in flight at once let the file system merge their journal commits.
public final class FileAttachmentStore: AttachmentStore, LifecycleHandler {
    let root: URL
    private let pool: NIOThreadPool

    public init(directory: String, threads: Int = 32) {
        root = URL(fileURLWithPath: directory).appendingPathComponent("attachments", isDirectory: true)
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func url(_ sha: String) -> URL {
        root.appendingPathComponent(String(sha.prefix(2)), isDirectory: true).appendingPathComponent(sha)
    }

    public func put(_ data: Data) async throws -> String {
        try await pool.runIfActive { [root] in try Self.store(data, under: root) }
    }

    public func get(_ sha256: String) async throws -> Data {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit }) else { throw OneStopError.attachmentNotFound }
        let file = url(sha256)
        return try await pool.runIfActive { try Data(contentsOf: file) }
    }

    public func shutdownAsync(_ application: Application) async {
        try? await pool.shutdownGracefully()
    }

    /// Plain system calls rather than FileManager: on the intake path every stat and extra open
    /// counts, and the 256 fan-out directories are made once.
    private static func store(_ data: Data, under root: URL) throws -> String {
        let sha = SecureToken.sha256Hex(data)
        let directory = root.appendingPathComponent(String(sha.prefix(2)), isDirectory: true).path
        let target = directory + "/" + sha
        if access(target, F_OK) == 0 { return sha }
        let temp = directory + "/." + sha + "." + UUID().uuidString
        var fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0, errno == ENOENT {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw StoreError.system("open", errno) }
        do {
            try data.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 { if errno == EINTR { continue }; throw StoreError.system("write", errno) }
                    offset += n
                }
            }
            // On disk before the database says it exists.
            guard fdatasync(fd) == 0 else { throw StoreError.system("fdatasync", errno) }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        // If a concurrent upload of the same bytes won, this replaces its file with identical bytes.
        guard rename(temp, target) == 0 else { unlink(temp); throw StoreError.system("rename", errno) }
        // The rename itself on disk too: a crash must not lose the name of a file a dossier points at.
        let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
        guard dirFD >= 0 else { throw StoreError.system("open", errno) }
        defer { close(dirFD) }
        guard fsync(dirFD) == 0 else { throw StoreError.system("fsync", errno) }
        return sha
    }

    enum StoreError: Error, CustomStringConvertible {
        case system(String, Int32)
        var description: String {
            switch self { case .system(let call, let code): "attachment store: \(call) failed: \(String(cString: strerror(code)))" }
        }
    }
}

/// The kinds of file a dossier accepts, recognised by their content rather than their name.
public enum AttachmentKind: String, CaseIterable, Sendable {
    case pdf, jpeg, png, docx, xlsx

    public var mediaType: HTTPMediaType {
        switch self {
        case .pdf: HTTPMediaType(type: "application", subType: "pdf")
        case .jpeg: .jpeg
        case .png: .png
        case .docx: HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.wordprocessingml.document")
        case .xlsx: HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
    }

    /// The kind, or the reason the file is refused (empty, too large, not an accepted type).
    public static func check(_ data: Data) throws -> AttachmentKind {
        guard !data.isEmpty else { throw OneStopError.fileRejected("Tệp rỗng.") }
        guard data.count <= AttachmentLimits.perFile else {
            throw OneStopError.fileRejected("Tệp vượt quá \(AttachmentLimits.perFile / 1_048_576) MB.")
        }
        guard let kind = detect(data) else {
            throw OneStopError.fileRejected("Chỉ nhận tệp PDF, JPEG, PNG, DOCX hoặc XLSX (kiểm tra theo nội dung tệp).")
        }
        return kind
    }

    public static func detect(_ data: Data) -> AttachmentKind? {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            // Office files are ZIP archives; the part names tell a document from a workbook.
            if data.range(of: Data("word/".utf8)) != nil { return .docx }
            if data.range(of: Data("xl/".utf8)) != nil { return .xlsx }
        }
        return nil
    }
}

/// Size limits per file and per dossier.
public enum AttachmentLimits {
    public static let perFile = 10 * 1024 * 1024
    public static let perDossier = 50 * 1024 * 1024
}

extension Application {
    private struct StoreKey: StorageKey { typealias Value = any AttachmentStore }
    public var attachmentStore: any AttachmentStore {
        get { storage[StoreKey.self] ?? FileAttachmentStore(directory: NSTemporaryDirectory()) }
        set { storage[StoreKey.self] = newValue }
    }
}

/// A file name safe to show and to put in a Content-Disposition header.
enum FileName {
    static func sanitised(_ raw: String, kind: AttachmentKind) -> String {
        let base = (raw as NSString).lastPathComponent
        let cleaned = String(base.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) && !"\"\\/:*?<>|".unicodeScalars.contains($0) })
            .trimmingCharacters(in: .whitespaces)
        let stem = cleaned.isEmpty ? "tep" : String(cleaned.prefix(120))
        return stem.lowercased().hasSuffix(".\(kind.rawValue == "jpeg" ? "jpg" : kind.rawValue)") || stem.lowercased().hasSuffix(".\(kind.rawValue)")
            ? stem : "\(stem).\(kind.rawValue == "jpeg" ? "jpg" : kind.rawValue)"
    }
}
