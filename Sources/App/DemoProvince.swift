import Directory
import Fluent
import Foundation
import Identity
import Procedures
import SQLKit
import Vapor
import OneStop
import WebUI

/// The demo province, Phú Thọ (2025): agencies, the procedure catalog and a few accounts so a
/// newcomer can sign in as each kind of user.
public enum DemoProvince {
    public static let provinceCode = "25"
    public static let password = "tinhso2026"
    public static let citizenCCCD = "025090000001"

    public struct Login: Sendable {
        public var login: String
        public var who: String
    }

    public static let logins: [Login] = [
        Login(login: "admin", who: "quản trị hệ thống"),
        Login(login: "motcua.tinh", who: "cán bộ một cửa, Trung tâm Phục vụ hành chính công tỉnh"),
        Login(login: "chuyenvien.taichinh", who: "chuyên viên, Sở Tài chính (đăng ký doanh nghiệp)"),
        Login(login: "lanhdao.taichinh", who: "lãnh đạo, Sở Tài chính"),
        Login(login: "motcua.viettri", who: "cán bộ một cửa, UBND phường Việt Trì"),
        Login(login: citizenCCCD, who: "công dân Nguyễn Văn An"),
    ]

    public static func isSeeded(on db: any Database) async throws -> Bool {
        try await Agency.query(on: db).count() > 0
    }

    /// Seeds everything into an empty database, in one transaction so a failure leaves nothing half-written.
    public static func seed(on app: Application) async throws {
        let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).hash(password)
        try await app.db.transaction { db in
            let codes = try await Directory.seedDemo(provinceCode: provinceCode, on: db)
            _ = try await Procedures.seedDemo(agencyCodes: codes, now: Date(), on: db)
            func agency(_ code: String?) async throws -> UUID? {
                guard let code else { return nil }
                return try await Agency.query(on: db).filter(\.$code == code).first()?.id
            }
            let vietTri = try await Agency.query(on: db).filter(\.$level == .commune)
                .filter(\.$shortName == "UBND Phường Việt Trì").first()?.id
            let officials: [(String, String, Role, UUID?)] = [
                ("admin", "Quản trị hệ thống", .admin, nil),
                ("motcua.tinh", "Trần Thị Bình", .oneStopOfficer, try await agency(codes["ttpvhcc"])),
                ("chuyenvien.taichinh", "Lê Văn Cường", .specialist, try await agency(codes["so-tai-chinh"])),
                ("lanhdao.taichinh", "Phạm Thị Dung", .leader, try await agency(codes["so-tai-chinh"])),
                ("motcua.viettri", "Hoàng Văn Em", .oneStopOfficer, vietTri),
            ]
            for (username, name, role, agencyID) in officials {
                let user = try await Accounts.createOfficial(username: username, fullName: name, password: password, hash: hash, on: db)
                try await Accounts.grant(role, to: user.requireID(), agencyID: agencyID, on: db)
            }
            let citizen = User()
            citizen.kind = .citizen
            citizen.fullName = "Nguyễn Văn An"
            citizen.identityNumber = citizenCCCD
            citizen.phone = "0912345678"
            citizen.email = "an.nguyen@example.vn"
            citizen.passwordHash = hash
            citizen.isActive = true
            try await citizen.create(on: db)
        }
        try await seedDossiers(on: app)
    }

    /// A living one-stop: business registrations at every stage, made through the same service
    /// the pages and the API use, so each has its code, due date and audit trail.
    static func seedDossiers(on app: Application) async throws {
        let req = Request(application: app, on: app.eventLoopGroup.next())
        func viewer(_ login: String) async throws -> Viewer {
            guard let user = try await User.query(on: app.db).group(.or, { $0.filter(\.$username == login).filter(\.$identityNumber == login) }).first(),
                  let v = try await Identity.viewer(userID: user.requireID(), on: app.db)
            else { throw Abort(.internalServerError, reason: "demo user \(login) missing") }
            return v
        }
        let citizen = try await viewer(citizenCCCD), desk = try await viewer("motcua.tinh")
        let specialist = try await viewer("chuyenvien.taichinh"), leader = try await viewer("lanhdao.taichinh")
        let companies = ["Doanh nghiệp tư nhân Hùng Vương", "Doanh nghiệp tư nhân Sông Lô", "Doanh nghiệp tư nhân Đền Hùng",
                         "Doanh nghiệp tư nhân Tam Đảo", "Doanh nghiệp tư nhân Ba Vì", "Doanh nghiệp tư nhân Thanh Thủy",
                         "Doanh nghiệp tư nhân Việt Trì Xanh", "Doanh nghiệp tư nhân Mường Hòa Bình"]
        // How far along each one gets.
        let paths: [[DossierAction]] = [
            [], [.receive], [.receive, .startProcessing], [.receive, .startProcessing, .requestSupplement],
            [.receive, .startProcessing, .approve], [.receive, .startProcessing, .approve, .returnResult], [.refuse], [.receive, .startProcessing],
        ]
        for (name, path) in zip(companies, paths) {
            let submission = Submission(
                procedure: "2.001610",
                applicant: .init(name: "Nguyễn Văn An", identity: citizenCCCD, phone: "0912345678", email: "an.nguyen@example.vn"),
                summary: "Đăng ký thành lập \(name)",
                form: ["companyName": name, "hqAddress": "Phường Việt Trì, Tỉnh Phú Thọ", "charterCapital": "500000000",
                       "mainBusinessLine": "Bán buôn, bán lẻ hàng hóa", "representativeName": "Nguyễn Văn An", "representativeId": citizenCCCD],
                agency: nil)
            let dossier = try await DossierService.submit(submission, channel: .online, by: citizen, idempotencyKey: nil, on: req)
            for action in path {
                let actor: Viewer = switch action.actor {
                case .specialist: specialist
                case .leader: leader
                case .applicant: citizen
                case .oneStopOfficer: desk
                }
                let comment = [.refuse, .requestSupplement].contains(action) ? "Thiếu bản sao giấy tờ pháp lý của chủ doanh nghiệp" : ""
                _ = try await DossierService.perform(action, code: dossier.code, comment: comment, by: actor, on: req)
            }
        }
    }

    /// The lines printed when the server starts.
    public static func banner(url: String, demoLoginsValid: Bool) -> String {
        var lines = ["", "tinhso — Cổng dịch vụ công đang chạy tại \(url)"]
        if demoLoginsValid {
            lines.append("Tài khoản demo (mật khẩu: \(password)):")
            for l in logins { lines.append("  \(l.login.padding(toLength: 20, withPad: " ", startingAt: 0)) \(l.who)") }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
