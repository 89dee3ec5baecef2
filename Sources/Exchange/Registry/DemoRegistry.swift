import Fluent
import Foundation

extension Registry {
    /// The demo province's LGSP: its one-stop and document systems, and the national databases
    /// (played by `NationalSimulator` at `nationalBaseURL`), in the mix of statuses the seeds report.
    public static let oneStop = SubsystemID("VN/GOV/000.00.00.H42/MOTCUA")!
    public static let population = SubsystemID("VN/GOV/000.00.00.G12/DANCU")!
    public static let businessRegistry = SubsystemID("VN/GOV/000.00.00.G09/DKKD")!
    /// The national public service portal (Cổng DVCQG), which receives the one-stop's status sync.
    public static let nationalPortal = SubsystemID("VN/GOV/000.00.00.G22/DVCQG")!

    /// `inbound`: this server's inbound API for the portal's forwarded dossiers, and the
    /// `Authorization` the gateway presents to it (an integration token of the running server).
    public static func seedDemo(nationalBaseURL: String, inbound: (url: String, authorization: String), ownerAgency: String, on db: any Database) async throws {
        func system(_ code: String, _ name: String, _ subsystem: String, _ owner: String, level: Int, _ status: InformationSystem.Status,
                    purpose: String) async throws -> InformationSystem {
            let s = InformationSystem()
            s.code = code
            s.name = name
            s.subsystem = subsystem
            s.ownerAgency = owner
            s.securityLevel = level
            s.levelApproval = level >= 3 ? .approved : .submitted
            s.status = status
            s.purpose = purpose
            s.operatorContact = "Trung tâm Chuyển đổi số tỉnh Phú Thọ, 0210 3846 888"
            try await s.create(on: db)
            return s
        }
        let motcua = try await system("MOTCUA", "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh", oneStop.description, ownerAgency, level: 3,
                                      .official, purpose: "Tiếp nhận, giải quyết hồ sơ; tra cứu dữ liệu dùng chung để không yêu cầu công dân nộp lại")
        let dancu = try await system("CSDLQGDC", "Cơ sở dữ liệu quốc gia về dân cư (mô phỏng)", population.description, ownerAgency, level: 4,
                                     .official, purpose: "Xác thực, cung cấp thông tin công dân theo số định danh cá nhân")
        let dkkd = try await system("CSDLDKDN", "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp (mô phỏng)", businessRegistry.description, ownerAgency,
                                    level: 3, .trial, purpose: "Tra cứu doanh nghiệp theo mã số doanh nghiệp")
        let hotich = try await system("HOTICH", "Cơ sở dữ liệu hộ tịch điện tử (mô phỏng)", "VN/GOV/000.00.00.G06/HOTICH", ownerAgency, level: 3,
                                      .trial, purpose: "Tra cứu thông tin khai sinh")
        let lltp = try await system("LLTP", "Cơ sở dữ liệu lý lịch tư pháp (mô phỏng)", "VN/GOV/000.00.00.G06/LLTP", ownerAgency, level: 3,
                                    .planned, purpose: "Tra cứu tình trạng án tích")
        let dvcqg = try await system("DVCQG", "Cổng Dịch vụ công quốc gia (mô phỏng)", nationalPortal.description, ownerAgency, level: 4,
                                     .official, purpose: "Nhận đồng bộ trạng thái hồ sơ của tỉnh; chuyển hồ sơ nộp trên Cổng về tỉnh")
        _ = try await system("QLVB", "Hệ thống quản lý văn bản và điều hành", "VN/GOV/000.00.00.H42/QLVB", ownerAgency, level: 2, .planned,
                             purpose: "Liên thông văn bản điện tử")
        func service(_ code: String, of s: InformationSystem, path: String) async throws -> ExchangeService {
            let v = ExchangeService()
            v.$system.id = try s.requireID()
            v.code = code
            v.version = "v1"
            v.baseURL = nationalBaseURL + path
            v.classification = .restricted
            v.timeoutMilliseconds = 5000
            v.viaPeer = false
            try await v.create(on: db)
            return v
        }
        func grant(_ v: ExchangeService, method: String = "GET", path: String) async throws {
            let r = AccessRight()
            r.$consumer.id = try motcua.requireID()
            r.$service.id = try v.requireID()
            r.method = method
            r.path = path
            try await r.create(on: db)
        }
        try await grant(try await service("cong-dan", of: dancu, path: "/dan-cu"), path: "/cong-dan/*")
        try await grant(try await service("doanh-nghiep", of: dkkd, path: "/dang-ky-kinh-doanh"), path: "/doanh-nghiep/*")
        try await grant(try await service("khai-sinh", of: hotich, path: "/ho-tich"), path: "/khai-sinh/*")
        _ = try await service("ly-lich", of: lltp, path: "/ly-lich-tu-phap")
        try await grant(try await service("dong-bo-ho-so", of: dvcqg, path: "/dvcqg"), method: "POST", path: "/dong-bo")
        // The portal forwards dossiers to the one-stop's inbound API through the gateway.
        let intake = try await addService(NewService(code: "tiep-nhan-ho-so", baseURL: inbound.url, classification: "restricted",
                                                     timeoutMilliseconds: 10_000, upstreamAuthorization: inbound.authorization), to: motcua, on: db)
        let r = AccessRight()
        (r.$consumer.id, r.$service.id, r.method, r.path) = (try dvcqg.requireID(), try intake.requireID(), "POST", "/dossiers")
        try await r.create(on: db)
    }
}
