import Fluent
import Foundation
import Kernel
import Vapor

/// A unit as other modules and the API see it.
public struct AdminUnitRef: Content, Equatable {
    public var code: String
    public var name: String
    public var type: String
}

/// The result of converting an address written in the pre-2025 structure.
public struct ConvertedAddress: Content, Equatable {
    public struct OldUnits: Content, Equatable {
        public var province: AdminUnitRef
        public var district: AdminUnitRef?
        public var commune: AdminUnitRef?
    }
    public struct NewUnits: Content, Equatable {
        public var province: AdminUnitRef
        public var commune: AdminUnitRef?
    }
    public var input: String
    /// House number, street, hamlet: whatever came before the administrative units, kept as written.
    public var detail: String?
    /// Set when the input was already written in the 2025 structure.
    public var alreadyCurrent: Bool
    public var old: OldUnits?
    public var new: NewUnits
    /// Other 2025 communes that received part of a divided old commune.
    public var alternatives: [AdminUnitRef]
    /// The address written the 2025 way.
    public var address: String
}

/// Converts addresses between the pre-2025 and 2025 structures (chuyển đổi địa chỉ). Works on an
/// in-memory snapshot of the reference tables, built once per process on first use.
public struct AddressConverter: Sendable {
    let snapshot: AdminUnitSnapshot

    public func convert(_ address: String) throws -> ConvertedAddress {
        let parts = address.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let last = parts.last else { throw DirectoryError.emptyAddress }
        // Most addresses people bring are written the old way; one that does not resolve there may
        // already be in the 2025 structure (province names like "Tỉnh Phú Thọ" exist in both).
        var oldFailure: (any Error)?
        if let oldProvince = snapshot.find(last, among: snapshot.children2024[""] ?? []) {
            do { return try convertOld(parts: parts, province: oldProvince, input: address) } catch { oldFailure = error }
        }
        if let newProvince = snapshot.find(last, among: snapshot.children2025[""] ?? []) {
            var commune: AdminUnitSnapshot.Unit?
            if parts.count >= 2 {
                commune = snapshot.find(parts[parts.count - 2], among: snapshot.children2025[newProvince.code] ?? [])
            }
            if commune != nil || oldFailure == nil {
                let detailParts = Array(parts.dropLast(commune == nil ? 1 : 2))
                return ConvertedAddress(
                    input: address, detail: detailParts.isEmpty ? nil : detailParts.joined(separator: ", "),
                    alreadyCurrent: true, old: nil,
                    new: .init(province: newProvince.ref, commune: commune?.ref), alternatives: [],
                    address: (detailParts + [commune?.name, newProvince.name].compactMap { $0 }).joined(separator: ", "))
            }
        }
        if let oldFailure { throw oldFailure }
        throw DirectoryError.addressNotRecognized(part: last)
    }

    private func convertOld(parts: [String], province: AdminUnitSnapshot.Unit, input: String) throws -> ConvertedAddress {
        var rest = Array(parts.dropLast())
        var district: AdminUnitSnapshot.Unit?
        var commune: AdminUnitSnapshot.Unit?
        if let d = rest.last.flatMap({ snapshot.find($0, among: snapshot.children2024[province.code] ?? []) }) {
            district = d
            rest.removeLast()
            if let c = rest.last.flatMap({ snapshot.find($0, among: snapshot.children2024[d.code] ?? []) }) {
                commune = c
                rest.removeLast()
            }
        } else if let last = rest.last {
            // "Xã A, Tỉnh B" without the district: accept when the commune name is unique in the province.
            let all = (snapshot.children2024[province.code] ?? []).flatMap { snapshot.children2024[$0.code] ?? [] }
            let hits = snapshot.matches(last, among: all)
            if hits.count == 1, let c = hits.first {
                commune = c
                district = snapshot.byCode2024[c.parentCode ?? ""]
                rest.removeLast()
            } else if hits.count > 1 {
                throw DirectoryError.ambiguousAddress(part: last)
            }
        }
        guard let commune else {
            if rest.isEmpty || district != nil {
                throw DirectoryError.communeMissing
            }
            throw DirectoryError.addressNotRecognized(part: rest.last ?? "")
        }
        let targets = snapshot.conversions[commune.code] ?? []
        guard let primary = targets.first(where: \.isDefault) ?? targets.first,
              let newCommune = snapshot.byCode2025[primary.newCommune],
              let newProvince = snapshot.byCode2025[primary.newProvince]
        else { throw DirectoryError.noConversion(commune: commune.name) }
        let alternatives = targets.filter { $0.newCommune != primary.newCommune }
            .compactMap { snapshot.byCode2025[$0.newCommune]?.ref }
        let detail = rest.isEmpty ? nil : rest.joined(separator: ", ")
        return ConvertedAddress(
            input: input, detail: detail, alreadyCurrent: false,
            old: .init(province: province.ref, district: district?.ref, commune: commune.ref),
            new: .init(province: newProvince.ref, commune: newCommune.ref),
            alternatives: alternatives,
            address: (rest + [newCommune.name, newProvince.name]).joined(separator: ", "))
    }
}

