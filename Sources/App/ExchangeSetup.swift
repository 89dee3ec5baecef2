import Exchange
import Foundation
import Kernel
import NationalSim
import OneStop
import Vapor

/// The one-stop's lookups go to the national databases through the LGSP, as the one-stop system
/// (`Registry.oneStop`): access-checked and logged like any outside caller's.
struct LGSPNationalRegistry: NationalRegistry {
    let app: Application

    func citizen(identity: String, userID: String) async -> RegistryLookup<RegisteredCitizen> {
        await lookup(Registry.population, "cong-dan", path: "/cong-dan/\(identity)", userID: userID) { (c: NationalSimulator.Citizen, id) in
            RegisteredCitizen(identity: c.SoDinhDanh, fullName: c.HoVaTen, birthDate: c.NgaySinh, gender: c.GioiTinh,
                              permanentAddress: c.NoiThuongTru, messageID: id)
        }
    }

    func business(taxCode: String, userID: String) async -> RegistryLookup<RegisteredBusiness> {
        await lookup(Registry.businessRegistry, "doanh-nghiep", path: "/doanh-nghiep/\(taxCode)", userID: userID) { (b: NationalSimulator.Business, id) in
            RegisteredBusiness(taxCode: b.MaSoDoanhNghiep, name: b.TenDoanhNghiep, headOffice: b.DiaChiTruSo,
                               legalRepresentative: b.NguoiDaiDienTheoPhapLuat, status: b.TinhTrang, messageID: id)
        }
    }

    private func lookup<Answer: Decodable, Record>(_ provider: SubsystemID, _ service: String, path: String, userID: String,
                                                   _ record: (Answer, String) -> Record) async -> RegistryLookup<Record> {
        guard await ExchangeCall.isRegistered(from: Registry.oneStop, to: provider, service: service, app: app) else { return .notConnected }
        switch await ExchangeCall.internal(from: Registry.oneStop, to: provider, service: service, path: path, userID: userID, app: app) {
        case .failure(let f): return .unavailable(f.message)
        case .success(let a):
            if a.status == .notFound { return .notFound }
            guard a.status == .ok, let answer = try? JSONDecoder().decode(Answer.self, from: a.body) else {
                return .unavailable("dịch vụ trả lời mã \(a.status.code)")
            }
            return .found(record(answer, a.messageID))
        }
    }
}

/// The status sync to the national portal goes through the LGSP too, as `Registry.oneStop`
/// calling the portal's `dong-bo-ho-so` service; the message id names the dossier's state, so a
/// repeat after a lost answer is taken once.
struct LGSPNationalPortal: NationalPortalClient {
    let app: Application

    struct Refused: Error, CustomStringConvertible { var description: String }

    func push(_ payload: NationalDossierPayload, messageID: String) async throws {
        // A deployment whose LGSP does not route to the portal keeps the sync in the server's log.
        guard await ExchangeCall.isRegistered(from: Registry.oneStop, to: Registry.nationalPortal, service: "dong-bo-ho-so", app: app) else {
            return try await LogNationalPortal(logger: app.logger).push(payload, messageID: messageID)
        }
        let result = await ExchangeCall.internal(from: Registry.oneStop, to: Registry.nationalPortal, service: "dong-bo-ho-so", path: "/dong-bo",
                                                 method: .POST, body: try JSONEncoder.national.encode(payload), contentType: .json,
                                                 messageID: messageID, userID: "", issue: payload.MaHoSo, app: app)
        switch result {
        case .failure(let f): throw Refused(description: "\(f.type): \(f.message)")
        case .success(let a) where !(200..<300).contains(a.status.code):
            throw Refused(description: "cổng quốc gia trả lời \(a.status.code): \(String(buffer: a.body).prefix(200))")
        case .success: return
        }
    }
}

/// `tinhso simulate national [--hostname H] [--port P]`: the national databases' stand-in as a
/// server of its own, for an LGSP set up as in production (the demo mounts it at `/mo-phong/quoc-gia`).
struct SimulateCommands: AsyncCommandGroup {
    var help: String { "Stand-ins for systems this machine cannot reach: `simulate national`, `simulate forward`" }
    var commands: [String: any AnyAsyncCommand] { ["national": SimulateNationalCommand(), "forward": SimulateForwardCommand()] }
}

