import Directory
import Fluent
import Foundation
import Kernel
import Procedures
import SQLKit
import VNCalendar
import Vapor
import WorkCalendar

/// A realistic province-year of dossiers for demos and benchmarks (`tinhso demo generate`):
/// the province's own procedures and agencies, submissions on working days, due dates from each
/// agency's working calendar, and fates in the proportions the provinces' reports show (about
/// 60 % online, 97 % on time, a few supplements, refusals and withdrawals, ratings after return).
/// Records come out in the national sync shape and go in through `DossierImporter`, so every one
/// is checked against the lifecycle like any imported dossier.
public struct SyntheticYear: Sendable {
    struct Choice: Sendable {
        var code: String
        var name: String
        var field: String
        var hours: Int
        var online: Bool
        var full: Bool
        var fees: [FeeItem]
        var documents: [String]
        /// Nil: a commune People's Committee.
        var deciding: String?
        var receiving: String?
        var weight: Double
    }

    let choices: [Choice]
    let cumulative: [Double]
    let communes: [String]
    let calculators: [String: DeadlineCalculator]
    let fallback: DeadlineCalculator
    let year: Int
    /// Dossiers are submitted before this instant: the year's end, or its "now" while it runs.
    let horizon: Date
    /// Nothing happens after this instant: a past year's last dossiers are decided in the next one, as they would be.
    let now: Date

    public static func make(app: Application, year: Int, now: Date) async throws -> SyntheticYear {
        guard let sql = app.db as? any SQLDatabase else { throw OneStopError.internalState("SQL database required") }
        struct Row: Decodable { var code: String; var current_version: Int }
        var choices: [Choice] = []
        for row in try await sql.select().columns("code", "current_version").from(Procedure.schema).all(decoding: Row.self) {
            let d = try await app.procedureDefinitions.definition(code: row.code, version: row.current_version, on: app.db)
            // Civil status and the other commune procedures make up most of a province's dossiers.
            let weight = (d.decidingAgency == nil ? 6.0 : 1.0) * (d.processingTime.hours.map { $0 <= 24 ? 2.0 : 1.0 } ?? 1)
            choices.append(Choice(code: d.code, name: d.name, field: d.field, hours: d.processingTime.hours ?? 80, online: d.onlineLevel != .none,
                                  full: d.onlineLevel == .full, fees: d.fees.filter { $0.amount > 0 }.map { FeeItem(name: $0.name, amount: $0.amount) },
                                  documents: d.documents.filter(\.mandatory).map(\.name), deciding: d.decidingAgency,
                                  receiving: d.receivingAgency, weight: weight))
        }
        guard !choices.isEmpty else { throw OneStopError.invalid(["Danh mục thủ tục trống: chạy `tinhso demo` trước."]) }
        var sum = 0.0
        let cumulative = choices.map { sum += $0.weight; return sum }
        let communes = try await Agency.query(on: app.db).filter(\.$level == .commune).sort(\.$code).all().map(\.code)
        var calculators: [String: DeadlineCalculator] = [:]
        for code in Set(choices.compactMap(\.deciding) + choices.compactMap(\.receiving) + communes) {
            calculators[code] = try await app.workCalendar.calculator(agencyCode: code, on: app.db)
        }
        let horizon = min(now, VietnamTime.startOfDay("\(year + 1)-01-01") ?? now)
        return SyntheticYear(choices: choices, cumulative: cumulative, communes: communes.isEmpty ? ["H42"] : communes,
                             calculators: calculators, fallback: try await app.workCalendar.calculator(agencyCode: nil, on: app.db),
                             year: year, horizon: horizon, now: now)
    }

