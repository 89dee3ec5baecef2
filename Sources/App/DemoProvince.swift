import Directory
import Fluent
import Foundation
import Identity
import Procedures
import SQLKit
import Vapor

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
