import Foundation
import Kernel

/// Reading the national shape leniently: exports of older systems leave out what they never
/// had (an e-mail, an empty list), which is no reason to refuse a historical dossier. What the
/// statistics need (code, procedure, channel, status, dates, agencies) stays required.
extension NationalDossierPayload {
    enum Keys: String, CodingKey {
        case MaHoSo, MaHoSoQuocGia, MaTTHC, TenTTHC, MaLinhVuc, KenhThucHien, ChuHoSo, SoGiayToChuHoSo, Email, SoDienThoai, TrichYeuHoSo
        case NgayNopHoSo, NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, NgayTuChoi, TrangThaiHoSo, NoiNopHoSo, DonViXuLy
        case HoSoCoThanhPhanSoHoa, TaiKhoanDuocXacThucVoiVNeID, DuocThanhToanTrucTuyen, TaiLieuNop, DanhSachLePhi, DanhSachHoSoBoSung
        case DanhSachGiayToKetQua, QuaTrinhXuLy, MaXa, MucDoHaiLong
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        MaHoSo = try c.decode(String.self, forKey: .MaHoSo)
        MaHoSoQuocGia = try c.decodeIfPresent(String.self, forKey: .MaHoSoQuocGia)
        MaTTHC = try c.decode(String.self, forKey: .MaTTHC)
        TenTTHC = try c.decodeIfPresent(String.self, forKey: .TenTTHC) ?? ""
        MaLinhVuc = try c.decodeIfPresent(String.self, forKey: .MaLinhVuc) ?? ""
        KenhThucHien = try c.decode(Int.self, forKey: .KenhThucHien)
        ChuHoSo = try c.decodeIfPresent(String.self, forKey: .ChuHoSo) ?? ""
        SoGiayToChuHoSo = try c.decodeIfPresent(String.self, forKey: .SoGiayToChuHoSo) ?? ""
        Email = try c.decodeIfPresent(String.self, forKey: .Email) ?? ""
        SoDienThoai = try c.decodeIfPresent(String.self, forKey: .SoDienThoai) ?? ""
        TrichYeuHoSo = try c.decodeIfPresent(String.self, forKey: .TrichYeuHoSo) ?? ""
        NgayNopHoSo = try c.decode(Date.self, forKey: .NgayNopHoSo)
        NgayTiepNhan = try c.decodeIfPresent(Date.self, forKey: .NgayTiepNhan)
        NgayHenTra = try c.decodeIfPresent(Date.self, forKey: .NgayHenTra)
        NgayKetThucXuLy = try c.decodeIfPresent(Date.self, forKey: .NgayKetThucXuLy)
        NgayTra = try c.decodeIfPresent(Date.self, forKey: .NgayTra)
        NgayTuChoi = try c.decodeIfPresent(Date.self, forKey: .NgayTuChoi)
        TrangThaiHoSo = try c.decode(Int.self, forKey: .TrangThaiHoSo)
        NoiNopHoSo = try c.decodeIfPresent(String.self, forKey: .NoiNopHoSo) ?? ""
        DonViXuLy = try c.decodeIfPresent(String.self, forKey: .DonViXuLy) ?? ""
        HoSoCoThanhPhanSoHoa = try c.decodeIfPresent(Int.self, forKey: .HoSoCoThanhPhanSoHoa) ?? 0
        TaiKhoanDuocXacThucVoiVNeID = try c.decodeIfPresent(Int.self, forKey: .TaiKhoanDuocXacThucVoiVNeID) ?? 0
        DuocThanhToanTrucTuyen = try c.decodeIfPresent(Int.self, forKey: .DuocThanhToanTrucTuyen) ?? 0
        TaiLieuNop = try c.decodeIfPresent([File].self, forKey: .TaiLieuNop) ?? []
        DanhSachLePhi = try c.decodeIfPresent([Fee].self, forKey: .DanhSachLePhi) ?? []
        DanhSachHoSoBoSung = try c.decodeIfPresent([Supplement].self, forKey: .DanhSachHoSoBoSung) ?? []
        DanhSachGiayToKetQua = try c.decodeIfPresent([Result].self, forKey: .DanhSachGiayToKetQua) ?? []
        QuaTrinhXuLy = try c.decodeIfPresent([Step].self, forKey: .QuaTrinhXuLy) ?? []
        MaXa = try c.decodeIfPresent(String.self, forKey: .MaXa)
        MucDoHaiLong = try c.decodeIfPresent(Int.self, forKey: .MucDoHaiLong)
    }
}

