import Foundation
import Vapor

/// Where attachment bytes live, addressed by their SHA-256: the same file uploaded twice is stored
/// once, and a stored file cannot be changed without its address changing.
public protocol AttachmentStore: Sendable {
    /// Starts storing the bytes and returns their address at once; `durable()` returns when they
    /// are on disk. A caller awaits it before committing a row that points at them, and can
    /// run its own statements meanwhile.
    func stage(_ data: Data) async throws -> StagedAttachment
    func get(_ sha256: String) async throws -> Data
}

/// Bytes handed to the store, and the wait for them to be on disk.
public struct StagedAttachment: Sendable {
    public let sha256: String
    public let durable: @Sendable () async throws -> Void
}

extension AttachmentStore {
    /// Stores the bytes durably and returns their address.
    public func put(_ data: Data) async throws -> String {
        let staged = try await stage(data)
        try await staged.durable()
        return staged.sha256
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
        get {
            guard let store = storage[StoreKey.self] else { fatalError("app.attachmentStore used before configure set it") }
            return store
        }
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
