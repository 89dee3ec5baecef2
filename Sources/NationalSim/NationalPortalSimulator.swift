import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The national public service portal (Cổng DVCQG, research §9), as a stand-in for both
/// directions. It forwards dossiers submitted on it to a province through the province's LGSP
/// gateway (`forward`). It takes the province's status sync: `POST /dvcqg/dong-bo` keeps a
/// dossier's state once per `X-Road-Id` (a repeat after a lost answer is acknowledged, not kept
/// again), and `GET /dvcqg/dong-bo/{MaHoSo}` lists what arrived for a dossier, in arrival order.
/// What it has received lives as long as the process.
public final class NationalPortalSimulator: RouteCollection, Sendable {
    public struct Received: Content, Sendable, Equatable {
        public var messageID: String
        public var TrangThaiHoSo: Int
        /// The statuses of `QuaTrinhXuLy`, in order.
        public var steps: [Int]
    }

    private struct State {
        var byCode: [String: [Received]] = [:]
        var seen: Set<String> = []
        var answersToDrop = 0
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    public func boot(routes: any RoutesBuilder) throws {
        routes.post("dvcqg", "dong-bo", use: receive)
        routes.get("dvcqg", "dong-bo", ":code", use: list)
    }

    /// Sends a dossier (the inbound API's JSON, with `MaHoSoQuocGia`) to the province's
    /// `tiep-nhan-ho-so` service through its gateway, as the portal's system `client` with its key;
    /// the message id is the national code, so a repeat is recognisable in both logs.
    public static func forward(_ json: String, nationalCode: String, gateway: String, province: String, client: String, key: String,
                               using http: any Client) async throws -> ClientResponse {
        var headers: HTTPHeaders = ["X-Road-Client": client, "X-Road-Id": "dvcqg-" + nationalCode, "Content-Type": "application/json"]
        headers.bearerAuthorization = BearerAuthorization(token: key)
        return try await http.post(URI(string: "\(gateway)/r1/\(province)/tiep-nhan-ho-so/dossiers"), headers: headers) { req in
            req.body = ByteBuffer(string: json)
        }
    }

    /// What arrived for a dossier.
    public func received(_ code: String) -> [Received] { state.withLockedValue { $0.byCode[code] ?? [] } }

    /// Keeps the next `n` syncs but answers 503, as when the answer is lost on the way back.
    public func loseAnswers(_ n: Int) { state.withLockedValue { $0.answersToDrop = n } }

    struct Payload: Decodable {
        struct Step: Decodable { var TrangThai: Int }
        var MaHoSo: String
        var TrangThaiHoSo: Int
        var QuaTrinhXuLy: [Step]
    }

    @Sendable func receive(_ req: Request) async throws -> Response {
        guard let id = req.headers.first(name: "X-Road-Id"), !id.isEmpty else {
            throw Abort(.badRequest, reason: "Thiếu X-Road-Id: cổng quốc gia nhận mỗi trạng thái một lần theo mã thông điệp.")
        }
        guard let p = try? req.content.decode(Payload.self) else { throw Abort(.badRequest, reason: "Dữ liệu đồng bộ không đúng cấu trúc §9.") }
        let (duplicate, drop) = state.withLockedValue { s -> (Bool, Bool) in
            let fresh = s.seen.insert(id).inserted
            if fresh {
                s.byCode[p.MaHoSo, default: []].append(Received(messageID: id, TrangThaiHoSo: p.TrangThaiHoSo, steps: p.QuaTrinhXuLy.map(\.TrangThai)))
            }
            let drop = s.answersToDrop > 0
            if drop { s.answersToDrop -= 1 }
            return (!fresh, drop)
        }
        if drop { throw Abort(.serviceUnavailable, reason: "Mất câu trả lời (mô phỏng).") }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(string: #"{"KetQua":"\#(duplicate ? "DaNhan" : "ThanhCong")"}"#))
    }

    @Sendable func list(_ req: Request) async throws -> [Received] {
        received(req.parameters.get("code") ?? "")
    }
}
