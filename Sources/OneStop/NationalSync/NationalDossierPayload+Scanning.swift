import Foundation
import Kernel

/// The import's reader of the national shape: the same lenient rules as `init(from:)` (optional
/// what older systems never had, required what the statistics need), read with `JSONScanner`
/// because `JSONDecoder` alone took longer per dossier than writing it. A test keeps the two equal.
extension NationalDossierPayload {
    public init(jsonLine bytes: UnsafeBufferPointer<UInt8>) throws(JSONScanner.Failure) {
        var s = JSONScanner(bytes)
        var code: String?, procedure: String?, channel: Int?, submitted: Date?, status: Int?
        var p = NationalDossierPayload(
            MaHoSo: "", MaHoSoQuocGia: nil, MaTTHC: "", TenTTHC: "", MaLinhVuc: "", KenhThucHien: 0, ChuHoSo: "", SoGiayToChuHoSo: "",
            Email: "", SoDienThoai: "", TrichYeuHoSo: "", NgayNopHoSo: Date(timeIntervalSince1970: 0), NgayTiepNhan: nil, NgayHenTra: nil,
            NgayKetThucXuLy: nil, NgayTra: nil, NgayTuChoi: nil, TrangThaiHoSo: 0, NoiNopHoSo: "", DonViXuLy: "", HoSoCoThanhPhanSoHoa: 0,
            TaiKhoanDuocXacThucVoiVNeID: 0, DuocThanhToanTrucTuyen: 0, TaiLieuNop: [], DanhSachLePhi: [], DanhSachHoSoBoSung: [],
            DanhSachGiayToKetQua: [], QuaTrinhXuLy: [], MaXa: nil, MucDoHaiLong: nil)
        try s.object { s, name throws(JSONScanner.Failure) in
            if name == "MaHoSo" { code = try s.string() }
            else if name == "MaTTHC" { procedure = try s.string() }
            else if name == "KenhThucHien" { channel = try s.int() }
            else if name == "TrangThaiHoSo" { status = try s.int() }
            else if name == "NgayNopHoSo" { submitted = try s.date() }
            else if name == "NgayTiepNhan" { p.NgayTiepNhan = try s.optionalDate() }
            else if name == "NgayHenTra" { p.NgayHenTra = try s.optionalDate() }
            else if name == "NgayKetThucXuLy" { p.NgayKetThucXuLy = try s.optionalDate() }
            else if name == "NgayTra" { p.NgayTra = try s.optionalDate() }
            else if name == "NgayTuChoi" { p.NgayTuChoi = try s.optionalDate() }
            else if name == "MaHoSoQuocGia" { p.MaHoSoQuocGia = try s.optionalString() }
            else if name == "TenTTHC" { p.TenTTHC = try s.optionalString() ?? "" }
            else if name == "MaLinhVuc" { p.MaLinhVuc = try s.optionalString() ?? "" }
            else if name == "ChuHoSo" { p.ChuHoSo = try s.optionalString() ?? "" }
            else if name == "SoGiayToChuHoSo" { p.SoGiayToChuHoSo = try s.optionalString() ?? "" }
            else if name == "Email" { p.Email = try s.optionalString() ?? "" }
            else if name == "SoDienThoai" { p.SoDienThoai = try s.optionalString() ?? "" }
            else if name == "TrichYeuHoSo" { p.TrichYeuHoSo = try s.optionalString() ?? "" }
            else if name == "NoiNopHoSo" { p.NoiNopHoSo = try s.optionalString() ?? "" }
            else if name == "DonViXuLy" { p.DonViXuLy = try s.optionalString() ?? "" }
            else if name == "HoSoCoThanhPhanSoHoa" { p.HoSoCoThanhPhanSoHoa = try s.optionalInt() ?? 0 }
            else if name == "TaiKhoanDuocXacThucVoiVNeID" { p.TaiKhoanDuocXacThucVoiVNeID = try s.optionalInt() ?? 0 }
            else if name == "DuocThanhToanTrucTuyen" { p.DuocThanhToanTrucTuyen = try s.optionalInt() ?? 0 }
            else if name == "MaXa" { p.MaXa = try s.optionalString() }
            else if name == "MucDoHaiLong" { p.MucDoHaiLong = try s.optionalInt() }
            else if name == "TaiLieuNop" { try s.array { s throws(JSONScanner.Failure) in p.TaiLieuNop.append(try File(scanning: &s)) } }
            else if name == "DanhSachLePhi" { try s.array { s throws(JSONScanner.Failure) in p.DanhSachLePhi.append(try Fee(scanning: &s)) } }
            else if name == "DanhSachHoSoBoSung" {
                try s.array { s throws(JSONScanner.Failure) in p.DanhSachHoSoBoSung.append(try Supplement(scanning: &s)) }
            }
            else if name == "DanhSachGiayToKetQua" { try s.array { s throws(JSONScanner.Failure) in p.DanhSachGiayToKetQua.append(try Result(scanning: &s)) } }
            else if name == "QuaTrinhXuLy" { try s.array { s throws(JSONScanner.Failure) in p.QuaTrinhXuLy.append(try Step(scanning: &s)) } }
            else { try s.skip() }
        }
        try s.end()
        p.MaHoSo = try required(code, "MaHoSo")
        p.MaTTHC = try required(procedure, "MaTTHC")
        p.KenhThucHien = try required(channel, "KenhThucHien")
        p.NgayNopHoSo = try required(submitted, "NgayNopHoSo")
        p.TrangThaiHoSo = try required(status, "TrangThaiHoSo")
        self = p
    }
}

