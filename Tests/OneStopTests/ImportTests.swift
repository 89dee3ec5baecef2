import Fluent
import Foundation
import Kernel
import OneStop
import SQLKit
import Testing
import TestSupport
import Vapor

@Suite("Import of historical dossiers and the synthetic year")
struct ImportTests {
    /// A valid record of a business-registration dossier, returned; `edit` changes one thing.
    static func line(_ code: String, edit: (inout [String: Any]) -> Void = { _ in }) -> String {
        var r: [String: Any] = [
            "MaHoSo": code, "MaTTHC": "2.001610", "KenhThucHien": 1, "ChuHoSo": "Trần Thị Bình", "SoGiayToChuHoSo": "025090000002",
            "NgayNopHoSo": "20250310083000", "NgayTiepNhan": "20250310083000", "NgayHenTra": "20250313170000",
            "NgayKetThucXuLy": "20250312100000", "NgayTra": "20250313090000", "TrangThaiHoSo": 10,
            "NoiNopHoSo": "H42.30", "DonViXuLy": "H42.03", "MucDoHaiLong": 3,
            "TaiLieuNop": [["TenTepDinhKem": "de-nghi.pdf", "MaThanhPhanHoSo": "Giấy đề nghị đăng ký doanh nghiệp", "DuocSoHoa": 1]],
            "DanhSachGiayToKetQua": [["TenGiayTo": "Giấy chứng nhận", "DuongDanTepTinKetQua": "https://cu.example/kq.pdf"]],
        ]
        edit(&r)
        return String(decoding: try! JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]), as: UTF8.self)
    }

    static func write(_ lines: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "import-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func badLinesAreReportedAndTheRestImportedOnce() async throws {
        try await withApp { app async throws in
            let lines = [
                Self.line("CU-0001"),                                                            // 1: fine
                Self.line("CU-0002") { $0["MaTTHC"] = "9.999999" },                               // 2: unknown procedure
                Self.line("CU-0003") { $0["NgayTiepNhan"] = "2025-03-10" },                       // 3: bad date
                Self.line("CU-0004") { $0["NgayTra"] = "20250301090000" },                        // 4: returned before received
                Self.line("CU-0005") { $0["QuaTrinhXuLy"] = [["ThoiDiemXuLy": "20250310083000", "TrangThai": 2],
                                                        ["ThoiDiemXuLy": "20250311083000", "TrangThai": 10]] },  // 5: received → returned
                Self.line("CU-0001"),                                                            // 6: duplicate of line 1
                "{\"MaHoSo\": \"CU-0007\", ",                                               // 7: not JSON
                Self.line("CU-0008") { $0.removeValue(forKey: "KenhThucHien") },                 // 8: missing field
                "",                                                                         // 9: blank, skipped
                Self.line("CU-0010") { $0["DonViXuLy"] = "H30.03"; $0["NoiNopHoSo"] = "H30.30" }, // 10: an old province's agency, mapped
                Self.line("CU-0011") { $0["MucDoHaiLong"] = 7 },                                  // 11: rating out of scale
                Self.line("CU-0012") { $0["TrangThaiHoSo"] = 5; $0["NgayKetThucXuLy"] = nil; $0["NgayTra"] = nil
                    $0["DanhSachHoSoBoSung"] = [["NgayBoSung": "20250311090000", "NoiDungBoSung": "Bổ sung điều lệ"]] },  // 12: waiting, fine
            ]
            let path = try Self.write(lines)
            // A map to an agency the province does not have is refused before any line is read.
            await #expect(throws: OneStopError.self) { try await DossierImporter.make(app: app, agencyMap: ["H30.03": "H99.99"]) }
            let importer = try await DossierImporter.make(app: app, agencyMap: ["H30.03": "H42.03", "H30.30": "H42.30"])
            let report = try await importer.run(path: path, app: app)
            #expect(report.lines == 12)
            #expect(report.imported == 3)
            #expect(report.problems.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 11])
            let reasons = Dictionary(uniqueKeysWithValues: report.problems.map { ($0.line, $0.reason) })
            #expect(reasons[2]?.contains("không có trong danh mục") == true)
            #expect(reasons[3]?.contains("NgayTiepNhan") == true)
            #expect(reasons[4]?.contains("NgayTra") == true)
            #expect(reasons[5]?.contains("không thể chuyển") == true)
            #expect(reasons[6]?.contains("trùng") == true)
            #expect(reasons[8]?.contains("KenhThucHien") == true)
            // Nothing of a refused line is written; a dossier is written whole.
            #expect(try await Dossier.query(on: app.db).filter(\.$code ~~ ["CU-0002", "CU-0004", "CU-0005", "CU-0011"]).count() == 0)
            let one = try await DossierService.find("CU-0001", on: app.db)
            #expect(one.currentStatus == .returned && one.rating == 3 && one.source == "import")
            #expect(try await DossierService.auditBreak(one, on: app.db) == nil)
            let events = try await DossierEvent.query(on: app.db).filter(\.$dossierID == one.requireID()).sort(\.$seq).all()
            #expect(events.map(\.action) == ["enter", "start-processing", "approve", "return-result"])
            // Its rows have time-ordered ids (version 7), so that a batch appends to the ends of their indexes.
            let files = try await DossierAttachment.query(on: app.db).filter(\.$dossierID == one.requireID()).all()
            let ids = try [one.requireID()] + events.map { try $0.requireID() } + files.map { try $0.requireID() }
            #expect(files.count == 2 && ids.allSatisfy { $0.uuid.6 >> 4 == 7 })
            #expect(try await DossierService.find("CU-0010", on: app.db).decidingAgency == "H42.03")
            let waiting = try await DossierService.find("CU-0012", on: app.db)
            #expect(waiting.currentStatus == .supplementRequested && waiting.resumeStatus == 4 && waiting.dueAt == nil)

            // Again: nothing new, nothing lost.
            let again = try await DossierImporter.make(app: app, agencyMap: ["H30.03": "H42.03", "H30.30": "H42.30"]).run(path: path, app: app)
            #expect(again.imported == 0 && again.alreadyThere == 3)
            #expect(try await Dossier.query(on: app.db).filter(\.$source == "import").count() == 3)
            // A batch of old and new lines: the new one is written, with its statistics' fact, and nothing twice.
            let mixed = try await DossierImporter.make(app: app, agencyMap: [:]).run(path: Self.write([Self.line("CU-0001"), Self.line("CU-0013")]), app: app)
            #expect(mixed.imported == 1 && mixed.alreadyThere == 1 && mixed.problems.isEmpty)
            struct Count: Decodable { var n: Int }
            let sql = try #require(app.db as? any SQLDatabase)
            let facts = try await sql.raw("SELECT COUNT(*) AS n FROM dossier_facts WHERE code LIKE 'CU-%'").first(decoding: Count.self)?.n
            #expect(facts == 4)
        }
    }

    @Test func aPreReformCommuneIsFoundThroughTheConversion() async throws {
        try await withApp { app async throws in
            // A pre-2025 commune of Phú Thọ whose 2025 commune has a People's Committee in the demo.
            struct Row: Decodable { var old_commune_code: String; var new_commune_code: String }
            let sql = try #require(app.db as? any SQLDatabase)
            let rows = try await sql.select().columns("old_commune_code", "new_commune_code").from("admin_unit_conversions")
                .where("new_province_code", .equal, "25").where("is_default", .equal, true).limit(200).all(decoding: Row.self)
            let row = try #require(rows.first { $0.old_commune_code != $0.new_commune_code })
            let path = try Self.write([Self.line("XA-0001") {
                $0["MaTTHC"] = "1.001193"; $0["DonViXuLy"] = "H25.99.\(row.old_commune_code)"; $0["NoiNopHoSo"] = ""; $0["MaXa"] = row.old_commune_code
                $0["NgayNopHoSo"] = "20250310083000"; $0["TaiLieuNop"] = []
            }])
            let report = try await DossierImporter.make(app: app, agencyMap: [:]).run(path: path, app: app)
            #expect(report.problems.isEmpty, "\(report.problems)")
            let d = try await DossierService.find("XA-0001", on: app.db)
            #expect(d.decidingAgency == "H42.\(row.new_commune_code)")
        }
    }

    @Test func aSyntheticYearGoesThroughTheImporterAndLooksLikeAProvince() async throws {
        try await withApp { app async throws in
            let year = try await SyntheticYear.make(app: app, year: 2025, now: app.clock.now())
            let records = try (0..<600).map { ($0 + 1, try year.record($0, seed: 7)) }
            #expect(try year.record(42, seed: 7).MaHoSo == records[42].1.MaHoSo)  // the same seed, the same dossier
            let importer = try await DossierImporter.make(app: app, agencyMap: [:])
            let (prepared, problems) = await importer.prepare(records)
            #expect(problems.isEmpty, "\(problems.prefix(3))")
            var report = ImportReport()
            var seen = Set<UInt64>()
            try await importer.store(prepared, seen: &seen, report: &report, app: app)
            #expect(report.imported == 600)
            let all = records.map(\.1)
            let received = all.filter { $0.NgayTiepNhan != nil }
            let online = Double(all.filter { $0.KenhThucHien == 2 }.count) / Double(all.count)
            let ended = all.filter { [9, 10].contains($0.TrangThaiHoSo) }
            let late = ended.filter { d in d.NgayKetThucXuLy! > d.NgayHenTra! }
            #expect((0.35...0.75).contains(online), "online share \(online)")
            #expect(Double(late.count) / Double(ended.count) < 0.1)
            #expect(received.count > 550 && all.contains { !$0.DanhSachHoSoBoSung.isEmpty } && all.contains { $0.MucDoHaiLong != nil })
            // Some are refused after appraisal, and come in as refusals; a past year leaves none in processing.
            let refused = ended.filter { $0.NgayTuChoi != nil }.map(\.MaHoSo)
            #expect(!refused.isEmpty && refused.count < ended.count / 20)
            let outcomes = try await Dossier.query(on: app.db).filter(\.$code ~~ refused).all().map(\.outcome)
            #expect(outcomes.count == refused.count && outcomes.allSatisfy { $0 == "refuse" })
            #expect(!all.contains { [2, 4].contains($0.TrangThaiHoSo) }, "a 2025 dossier still in processing at the end of 2026")
        }
    }

    static func scan(_ text: String) throws -> NationalDossierPayload {
        try Array(text.utf8).withUnsafeBufferPointer { bytes throws(JSONScanner.Failure) in try NationalDossierPayload(jsonLine: bytes) }
    }

    /// The import's reader and `JSONDecoder` read every record of a synthetic year alike.
    @Test func theScannerReadsWhatTheDecoderReads() async throws {
        try await withApp { app async throws in
            let year = try await SyntheticYear.make(app: app, year: 2025, now: app.clock.now())
            let encoder = JSONEncoder.national
            for n in 0..<400 {
                let text = String(decoding: try encoder.encode(try year.record(n, seed: 11)), as: UTF8.self)
                let decoded = try JSONDecoder.national.decode(NationalDossierPayload.self, from: Data(text.utf8))
                #expect(try encoder.encode(Self.scan(text)) == encoder.encode(decoded), "record \(n)")
            }
            // Escapes, nulls for what may be absent, members the shape does not know, white space.
            let odd = #"""
                { "MaHoSo" : "CU-\u0031\"x\"", "MaTTHC": "2.001610", "KenhThucHien": 2, "TrangThaiHoSo": 2,
                  "NgayNopHoSo": "20250310083000", "NgayTiepNhan": null, "ChuHoSo": "Nguy\u1ec5n V\u0103n \ud83d\ude00\n",
                  "Email": null, "MucDoHaiLong": null, "Khac": {"a": [1, -2.5e3, true, false, null, {"b": "c"}]},
                  "TaiLieuNop": [{"TenTepDinhKem": "a.pdf", "DuocSoHoa": 1}], "DanhSachLePhi": null }
                """#
            let p = try Self.scan(odd)
            let q = try JSONDecoder.national.decode(NationalDossierPayload.self, from: Data(odd.utf8))
            #expect(p.MaHoSo == "CU-1\"x\"" && p.ChuHoSo == "Nguyễn Văn 😀\n" && p.NgayTiepNhan == nil && p.Email == "")
            #expect(try encoder.encode(p) == encoder.encode(q))
        }
    }

    @Test func theScannerNamesWhatIsWrong() throws {
        let valid = Self.line("CU-1")
        #expect(throws: JSONScanner.Failure.syntax) { try Self.scan(valid + " x") }
        #expect(throws: JSONScanner.Failure.syntax) { try Self.scan(String(valid.dropLast())) }
        #expect(throws: JSONScanner.Failure.syntax) { try Self.scan("[1, 2]") }
        #expect(throws: JSONScanner.Failure.type(path: "MaHoSo")) { try Self.scan(Self.line("") { $0["MaHoSo"] = 5 }) }
        #expect(throws: JSONScanner.Failure.type(path: "KenhThucHien")) { try Self.scan(Self.line("CU-1") { $0["KenhThucHien"] = 1.5 }) }
        #expect(throws: JSONScanner.Failure.missing(path: "TrangThaiHoSo")) { try Self.scan(Self.line("CU-1") { $0["TrangThaiHoSo"] = nil }) }
        #expect(throws: JSONScanner.Failure.missing(path: "TaiLieuNop[1].TenTepDinhKem")) {
            try Self.scan(Self.line("CU-1") { $0["TaiLieuNop"] = [["TenTepDinhKem": "a"], ["DuocSoHoa": 1]] })
        }
        #expect(throws: JSONScanner.Failure.invalid(path: "QuaTrinhXuLy[0].ThoiDiemXuLy", message: "“20250230083000” không phải ngày giờ dạng yyyyMMddHHmmss")) {
            try Self.scan(Self.line("CU-1") { $0["QuaTrinhXuLy"] = [["ThoiDiemXuLy": "20250230083000", "TrangThai": 2]] })
        }
    }
}
