import Fluent
import Foundation

/// Commune codes as they are now: data from before the 1 July 2025 reform names communes that
/// were merged; their records now belong to the 2025 commune that took them in.
public enum CommuneCodes {
    /// Every pre-2025 commune code with the 2025 commune it became (the default one for a divided commune).
    public static func conversion(on db: any Database) async throws -> [String: String] {
        var out: [String: String] = [:]
        for c in try await AdminUnitConversion.query(on: db).all() where c.isDefault || out[c.oldCommuneCode] == nil {
            out[c.oldCommuneCode] = c.newCommuneCode
        }
        return out
    }
}