/// The path is built only for the error: building it for every step, file and fee was 3 % of an import's CPU.
private func required<T>(_ value: T?, _ path: @autoclosure () -> String) throws(JSONScanner.Failure) -> T {
    guard let value else { throw .missing(path: path()) }
    return value
}

extension JSONScanner {
    /// A `yyyyMMddHHmmss` date in Vietnam time (the national sync's format), or nil for `null`.
    mutating func optionalDate() throws(Failure) -> Date? {
        guard let text = try optionalString() else { return nil }
        guard let date = VietnamTime.parseCompact(text) else {
            throw .invalid(path: pathText, message: "“\(text.prefix(20))” không phải ngày giờ dạng yyyyMMddHHmmss")
        }
        return date
    }

    mutating func date() throws(Failure) -> Date {
        guard let d = try optionalDate() else { throw .type(path: pathText) }
        return d
    }
}

extension NationalDossierPayload.File {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var name: String?
        self.init(TenTepDinhKem: "", MaThanhPhanHoSo: "", DuongDanTaiTepTin: "", DuocSoHoa: 0, DuocTaiSuDung: 0, DuocLayTuKhoDMQG: 0)
        try s.object { s, key throws(JSONScanner.Failure) in
            if key == "TenTepDinhKem" { name = try s.string() }
            else if key == "MaThanhPhanHoSo" { MaThanhPhanHoSo = try s.optionalString() ?? "" }
            else if key == "DuongDanTaiTepTin" { DuongDanTaiTepTin = try s.optionalString() ?? "" }
            else if key == "DuocSoHoa" { DuocSoHoa = try s.optionalInt() ?? 0 }
            else if key == "DuocTaiSuDung" { DuocTaiSuDung = try s.optionalInt() ?? 0 }
            else if key == "DuocLayTuKhoDMQG" { DuocLayTuKhoDMQG = try s.optionalInt() ?? 0 }
            else { try s.skip() }
        }
        TenTepDinhKem = try required(name, s.pathText + ".TenTepDinhKem")
    }
}

extension NationalDossierPayload.Fee {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var price: Int?
        self.init(TenPhiLePhi: "", Gia: 0, HinhThucThu: "")
        try s.object { s, key throws(JSONScanner.Failure) in
            if key == "TenPhiLePhi" { TenPhiLePhi = try s.optionalString() ?? "" }
            else if key == "Gia" { price = try s.int() }
            else if key == "HinhThucThu" { HinhThucThu = try s.optionalString() ?? "" }
            else { try s.skip() }
        }
        Gia = try required(price, s.pathText + ".Gia")
    }
}

extension NationalDossierPayload.Supplement {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var asked: Date?
        self.init(NguoiYeuCauBoSung: "", NoiDungBoSung: "", NgayBoSung: Date(timeIntervalSince1970: 0), NgayTiepNhanBoSung: nil)
        try s.object { s, key throws(JSONScanner.Failure) in
            if key == "NguoiYeuCauBoSung" { NguoiYeuCauBoSung = try s.optionalString() ?? "" }
            else if key == "NoiDungBoSung" { NoiDungBoSung = try s.optionalString() ?? "" }
            else if key == "NgayBoSung" { asked = try s.date() }
            else if key == "NgayTiepNhanBoSung" { NgayTiepNhanBoSung = try s.optionalDate() }
            else { try s.skip() }
        }
        NgayBoSung = try required(asked, s.pathText + ".NgayBoSung")
    }
}

extension NationalDossierPayload.Result {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var electronic: Int?, name: String?, link: String?
        try s.object { s, key throws(JSONScanner.Failure) in
            if key == "TenGiayTo" { name = try s.optionalString() }
            else if key == "DuongDanTepTinKetQua" { link = try s.optionalString() }
            else if key == "LaKetQuaDienTu" { electronic = try s.optionalInt() }
            else { try s.skip() }
        }
        let url = link ?? ""
        self.init(TenGiayTo: name ?? "Kết quả", DuongDanTepTinKetQua: url, LaKetQuaDienTu: electronic ?? (url.isEmpty ? 0 : 1))
    }
}

extension NationalDossierPayload.Step {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var at: Date?, status: Int?
        self.init(NguoiXuLy: "", ThoiDiemXuLy: Date(timeIntervalSince1970: 0), NoiDungXuLy: "", TrangThai: 0)
        try s.object { s, key throws(JSONScanner.Failure) in
            if key == "NguoiXuLy" { NguoiXuLy = try s.optionalString() ?? "" }
            else if key == "ThoiDiemXuLy" { at = try s.date() }
            else if key == "NoiDungXuLy" { NoiDungXuLy = try s.optionalString() ?? "" }
            else if key == "TrangThai" { status = try s.int() }
            else { try s.skip() }
        }
        ThoiDiemXuLy = try required(at, s.pathText + ".ThoiDiemXuLy")
        TrangThai = try required(status, s.pathText + ".TrangThai")
    }
}
