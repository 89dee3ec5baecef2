import Directory
import Exchange
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
        Login(login: "chuyenvien.congthuong", who: "chuyên viên, Sở Công Thương (cửa hàng xăng dầu, chủ trì)"),
        Login(login: "lanhdao.congthuong", who: "lãnh đạo, Sở Công Thương"),
        Login(login: "chuyenvien.congan", who: "chuyên viên, Công an tỉnh (phòng cháy, chữa cháy, phối hợp)"),
        Login(login: "motcua.viettri", who: "cán bộ một cửa, UBND phường Việt Trì"),
        Login(login: citizenCCCD, who: "công dân Nguyễn Văn An"),
    ]

    public static func isSeeded(on db: any Database) async throws -> Bool {
        try await Agency.query(on: db).count() > 0
    }

    /// This server as its own gateway reaches it (the listening address, not the public URL).
    static func localURL(_ app: Application) -> String {
        let host = ["0.0.0.0", "::", ""].contains(app.config.host) ? "127.0.0.1" : app.config.host
        return "http://\(host):\(app.config.port)"
    }

    /// Where this server mounts `NationalSimulator` in the demo (`/mo-phong/quoc-gia`).
    static func nationalSimulatorURL(_ app: Application) -> String { localURL(app) + "/mo-phong/quoc-gia" }

    /// Seeds everything into an empty database, in one transaction so a failure leaves nothing half-written.
    public static func seed(on app: Application) async throws {
        let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).hash(password)
        try await app.groupCommit.transaction { db in
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
                ("chuyenvien.congthuong", "Đỗ Minh Giang", .specialist, try await agency(codes["so-cong-thuong"])),
                ("lanhdao.congthuong", "Vũ Thị Hà", .leader, try await agency(codes["so-cong-thuong"])),
                ("chuyenvien.congan", "Ngô Quang Khải", .specialist, try await agency(codes["cong-an-tinh"])),
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
            // The LGSP, with the national databases played by the simulator this server mounts in the demo,
            // and the inbound API behind the gateway with an integration token of the administrator.
            guard let admin = try await User.query(on: db).filter(\.$username == "admin").first() else { throw Abort(.internalServerError, reason: "demo admin missing") }
            let integration = try await Accounts.issueAPIToken(userID: admin.requireID(), name: "LGSP: hồ sơ chuyển từ Cổng DVCQG", scopes: [.nationalForward],
                                                               days: 730, at: app.clock.now(), on: db)
            try await Registry.seedDemo(nationalBaseURL: nationalSimulatorURL(app),
                                        inbound: (localURL(app) + "/api/v1/national", "Bearer " + integration),
                                        ownerAgency: codes["ttpvhcc"] ?? "H42", on: db)
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
        let applicant = Submission.Applicant(name: "Nguyễn Văn An", identity: citizenCCCD, phone: "0912345678", email: "an.nguyen@example.vn")
        func run(_ path: [DossierAction], on code: String, specialist: Viewer, leader: Viewer) async throws {
            for action in path {
                var input = ActionInput(comment: [.refuse, .requestSupplement].contains(action) ? "Thiếu bản sao giấy tờ pháp lý của chủ doanh nghiệp" : "")
                switch action {
                case .propose: input.proposal = .grant; input.comment = "Hồ sơ đủ điều kiện, đề nghị cấp."
                case .requestPayment: input.fees = [FeeItem(name: "Phí công bố nội dung đăng ký doanh nghiệp", amount: 100_000)]
                case .returnResult: input.returnMethod = .online
                case .rate: input.rating = Rating.verySatisfied.rawValue
                case .stop: input.comment = "Công dân rút hồ sơ"
                case .approve:
                    _ = try await Attachments.add(code: code, data: DemoDocument.pdf("Giay chung nhan dang ky doanh nghiep \(code)"),
                                                  fileName: "giay-chung-nhan-\(code).pdf", document: "Giấy chứng nhận đăng ký doanh nghiệp",
                                                  purpose: .result, electronicResult: true, by: specialist, on: req)
                default: break
                }
                let actor: Viewer = switch action.actor {
                case .specialist: specialist
                case .leader: leader
                case .applicant: citizen
                case .oneStopOfficer: desk
                }
                _ = try await DossierService.perform(action, code: code, input, by: actor, on: req)
            }
        }
        let companies = ["Hùng Vương", "Sông Lô", "Đền Hùng", "Tam Đảo", "Ba Vì", "Thanh Thủy", "Việt Trì Xanh", "Mường Hòa Bình", "Lạc Long", "Phong Châu"]
        // How far along each one gets: every status of the national code list appears.
        let paths: [[DossierAction]] = [
            [], [.receive], [.receive, .startProcessing], [.receive, .startProcessing, .requestSupplement],
            [.receive, .startProcessing, .propose], [.receive, .startProcessing, .propose, .approve],
            [.receive, .startProcessing, .propose, .approve, .returnResult, .rate], [.refuse],
            [.receive, .startProcessing, .requestPayment], [.receive, .requestWithdrawal, .stop],
        ]
        for (name, path) in zip(companies, paths) {
            let company = "Doanh nghiệp tư nhân \(name)"
            let submission = Submission(
                procedure: "2.001610", applicant: applicant, summary: "Đăng ký thành lập \(company)",
                form: ["companyName": company, "hqAddress": "Phường Việt Trì, Tỉnh Phú Thọ", "charterCapital": "500000000",
                       "mainBusinessLine": "Bán buôn, bán lẻ hàng hóa", "representativeName": "Nguyễn Văn An", "representativeId": citizenCCCD],
                agency: nil,
                files: [SubmittedFile(document: "Giấy đề nghị đăng ký doanh nghiệp", fileName: "giay-de-nghi.pdf",
                                      content: DemoDocument.pdf("Giay de nghi dang ky doanh nghiep - \(name)"))])
            let dossier = try await DossierService.submit(submission, channel: .online, by: citizen, idempotencyKey: nil, on: req)
            try await run(path, on: dossier.code, specialist: specialist, leader: leader)
        }
        // A petrol station licence in parallel at Sở Công Thương (lead) and Công an tỉnh (fire safety).
        let fuel = Submission(
            procedure: "2.000669", applicant: applicant, summary: "Cấp Giấy chứng nhận cửa hàng xăng dầu Phong Châu",
            form: ["orgName": "Công ty TNHH Xăng dầu Phong Châu", "orgTaxCode": "2600123456", "orgAddress": "Phường Phong Châu, Tỉnh Phú Thọ",
                   "representativeName": "Nguyễn Văn An", "representativeId": citizenCCCD, "orgPhone": "0912345678",
                   "stationAddress": "Quốc lộ 2, Phường Phong Châu, Tỉnh Phú Thọ", "pumps": "4"],
            agency: nil,
            files: try await ProcedureQueries.procedure(code: "2.000669", on: app.db).definition.documents.filter(\.mandatory).map {
                SubmittedFile(document: $0.name, fileName: "tai-lieu.pdf", content: DemoDocument.pdf($0.name.folding(options: .diacriticInsensitive, locale: nil)))
            })
        let fuelDossier = try await DossierService.submit(fuel, channel: .online, by: citizen, idempotencyKey: nil, on: req)
        try await run([.receive, .startProcessing], on: fuelDossier.code, specialist: try await viewer("chuyenvien.congthuong"),
                      leader: try await viewer("lanhdao.congthuong"))
    }

    /// The lines printed when the server starts.
    public static func banner(url: String, demoLoginsValid: Bool, gateway: String? = nil) -> String {
        var lines = ["", "tinhso — Cổng dịch vụ công đang chạy tại \(url)"]
        if let gateway { lines.append("Cổng kết nối LGSP (cổng riêng): \(gateway)") }
        if demoLoginsValid {
            lines.append("Tài khoản demo (mật khẩu: \(password)):")
            // Padded to the longest login: `padding(toLength:)` also cuts a longer one.
            let width = logins.map(\.login.count).max() ?? 0
            for l in logins { lines.append("  \(l.login.padding(toLength: width + 2, withPad: " ", startingAt: 0))\(l.who)") }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