struct SimulateNationalCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "hostname", help: "Address to listen on (default 127.0.0.1)") var hostname: String?
        @Option(name: "port", help: "Port (default 8090)") var port: Int?
    }
    var help: String { "Serve simulated population, business, civil status and judicial records" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let sim = try await Application.make(.production)
        sim.logger.logLevel = .warning
        try sim.register(collection: NationalSimulator())
        try sim.register(collection: NationalPortalSimulator())
        let (host, port) = (signature.hostname ?? "127.0.0.1", signature.port ?? 8090)
        try await sim.server.start(address: .hostname(host, port: port))
        context.console.print("Mô phỏng hệ thống quốc gia tại http://\(host):\(port)/dan-cu/cong-dan/{số định danh}, /dang-ky-kinh-doanh/doanh-nghiep/{mã số}, /ho-tich/khai-sinh/{số định danh}, /ly-lich-tu-phap/{số định danh}; cổng DVCQG nhận đồng bộ tại /dvcqg/dong-bo")
        // Until the command is interrupted (cancelling the sleep), then a clean shutdown.
        do { while true { try await Task.sleep(for: .seconds(3600)) } } catch {}
        await sim.server.shutdown()
        try await sim.asyncShutdown()
    }
}

/// `tinhso simulate forward --key KEY [--gateway URL]`: the national portal forwards a sample
/// dossier (a business registration by the demo citizen) to the province through its LGSP, as
/// the portal's system `DVCQG` with a key issued to it on `/quan-tri/lgsp/he-thong/DVCQG`.
struct SimulateForwardCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "key", help: "A key of the DVCQG system, issued on its LGSP page") var key: String?
        @Option(name: "gateway", help: "The province's gateway (default this server's address)") var gateway: String?
    }
    var help: String { "Send a sample dossier from the simulated national portal through the LGSP gateway" }
    /// A one-page PDF, base64, as the mandatory application form.
    static let samplePDF = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8).base64EncodedString()

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let key = signature.key else { throw CommandFailure("cần --key (cấp khoá tại /quan-tri/lgsp/he-thong/DVCQG)") }
        let code = "G22.99-\(VietnamTime.compact(app.clock.now()).prefix(8).dropFirst(2))-\(Int.random(in: 100_000...999_999))"
        let cccd = DemoProvince.citizenCCCD
        let json = """
        {"MaHoSoQuocGia": "\(code)", "MaTTHC": "2.001610", "ChuHoSo": "Nguyễn Văn An", "SoGiayToChuHoSo": "\(cccd)", "SoDienThoai": "0912345678",
         "TaiKhoanDuocXacThucVoiVNeID": 1, "TrichYeuHoSo": "Đăng ký thành lập doanh nghiệp tư nhân (nộp trên Cổng DVCQG)",
         "DuLieuBieuMau": {"companyName": "DNTN Quốc Gia", "hqAddress": "Phường Việt Trì", "charterCapital": "100000000",
                           "mainBusinessLine": "Bán lẻ", "representativeName": "Nguyễn Văn An", "representativeId": "\(cccd)"},
         "TaiLieuNop": [{"MaThanhPhanHoSo": "Giấy đề nghị đăng ký doanh nghiệp", "TenTepDinhKem": "giay-de-nghi.pdf", "NoiDung": "\(Self.samplePDF)"}]}
        """
        let response = try await NationalPortalSimulator.forward(json, nationalCode: code, gateway: signature.gateway ?? DemoProvince.localURL(app),
                                                                 province: Registry.oneStop.description, client: Registry.nationalPortal.description,
                                                                 key: key, using: app.client)
        let body = response.body.map { String(buffer: $0) } ?? ""
        guard response.status == .created else { throw CommandFailure("cổng trả lời \(response.status.code): \(body)") }
        context.console.print("Cổng DVCQG (mô phỏng) đã chuyển hồ sơ \(code) qua LGSP; tỉnh trả lời: \(body)")
    }
}
