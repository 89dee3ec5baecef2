import Exchange
import Foundation
import NationalSim
import OneStop
import Vapor

/// The one-stop's citizen lookups go to the population database through the LGSP, as the
/// one-stop system (`Registry.oneStop`): access-checked and logged like any outside caller's.
struct LGSPCitizenRegistry: CitizenRegistry {
    let app: Application

    func citizen(identity: String, userID: String) async -> CitizenLookup {
        let result = await ExchangeCall.internal(from: Registry.oneStop, to: Registry.population, service: "cong-dan",
                                                 path: "/cong-dan/\(identity)", userID: userID, app: app)
        switch result {
        case .failure(let f): return .unavailable(f.message)
        case .success(let a):
            if a.status == .notFound { return .notFound }
            guard a.status == .ok, let c = try? JSONDecoder().decode(NationalSimulator.Citizen.self, from: a.body) else {
                return .unavailable("dịch vụ trả lời mã \(a.status.code)")
            }
            return .found(RegisteredCitizen(identity: c.SoDinhDanh, fullName: c.HoVaTen, birthDate: c.NgaySinh, gender: c.GioiTinh,
                                            permanentAddress: c.NoiThuongTru, messageID: a.messageID))
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
    var help: String { "Stand-ins for systems this machine cannot reach: `simulate national`" }
    var commands: [String: any AnyAsyncCommand] { ["national": SimulateNationalCommand()] }
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
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        await sim.server.shutdown()
        try await sim.asyncShutdown()
    }
}
