import AsyncHTTPClient
import Fluent
import Foundation
import Kernel
import NIOCore
import Vapor

/// Cổng trao đổi: `/r1/{instance}/{class}/{member}/{subsystem}/{service}[/path]` with the X-Road
/// REST conventions (PR-REST): the caller names itself in `X-Road-Client` and proves it with an
/// API key; the gateway checks the access right, forwards to the service's upstream, and writes
/// the message log before it answers. Errors of the gateway itself carry `X-Road-Error` and a
/// `{type, message, detail}` body, `Client.*` when the caller is at fault, `Server.*` otherwise.
struct Gateway: RouteCollection {
    /// Bodies above this are refused (X-Road's default loggable size for REST).
    static let maxBody = 10 * 1024 * 1024
    /// Hop-by-hop headers (RFC 9110 §7.6.1) and those X-Road strips.
    static let dropped: Set<String> = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                                       "transfer-encoding", "upgrade", "host", "user-agent", "server", "authorization", "x-api-key",
                                       "content-length"]

    func boot(routes: any RoutesBuilder) throws {
        for method in [HTTPMethod.GET, .POST, .PUT, .PATCH, .DELETE] {
            routes.on(method, "r1", "**", body: .collect(maxSize: ByteCount(integerLiteral: Self.maxBody)), use: handle)
        }
    }

    struct Failure: Error {
        var status: HTTPResponseStatus
        var type: String
        var message: String
    }

    func handle(_ req: Request) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let messageID = req.headers.first(name: "X-Road-Id").flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } ?? UUID().uuidString
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        let requestHash = SecureToken.sha256Hex(body)
        let record = MessageRecord()
        record.at = req.application.clock.now()
        record.messageID = messageID
        record.userID = String(req.headers.first(name: "X-Road-UserId")?.prefix(200) ?? "")
        record.issue = String(req.headers.first(name: "X-Road-Issue")?.prefix(200) ?? "")
        record.method = req.method.rawValue
        record.requestBytes = body.count
        record.requestHash = requestHash
        record.client = ""
        record.service = ""
        record.path = ""
        record.errorType = ""
        record.responseBytes = 0
        record.responseHash = SecureToken.sha256Hex(Data())

        var response: Response
        do {
            response = try await forward(req, body: body, record: record)
        } catch let f as Failure {
            response = Self.errorResponse(f)
            record.status = Int(f.status.code)
            record.errorType = f.type
        }
        record.durationMicroseconds = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)
        do {
            try await MessageLog.append(record, app: req.application)
        } catch {
            // Nothing passes unlogged: the answer, whatever it was, is withheld.
            req.logger.error("message log write failed: \(error)")
            response = Self.errorResponse(Failure(status: .serviceUnavailable, type: "Server.ClientProxy.MessageLogUnavailable",
                                                  message: "Không ghi được nhật ký trao đổi; cổng tạm ngừng nhận yêu cầu."))
        }
        response.headers.replaceOrAdd(name: "X-Road-Id", value: messageID)
        response.headers.replaceOrAdd(name: "X-Road-Request-Hash", value: Data(SHA512.hash(data: body)).base64EncodedString())
        return response
    }

    /// Authenticates, authorises and forwards; fills the record's identity, status and response.
    func forward(_ req: Request, body: Data, record: MessageRecord) async throws -> Response {
        // /r1/instance/class/member/subsystem/service[/path]
        let parts = req.url.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2)
        guard parts.count >= 5, let provider = SubsystemID(parts: Array(parts.prefix(4)).map { Substring($0.removingPercentEncoding ?? String($0)) }),
              let serviceCode = parts.dropFirst(4).first.map(String.init), !serviceCode.isEmpty else {
            throw Failure(status: .badRequest, type: "Client.BadRequest.InvalidServiceId",
                          message: "Địa chỉ phải có dạng /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/đường-dẫn].")
        }
        let rest = "/" + parts.dropFirst(5).joined(separator: "/")
        record.service = "\(provider)/\(serviceCode)"
        record.path = String(rest.prefix(2000))
        guard let clientHeader = req.headers[canonicalForm: "X-Road-Client"].last.map(String.init) else {
            throw Failure(status: .badRequest, type: "Client.BadRequest.MissingClientHeader", message: "Thiếu tiêu đề X-Road-Client.")
        }
        guard let client = SubsystemID(clientHeader) else {
            throw Failure(status: .badRequest, type: "Client.BadRequest.InvalidClientId",
                          message: "X-Road-Client phải có dạng instance/memberClass/memberCode/subsystemCode.")
        }
        record.client = client.description
        let directory = req.application.exchangeDirectory
        guard let key = Self.apiKey(req), let caller = try await directory.credential(hash: SecureToken.hash(key), on: req.db) else {
            throw Failure(status: .unauthorized, type: "Client.Unauthorized", message: "Khoá truy cập không hợp lệ hoặc đã bị thu hồi.")
        }
        guard caller.subsystem == client.description else {
            throw Failure(status: .forbidden, type: "Client.IdentityMismatch", message: "Khoá truy cập không thuộc hệ thống \(client).")
        }
        guard let service = try await directory.service(provider: provider.description, code: serviceCode, on: req.db) else {
            throw Failure(status: .notFound, type: "Client.UnknownService", message: "Không có dịch vụ \(record.service).")
        }
        guard service.rights[caller.systemID]?.contains(where: { $0.allows(method: req.method.rawValue, path: rest) }) == true else {
            throw Failure(status: .forbidden, type: "Client.AccessDenied", message: "Hệ thống \(client) không được cấp quyền gọi \(req.method.rawValue) \(rest).")
        }

        var upstream = HTTPClientRequest(url: service.baseURL + (rest == "/" ? "" : rest) + (req.url.query.map { "?" + $0 } ?? ""))
        upstream.method = req.method
        for (name, value) in req.headers where !Self.dropped.contains(name.lowercased()) { upstream.headers.add(name: name, value: value) }
        upstream.body = .bytes(ByteBuffer(data: body))
        let answer: HTTPClientResponse
        do {
            answer = try await req.application.http.client.shared.execute(upstream, timeout: .milliseconds(Int64(service.timeoutMilliseconds)))
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            throw Failure(status: .gatewayTimeout, type: "Server.ServerProxy.Timeout", message: "Dịch vụ không trả lời trong \(service.timeoutMilliseconds) ms.")
        } catch {
            throw Failure(status: .badGateway, type: "Server.ServerProxy.ServiceFailed", message: "Không kết nối được dịch vụ: \(String(describing: error).prefix(200))")
        }
        let bytes: ByteBuffer
        do {
            bytes = try await answer.body.collect(upTo: Self.maxBody)
        } catch {
            throw Failure(status: .badGateway, type: "Server.ServerProxy.ResponseTooLarge", message: "Câu trả lời của dịch vụ vượt quá 10 MB.")
        }
        var headers = HTTPHeaders()
        for (name, value) in answer.headers where !Self.dropped.contains(name.lowercased()) { headers.add(name: name, value: value) }
        record.status = Int(answer.status.code)
        record.responseBytes = bytes.readableBytes
        record.responseHash = SecureToken.sha256Hex(Data(buffer: bytes))
        return Response(status: answer.status, headers: headers, body: .init(buffer: bytes))
    }

    static func apiKey(_ req: Request) -> String? {
        if let bearer = req.headers.bearerAuthorization?.token { return bearer }
        return req.headers.first(name: "X-API-Key")
    }

    static func errorResponse(_ f: Failure) -> Response {
        struct Body: Encodable { var type: String; var message: String; var detail: String }
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.add(name: "X-Road-Error", value: f.type)
        let data = (try? JSONEncoder().encode(Body(type: f.type, message: f.message, detail: UUID().uuidString))) ?? Data()
        return Response(status: f.status, headers: headers, body: .init(data: data))
    }
}
