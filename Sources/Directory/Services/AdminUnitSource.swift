import Foundation
import Kernel

/// Reads the shipped administrative-unit files into flat rows.
enum AdminUnitSource {
    struct Unit {
        var structure: AdminUnit.Structure
        var level: AdminUnit.Level
        var code: String
        var name: String
        var divisionType: String
        var parentCode: String?
    }

    struct Conversion {
        var oldProvince, oldDistrict, oldCommune, newProvince, newCommune: String
        var isDefault: Bool
    }

    struct Loaded {
        var units: [Unit]
        var conversions: [Conversion]
        /// Conversion entries whose keys matched no unit (typos in the source data).
        var unresolved: Int
    }

    private struct NewProvince: Decodable {
        var name: String, code: Int, division_type: String
        var wards: [NewWard]
    }
    private struct NewWard: Decodable { var name: String, code: Int, division_type: String }
    private struct OldProvince: Decodable {
        var name: String, code: Int, division_type: String
        var districts: [OldDistrict]
    }
    private struct OldDistrict: Decodable {
        var name: String, code: Int, division_type: String
        var wards: [OldWard]
    }
    private struct OldWard: Decodable { var name: String, code: Int, division_type: String }
    private struct DividedTarget: Decodable { var newWardKey: String; var isDefaultNewWard: Bool }
    private struct ConversionFile: Decodable {
        var DICT_PROVINCE_WARD_NO_DIVIDED: [String: [String: [String]]]
        var DICT_PROVINCE_WARD_DIVIDED: [String: [String: [DividedTarget]]]
    }

    static func resource(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources/admin-units")
            ?? Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "admin-units")
        else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name]) }
        return try Data(contentsOf: url)
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The key the conversion file uses: folded letters and digits of the full name.
    static func key(_ s: String) -> String {
        VietnameseText.fold(s).filter { $0.isLetter || $0.isNumber }
    }

    /// 2025 province names omit the "Tỉnh" that the conversion keys include.
    private static func newProvinceKey(_ p: NewProvince) -> String {
        p.division_type == "tỉnh" ? "tinh" + key(p.name) : key(p.name)
    }

    static func load() throws -> Loaded {
        let decoder = JSONDecoder()
        let new = try decoder.decode([NewProvince].self, from: resource("admin-units-2025"))
        let old = try decoder.decode([OldProvince].self, from: resource("admin-units-2024"))
        let conv = try decoder.decode(ConversionFile.self, from: resource("admin-units-conversion-2025"))

        var units: [Unit] = []
        var newIndex: [String: (province: String, commune: String)] = [:]
        for p in new {
            let pc = pad(p.code, 2)
            let name = p.division_type == "tỉnh" ? "Tỉnh \(p.name)" : p.name
            units.append(Unit(structure: .y2025, level: .province, code: pc, name: name, divisionType: p.division_type))
            for w in p.wards {
                let wc = pad(w.code, 5)
                units.append(Unit(structure: .y2025, level: .commune, code: wc, name: w.name, divisionType: w.division_type, parentCode: pc))
                newIndex[newProvinceKey(p) + "/" + key(w.name)] = (pc, wc)
            }
        }
        var oldIndex: [String: (province: String, district: String, commune: String)] = [:]
        for p in old {
            let pc = pad(p.code, 2)
            units.append(Unit(structure: .y2024, level: .province, code: pc, name: p.name, divisionType: p.division_type))
            for d in p.districts {
                let dc = pad(d.code, 3)
                units.append(Unit(structure: .y2024, level: .district, code: dc, name: d.name, divisionType: d.division_type, parentCode: pc))
                for w in d.wards {
                    let wc = pad(w.code, 5)
                    units.append(Unit(structure: .y2024, level: .commune, code: wc, name: w.name, divisionType: w.division_type, parentCode: dc))
                    oldIndex["\(key(p.name))_\(key(d.name))_\(key(w.name))"] = (pc, dc, wc)
                }
            }
        }

        var conversions: [Conversion] = []
        var unresolved = 0
        func oldKey(_ raw: String) -> String {
            raw.split(separator: "_", omittingEmptySubsequences: false).map { key(String($0)) }.joined(separator: "_")
        }
        func add(oldRaw: String, provinceKey: String, wardKey: String, isDefault: Bool) {
            guard let o = oldIndex[oldKey(oldRaw)], let n = newIndex[provinceKey + "/" + key(wardKey)] else {
                unresolved += 1
                return
            }
            conversions.append(Conversion(oldProvince: o.province, oldDistrict: o.district, oldCommune: o.commune,
                                          newProvince: n.province, newCommune: n.commune, isDefault: isDefault))
        }
        for (provinceKey, wards) in conv.DICT_PROVINCE_WARD_NO_DIVIDED {
            for (wardKey, olds) in wards {
                for o in olds { add(oldRaw: o, provinceKey: provinceKey, wardKey: wardKey, isDefault: true) }
            }
        }
        for (provinceKey, olds) in conv.DICT_PROVINCE_WARD_DIVIDED {
            for (o, targets) in olds {
                for t in targets { add(oldRaw: o, provinceKey: provinceKey, wardKey: t.newWardKey, isDefault: t.isDefaultNewWard) }
            }
        }
        return Loaded(units: units, conversions: conversions, unresolved: unresolved)
    }
}