/// The reference tables in memory, indexed for conversion.
public struct AdminUnitSnapshot: Sendable {
    struct Unit: Sendable {
        var code: String
        var name: String
        var type: String
        var parentCode: String?
        /// Folded full name ("phuongtandan") and name without its type word ("tandan").
        var fullKey: String
        var shortKey: String
        var ref: AdminUnitRef { AdminUnitRef(code: code, name: name, type: type) }
    }
    struct Target: Sendable { var newProvince: String, newCommune: String, isDefault: Bool }

    /// Children by parent code; "" holds the provinces.
    var children2024: [String: [Unit]] = [:]
    var children2025: [String: [Unit]] = [:]
    var byCode2024: [String: Unit] = [:]
    var byCode2025: [String: Unit] = [:]
    var conversions: [String: [Target]] = [:]

    /// Type words (and their usual abbreviations) that may stand before a unit's name.
    static let typeWords = ["thanh pho", "thi tran", "thi xa", "dac khu", "tinh", "quan", "huyen", "phuong", "xa",
                            "tp.", "tp", "tx.", "tx", "tt.", "tt", "q.", "h.", "p.", "x."]

    static func compact(_ s: String) -> String { s.filter { $0.isLetter || $0.isNumber } }

    /// The key for matching user input: folded, without a leading type word, letters and digits only.
    static func matchKey(_ text: String) -> String {
        var folded = VietnameseText.fold(text).trimmingCharacters(in: .whitespaces)
        for word in typeWords where folded.hasPrefix(word + " ") || (word.hasSuffix(".") && folded.hasPrefix(word)) {
            folded = String(folded.dropFirst(word.count))
            break
        }
        return compact(folded)
    }

    /// The units a piece of an address names: an exact full-name match wins over a match
    /// without the type word, so "Phường Tân Dân" does not also find "Xã Tân Dân".
    func matches(_ text: String, among units: [Unit]) -> [Unit] {
        let full = Self.compact(VietnameseText.fold(text)), short = Self.matchKey(text)
        let exact = units.filter { $0.fullKey == full }
        if !exact.isEmpty { return exact }
        guard !short.isEmpty else { return [] }
        return units.filter { $0.shortKey == short }
    }

    func find(_ text: String, among units: [Unit]) -> Unit? {
        matches(text, among: units).first
    }

    static func build(on db: any Database) async throws -> AdminUnitSnapshot {
        var snap = AdminUnitSnapshot()
        for u in try await AdminUnit.query(on: db).all() {
            let unit = Unit(code: u.code, name: u.name, type: u.divisionType, parentCode: u.parentCode,
                            fullKey: compact(VietnameseText.fold(u.name)), shortKey: matchKey(u.name))
            switch u.structure {
            case .y2024:
                snap.children2024[u.parentCode ?? "", default: []].append(unit)
                snap.byCode2024[u.code] = unit
            case .y2025:
                snap.children2025[u.parentCode ?? "", default: []].append(unit)
                snap.byCode2025[u.code] = unit
            }
        }
        for c in try await AdminUnitConversion.query(on: db).all() {
            snap.conversions[c.oldCommuneCode, default: []].append(
                Target(newProvince: c.newProvinceCode, newCommune: c.newCommuneCode, isDefault: c.isDefault))
        }
        return snap
    }
}

/// Holds the snapshot once built; reference data does not change while the server runs.
actor AdminUnitSnapshotCache {
    private var snapshot: AdminUnitSnapshot?
    func get(_ db: any Database) async throws -> AdminUnitSnapshot {
        if let snapshot { return snapshot }
        let built = try await AdminUnitSnapshot.build(on: db)
        snapshot = built
        return built
    }
}

extension Application {
    private struct SnapshotKey: StorageKey { typealias Value = AdminUnitSnapshotCache }
    var adminUnitCache: AdminUnitSnapshotCache {
        if let cache = storage[SnapshotKey.self] { return cache }
        let cache = AdminUnitSnapshotCache()
        storage[SnapshotKey.self] = cache
        return cache
    }
}

extension Request {
    /// The address converter other modules use: `try await req.addressConverter().convert("…")`.
    public func addressConverter() async throws -> AddressConverter {
        AddressConverter(snapshot: try await application.adminUnitCache.get(db))
    }
}