    /// Dossier `n` (0-based) of the year, the same for the same seed.
    public func record(_ n: Int, seed: UInt64) throws -> NationalDossierPayload {
        var rng = SeededRandom(seed: seed &* 0x100_0000_01b3 ^ UInt64(n))
        let pick = rng.unit() * (cumulative.last ?? 1)
        let p = choices[min(choices.count - 1, cumulative.firstIndex { $0 >= pick } ?? 0)]
        let commune = communes[Int(rng.next() % UInt64(communes.count))]
        let deciding = p.deciding ?? commune
        let receiving = p.receiving ?? commune
        let calc = calculators[deciding] ?? fallback

        // A working day of the year (of its part before the horizon), spread evenly; office hours.
        let days = max(1, min(365, VietnamTime.dayNumber(horizon) - VietnamTime.dayNumber(year: year, month: 1, day: 1)))
        let dayOfYear = Int(rng.next() % UInt64(days))
        var day = try GregorianDate(year: year, month: 1, day: 1).adding(days: dayOfYear)
        if !calc.isWorkingDay(day) { day = try calc.addingWorkingDays(0, to: day) }
        var submitted = day.startInstant.addingTimeInterval(TimeInterval(7 * 3600 + 30 * 60) + Double(rng.next() % (9 * 3600)))
        if submitted > horizon { submitted = horizon.addingTimeInterval(-Double(1 + rng.next() % 86_400)) }
        let channel = !p.online ? 1 : rng.chance(0.62) ? 2 : rng.chance(0.95) ? 1 : 3

        var steps: [NationalDossierPayload.Step] = []
        var supplements: [NationalDossierPayload.Supplement] = []
        var status = channel == 2 ? DossierStatus.submitted : .received
        func step(_ at: Date, _ s: DossierStatus, _ who: String, _ what: String) -> Bool {
            guard at <= now else { return false }
            steps.append(.init(NguoiXuLy: who, ThoiDiemXuLy: at, NoiDungXuLy: what, TrangThai: s.rawValue))
            status = s
            return true
        }
        var received: Date?, due: Date?, ended: Date?, returned: Date?, refused: Date?
        let limit: TimeLimit = p.hours % 8 == 0 ? .workingDays(p.hours / 8) : .workingHours(p.hours)
        fate: do {
            if channel == 2 {
                _ = step(submitted, .submitted, "Người nộp", "Nộp hồ sơ trực tuyến")
                if rng.chance(0.015) {
                    let at = submitted.addingTimeInterval(3600 + Double(rng.next() % 20_000))
                    if step(at, .notReceived, "Bộ phận một cửa", "Hồ sơ không đúng thẩm quyền") { refused = at }
                    break fate
                }
            }
            let receivedAt = channel == 2 ? submitted.addingTimeInterval(1800 + Double(rng.next() % 14_400)) : submitted
            guard step(receivedAt, .received, "Bộ phận một cửa", "Tiếp nhận") else { break fate }
            received = receivedAt
            var start = receivedAt
            guard step(receivedAt.addingTimeInterval(600), .processing, "Bộ phận một cửa", "Chuyển xử lý") else { break fate }
            due = try calc.deadline(receivedAt: receivedAt, limit: limit).due
            // About 7 % need a supplement, 1 % two; the period restarts when the documents arrive.
            let asks = rng.chance(0.07) ? (rng.chance(0.12) ? 2 : 1) : 0
            for _ in 0..<asks {
                let askedAt = start.addingTimeInterval(4 * 3600 + Double(rng.next() % 50_000))
                let backAt = askedAt.addingTimeInterval(86_400 * Double(1 + rng.next() % 5))
                guard step(askedAt, .supplementRequested, "Chuyên viên", "Đề nghị bổ sung giấy tờ") else { break fate }
                let back = rng.chance(0.95) && step(backAt, .processing, "Người nộp", "Bổ sung hồ sơ")
                supplements.append(.init(NguoiYeuCauBoSung: "Chuyên viên", NoiDungBoSung: "Đề nghị bổ sung giấy tờ", NgayBoSung: askedAt,
                                         NgayTiepNhanBoSung: back ? backAt : nil))
                guard back else { break fate }
                start = backAt
                due = try calc.deadline(receivedAt: backAt, limit: limit).due
            }
            guard let currentDue = due else { break fate }
            if rng.chance(0.01) {
                let at = start.addingTimeInterval(3600 + 86_400 * Double(rng.next() % 3))
                if step(at, .withdrawalRequested, "Người nộp", "Xin rút hồ sơ") {
                    ended = at
                    _ = step(at.addingTimeInterval(3600), .stopped, "Bộ phận một cửa", "Dừng xử lý theo đề nghị")
                }
                break fate
            }
            // 70 % before the due day, 27 % on it, 3 % late by 1–10 working days.
            let roll = rng.unit()
            // Never before the hand-over to processing (ten minutes after receipt).
            let earliest = max(start, receivedAt.addingTimeInterval(600)).addingTimeInterval(300)
            var decidedAt: Date
            if roll < 0.70 {
                decidedAt = start.addingTimeInterval(max(900, currentDue.timeIntervalSince(start) * (0.1 + 0.8 * rng.unit())))
                if GregorianDate(decidedAt) == GregorianDate(currentDue) { decidedAt = decidedAt.addingTimeInterval(-86_400) }
                decidedAt = max(decidedAt, earliest)
            } else if roll < 0.97 {
                decidedAt = max(earliest, currentDue.addingTimeInterval(-Double(600 + rng.next() % 14_400)))
            } else {
                let lateDay = try calc.addingWorkingDays(1 + Int(rng.next() % 10), to: GregorianDate(currentDue))
                decidedAt = lateDay.startInstant.addingTimeInterval(Double(8 * 3600 + rng.next() % (8 * 3600)))
            }
            // About 1 % are refused after appraisal, with a Phiếu từ chối giải quyết.
            let refusal = rng.chance(0.01)
            guard step(decidedAt, .resolved, "Lãnh đạo", refusal ? "Từ chối giải quyết, có phiếu nêu lý do" : "Phê duyệt kết quả") else { break fate }
            ended = decidedAt
            if refusal { refused = decidedAt }
            if rng.chance(0.92) {
                let at = decidedAt.addingTimeInterval(3600 + Double(rng.next() % (3 * 86_400)))
                if step(at, .returned, "Bộ phận một cửa", "Trả kết quả") { returned = at }
            }
        }

        let online = channel == 2
        let code = "\(receiving)-\(String(format: "%02d%02d%02d", year % 100, day.month, day.day))-\(String(format: "%06d", n % 1_000_000))\(n >= 1_000_000 ? "-\(n / 1_000_000)" : "")"
        let files = p.documents.map { name in
            NationalDossierPayload.File(TenTepDinhKem: "tai-lieu.pdf", MaThanhPhanHoSo: name, DuongDanTaiTepTin: "",
                                        DuocSoHoa: online ? 0 : (rng.chance(0.8) ? 1 : 0), DuocTaiSuDung: rng.chance(0.25) ? 1 : 0, DuocLayTuKhoDMQG: 0)
        }
        let granted = (status == .resolved || status == .returned) && refused == nil
        let results = granted && rng.chance(0.75)
            ? [NationalDossierPayload.Result(TenGiayTo: "Kết quả giải quyết", DuongDanTepTinKetQua: "kq/\(code).pdf", LaKetQuaDienTu: 1)] : []
        let paidOnline = online && !p.fees.isEmpty && received != nil && rng.chance(0.45) ? 2 : 0
        let rating: Int? = returned != nil && rng.chance(0.35) ? (rng.chance(0.8) ? 3 : rng.chance(0.85) ? 2 : 1) : nil
        return NationalDossierPayload(
            MaHoSo: code, MaHoSoQuocGia: nil, MaTTHC: p.code, TenTTHC: p.name, MaLinhVuc: p.field, KenhThucHien: channel,
            ChuHoSo: "Người nộp \(n)", SoGiayToChuHoSo: String(format: "0250%08d", n % 100_000_000), Email: "", SoDienThoai: "0912345678",
            TrichYeuHoSo: p.name, NgayNopHoSo: submitted, NgayTiepNhan: received, NgayHenTra: status == .supplementRequested ? nil : due,
            NgayKetThucXuLy: ended, NgayTra: returned, NgayTuChoi: refused, TrangThaiHoSo: status.rawValue, NoiNopHoSo: receiving,
            DonViXuLy: deciding, HoSoCoThanhPhanSoHoa: files.contains { $0.DuocSoHoa == 1 } ? 1 : 0,
            TaiKhoanDuocXacThucVoiVNeID: online && rng.chance(0.6) ? 1 : 0, DuocThanhToanTrucTuyen: paidOnline, TaiLieuNop: files,
            DanhSachLePhi: received == nil ? [] : p.fees.map { .init(TenPhiLePhi: $0.name, Gia: $0.amount, HinhThucThu: paidOnline > 0 ? "online" : "cash") },
            DanhSachHoSoBoSung: supplements, DanhSachGiayToKetQua: results, QuaTrinhXuLy: steps, MaXa: nil, MucDoHaiLong: rating)
    }
}