extension NationalDossierPayload.File {
    enum Keys: String, CodingKey { case TenTepDinhKem, MaThanhPhanHoSo, DuongDanTaiTepTin, DuocSoHoa, DuocTaiSuDung, DuocLayTuKhoDMQG }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        TenTepDinhKem = try c.decode(String.self, forKey: .TenTepDinhKem)
        MaThanhPhanHoSo = try c.decodeIfPresent(String.self, forKey: .MaThanhPhanHoSo) ?? ""
        DuongDanTaiTepTin = try c.decodeIfPresent(String.self, forKey: .DuongDanTaiTepTin) ?? ""
        DuocSoHoa = try c.decodeIfPresent(Int.self, forKey: .DuocSoHoa) ?? 0
        DuocTaiSuDung = try c.decodeIfPresent(Int.self, forKey: .DuocTaiSuDung) ?? 0
        DuocLayTuKhoDMQG = try c.decodeIfPresent(Int.self, forKey: .DuocLayTuKhoDMQG) ?? 0
    }
}

extension NationalDossierPayload.Fee {
    enum Keys: String, CodingKey { case TenPhiLePhi, Gia, HinhThucThu }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        TenPhiLePhi = try c.decodeIfPresent(String.self, forKey: .TenPhiLePhi) ?? ""
        Gia = try c.decode(Int.self, forKey: .Gia)
        HinhThucThu = try c.decodeIfPresent(String.self, forKey: .HinhThucThu) ?? ""
    }
}

extension NationalDossierPayload.Supplement {
    enum Keys: String, CodingKey { case NguoiYeuCauBoSung, NoiDungBoSung, NgayBoSung, NgayTiepNhanBoSung }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        NguoiYeuCauBoSung = try c.decodeIfPresent(String.self, forKey: .NguoiYeuCauBoSung) ?? ""
        NoiDungBoSung = try c.decodeIfPresent(String.self, forKey: .NoiDungBoSung) ?? ""
        NgayBoSung = try c.decode(Date.self, forKey: .NgayBoSung)
        NgayTiepNhanBoSung = try c.decodeIfPresent(Date.self, forKey: .NgayTiepNhanBoSung)
    }
}

extension NationalDossierPayload.Result {
    enum Keys: String, CodingKey { case TenGiayTo, DuongDanTepTinKetQua, LaKetQuaDienTu }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        TenGiayTo = try c.decodeIfPresent(String.self, forKey: .TenGiayTo) ?? "Kết quả"
        DuongDanTepTinKetQua = try c.decodeIfPresent(String.self, forKey: .DuongDanTepTinKetQua) ?? ""
        LaKetQuaDienTu = try c.decodeIfPresent(Int.self, forKey: .LaKetQuaDienTu) ?? (DuongDanTepTinKetQua.isEmpty ? 0 : 1)
    }
}

extension NationalDossierPayload.Step {
    enum Keys: String, CodingKey { case NguoiXuLy, ThoiDiemXuLy, NoiDungXuLy, TrangThai }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        NguoiXuLy = try c.decodeIfPresent(String.self, forKey: .NguoiXuLy) ?? ""
        ThoiDiemXuLy = try c.decode(Date.self, forKey: .ThoiDiemXuLy)
        NoiDungXuLy = try c.decodeIfPresent(String.self, forKey: .NoiDungXuLy) ?? ""
        TrangThai = try c.decode(Int.self, forKey: .TrangThai)
    }
}

extension JSONDecoder {
    /// Dates as the national portal writes them: `yyyyMMddHHmmss` in Vietnam time.
    public static var national: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = VietnamTime.parseCompact(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "“\(text.prefix(20))” không phải ngày giờ dạng yyyyMMddHHmmss")
            }
            return date
        }
        return d
    }
}
