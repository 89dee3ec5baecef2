import Fluent
import Foundation
import Identity
import Kernel
import Vapor
import WebUI

/// Dossiers the national public service portal forwards (since 1 July 2025 most citizens submit
/// there). Field names follow the national sync (research §9); re-sending the same national code
/// returns the dossier already created.
struct NationalInboundAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped(RequireScope(.nationalForward)).post("national", "dossiers", use: forward)
    }

    struct Document: Content {
        var MaThanhPhanHoSo: String
        var TenTepDinhKem: String
        /// The file, base64.
        var NoiDung: Data
    }

    struct Forwarded: Content {
        var MaHoSoQuocGia: String
        var MaTTHC: String
        var ChuHoSo: String
        var SoGiayToChuHoSo: String
        var SoDienThoai: String
        var Email: String?
        var TrichYeuHoSo: String?
        /// The commune People's Committee's code, for procedures received where submitted.
        var NoiNopHoSo: String?
        var TaiKhoanDuocXacThucVoiVNeID: Int?
        var DuLieuBieuMau: [String: String]
        var TaiLieuNop: [Document]?
    }

    struct Accepted: Content {
        var MaHoSo: String
        var MaHoSoQuocGia: String
        var TrangThaiHoSo: Int
        var NgayNopHoSo: Date
    }

    @Sendable func forward(_ req: Request) async throws -> Response {
        let viewer = try await DossiersAPI.viewer(req)
        guard viewer.isAdmin else { throw OneStopError.notYourDossier }
        let f = try req.content.decode(Forwarded.self)
        let code = f.MaHoSoQuocGia.trimmingCharacters(in: .whitespaces)
        guard !code.isEmpty, code.count <= 60 else { throw RequestError.badParameter(name: "MaHoSoQuocGia", reason: "từ 1 đến 60 ký tự") }
        let identity = IdentityNumber.normalized(f.SoGiayToChuHoSo)
        let owner = try await User.query(on: req.db).filter(\.$identityNumber == identity).first()?.id
        let submission = Submission(
            procedure: f.MaTTHC, applicant: .init(name: f.ChuHoSo, identity: identity, phone: f.SoDienThoai, email: f.Email),
            summary: f.TrichYeuHoSo, form: f.DuLieuBieuMau, agency: f.NoiNopHoSo,
            files: (f.TaiLieuNop ?? []).map { SubmittedFile(document: $0.MaThanhPhanHoSo, fileName: $0.TenTepDinhKem, content: $0.NoiDung) })
        let d = try await DossierService.submit(
            submission, channel: .online, by: Viewer(userID: viewer.userID, displayName: "Cổng Dịch vụ công quốc gia", kind: viewer.kind, grants: viewer.grants),
            idempotencyKey: "dvcqg:" + code,
            forwarded: NationalOrigin(code: code, vneidVerified: f.TaiKhoanDuocXacThucVoiVNeID == 1, applicantUserID: owner), on: req)
        return try await Accepted(MaHoSo: d.code, MaHoSoQuocGia: d.nationalCode ?? code, TrangThaiHoSo: d.status, NgayNopHoSo: d.submittedAt)
            .encodeResponse(status: .created, for: req)
    }
}
