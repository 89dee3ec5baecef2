import Fluent
import Foundation
import Kernel
import NIOCore
import Vapor

/// Cổng trao đổi: `/r1/{instance}/{class}/{member}/{subsystem}/{service}[/path]` with the X-Road
/// REST conventions (PR-REST): the caller names itself in `X-Road-Client` and proves it with an
/// API key; `ExchangeCall` checks the access right, forwards to the service's upstream, and writes
/// the message log before the answer goes back. Errors of the gateway itself carry `X-Road-Error`
/// and a `{type, message, detail}` body, `Client.*` when the caller is at fault, `Server.*` otherwise.
struct Gateway: RouteCollection {
    /// The methods an exchange may use.
    static let methods: [HTTPMethod] = [.GET, .POST, .PUT, .PATCH, .DELETE]

    /// Whether `path` is a gateway call's (`/r1/` and a first segment); `/r1/` and `/r1//…` name nothing.
    static func isCall(_ path: String) -> Bool {
        path.hasPrefix("/r1/") && path.utf8.dropFirst(4).first.map { $0 != UInt8(ascii: "/") } == true
    }

    func boot(routes: any RoutesBuilder) throws {
        for method in Self.methods {
            routes.on(method, "r1", "**", body: .stream, use: handle)
        }
        routes.get("listClients", use: listClients)
    }

    /// Every connected (not suspended) subsystem; `?xRoadInstance=` narrows to one instance.
    func listClients(_ req: Request) async throws -> Response {
        let instance = req.query[String.self, at: "xRoadInstance"]
        let systems = try await InformationSystem.query(on: req.db).filter(\.$status != .suspended).sort(\.$subsystem).all()
        let members = systems.compactMap { s -> ListClients.Client? in
            guard let id = SubsystemID(s.subsystem), instance == nil || id.instance == instance else { return nil }
            return .init(id: .init(xroad_instance: id.instance, member_class: id.memberClass, member_code: id.memberCode, subsystem_code: id.subsystemCode),
                         name: s.name)
        }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: try JSONEncoder().encode(ListClients(member: members))))
    }

    func handle(_ req: Request) async throws -> Response {
        let request = GatewayRequest(method: req.method, path: req.storage[GatewayFirst.PathKey.self] ?? req.url.path, query: req.url.query,
                                     headers: req.headers, body: req.body)
        // `req.db` builds a database handle (logger, tracing) on every access: made once.
        let (call, outcome) = await Self.exchange(request, app: req.application, db: req.db, on: req.eventLoop)
        return outcome.response(for: call)
    }

    /// A call to `/r1/…` as the front that received it read it: Vapor's server (`handle`) or the
    /// gateway's own listener (`GatewayListener`).
    struct GatewayRequest: Sendable {
        var method: HTTPMethod
        /// The path as sent, without the query.
        var path: String
        var query: String?
        var headers: HTTPHeaders
        var body: any CallerBody
    }

    /// Checks, forwards and logs one outside call; the call (its message id and body digest) and
    /// its outcome, which the front writes back.
    static func exchange(_ request: GatewayRequest, app: Application, db: any Database, on loop: any EventLoop) async -> (ExchangeCall, Result<ExchangeCall.Answer, ExchangeCall.Failure>) {
        let headers = request.headers
        var call = ExchangeCall(method: request.method,
                                messageID: headers.first(name: "X-Road-Id").flatMap { $0.isEmpty ? nil : String($0.prefix(200)) },
                                userID: String(headers.first(name: "X-Road-UserId")?.prefix(200) ?? ""),
                                issue: String(headers.first(name: "X-Road-Issue")?.prefix(200) ?? ""))
        call.query = request.query
        call.headers = headers
        call.stream = (request.body, headers.first(name: .contentLength).flatMap { Int($0) }, BodyDigest(limit: ExchangeCall.maxBody))
        let outcome = await call.perform(app: app, db: db, on: loop, relayLarge: true) { call async throws(ExchangeCall.Failure) in
            try await authenticate(request.path, headers, app, db, &call)
        }
        return (call, outcome)
    }

    /// The caller a token proves: one of this platform's credentials (a token of the token
    /// endpoint), or a subsystem a trusted peer's gateway vouches for (a token it signed).
    static func tokenCaller(_ token: String, client: SubsystemID, _ app: Application, _ db: any Database) async throws(ExchangeCall.Failure) -> ExchangeDirectory.Caller? {
        let now = app.clock.now(), directory = app.exchangeDirectory
        do {
            if let key = app.platformKey, let own = AccessToken.verify(token, keys: key.verifying, now: now) {
                guard let credential = own.claims.cid.flatMap(UUID.init(uuidString:)) else { return nil }
                return try await directory.credential(id: credential, now: now, on: db)
            }
            let peers = try await directory.trustedPeers(on: db)
            guard let signed = AccessToken.verify(token, keys: peers.mapValues(\.key), audience: .peer, now: now), let peer = peers[signed.keyID] else {
                throw ExchangeCall.Failure(.unauthorized, "Client.Unauthorized", "Mã truy cập không hợp lệ, đã hết hạn hoặc không do nền tảng tin cậy ký.")
            }
            // A peer speaks only for its own instance's subsystems, and for the one it names.
            guard client.instance == peer.instance, signed.claims.sub == client.description else {
                throw ExchangeCall.Failure(.forbidden, "Client.IdentityMismatch", "Nền tảng tin cậy không được gọi thay cho \(client).")
            }
            return try await directory.system(subsystem: client.description, on: db)
        } catch let failure as ExchangeCall.Failure {
            throw failure
        } catch {
            throw .init(.internalServerError, "Server.ClientProxy.InternalError", "Không đọc được danh mục khoá truy cập.")
        }
    }

    /// Reads the target and the caller from the request: the path, `X-Road-Client`, the key.
    static func authenticate(_ path: String, _ headers: HTTPHeaders, _ app: Application, _ db: any Database, _ call: inout ExchangeCall) async throws(ExchangeCall.Failure) {
        // /r1/instance/class/member/subsystem/service[/path], split as bytes: the rest of the path is the eighth piece.
        let parts = path.utf8.split(separator: UInt8(ascii: "/"), maxSplits: 7, omittingEmptySubsequences: false).map(Substring.init)
        guard parts.count >= 7, let provider = SubsystemID(encodedParts: Array(parts[2..<6])), !parts[6].isEmpty else {
            throw .init(.badRequest, "Client.BadRequest.InvalidServiceId",
                        "Địa chỉ phải có dạng /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/đường-dẫn].")
        }
        call.provider = provider
        call.serviceCode = String(parts[6])
        call.path = parts.count > 7 ? "/" + parts[7] : "/"
        // The header's values as sent: a client identifier may hold a comma, so they are not split at commas.
        guard let clientHeader = headers["X-Road-Client"].last else {
            throw .init(.badRequest, "Client.BadRequest.MissingClientHeader", "Thiếu tiêu đề X-Road-Client.")
        }
        guard let client = SubsystemID(clientHeader) else {
            throw .init(.badRequest, "Client.BadRequest.InvalidClientId", "X-Road-Client phải có dạng instance/memberClass/memberCode/subsystemCode.")
        }
        call.client = client
        // An access token (`AccessToken`) or an API key, in `Authorization: Bearer`; a key also in `X-API-Key`.
        let presented = headers.bearerAuthorization?.token ?? headers.first(name: "X-API-Key")
        var caller: ExchangeDirectory.Caller?
        if let presented, AccessToken.looksLikeToken(presented) {
            caller = try await tokenCaller(presented, client: client, app, db)
        } else if let presented {
            do { caller = try await app.exchangeDirectory.credential(hash: SecureToken.hash(presented), now: app.clock.now(), on: db) } catch {
                throw .init(.internalServerError, "Server.ClientProxy.InternalError", "Không đọc được danh mục khoá truy cập.")
            }
        }
        guard let caller else { throw .init(.unauthorized, "Client.Unauthorized", "Khoá truy cập không hợp lệ hoặc đã bị thu hồi.") }
        guard caller.subsystem == client.description else {
            throw .init(.forbidden, "Client.IdentityMismatch", "Khoá truy cập không thuộc hệ thống \(client).")
        }
        guard !caller.suspended else {
            throw .init(.forbidden, "Client.SystemSuspended", "Hệ thống \(client) đang tạm dừng kết nối; khoá truy cập còn hiệu lực nhưng lời gọi không được nhận.")
        }
        call.callerSystemID = caller.systemID
        call.limits = (caller.ratePerSecond, caller.dailyQuota)
    }
}

/// One exchange through the LGSP, from an outside system (`Gateway`) or from a module of this
/// platform (`ExchangeCall.internal`): the same access check, forwarding and message log.
public struct ExchangeCall: Sendable {
    /// Request bodies above this are refused (X-Road's default loggable size for REST), and so are
    /// answers above it that are collected (`internal` calls).
    public static let maxBody = 10 * 1024 * 1024
    /// Answers to outside callers above this, or of no declared length, are relayed (`Relay`)
    /// instead of collected.
    static let relayAbove = 1 << 20
    /// Request bodies of declared length up to this are read whole before they are forwarded; larger ones, or of
    /// no declared length, are streamed.
    static let collectUpTo = 64 * 1024
    /// Hop-by-hop headers (RFC 9110 §7.6.1), those X-Road strips, and the caller's credentials.
    static let dropped: Set<String> = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                                       "transfer-encoding", "upgrade", "host", "user-agent", "server", "authorization", "x-api-key",
                                       "content-length", "expect",
                                       // This server dates its own answers; the upstream's would be a second Date.
                                       "date"]

    public struct Failure: Error, Sendable {
        public var status: HTTPResponseStatus
        public var type: String
        public var message: String
        /// Seconds, for 429 and 503.
        public var retryAfter: Int?
        init(_ status: HTTPResponseStatus, _ type: String, _ message: String, retryAfter: Int? = nil) {
            (self.status, self.type, self.message, self.retryAfter) = (status, type, message, retryAfter)
        }
        /// The caller's body passed `maxBody`: declared so, or found so on the way.
        static let requestTooLarge = Failure(.payloadTooLarge, "Client.BadRequest.RequestTooLarge", "Thân yêu cầu vượt quá 10 MB.")
        /// The caller's body had not all come within the service's timeout.
        static func bodyTimeout(milliseconds: Int) -> Failure {
            Failure(.requestTimeout, "Client.BadRequest.BodyTimeout", "Thân yêu cầu không đến đủ trong \(milliseconds) ms.")
        }
        /// The caller broke its body off.
        static let incompleteBody = Failure(.badRequest, "Client.BadRequest.IncompleteBody", "Không đọc được trọn thân yêu cầu (bên gọi ngắt giữa chừng).")
    }

    /// The caller's rate and quota.
    func admit(app: Application, db: any Database) async throws(Failure) {
        guard let id = callerSystemID, limits.ratePerSecond != nil || limits.dailyQuota != nil else { return }
        let refusal: CallLimiter.Refusal?
        do {
            refusal = try await app.callLimiter.admit(system: id, subsystem: client?.description ?? "", ratePerSecond: limits.ratePerSecond,
                                                      dailyQuota: limits.dailyQuota, now: app.clock.now(), db: db)
        } catch {
            throw Failure(.internalServerError, "Server.ClientProxy.InternalError", "Không kiểm được hạn mức gọi.")
        }
        if let r = refusal { throw Failure(.tooManyRequests, r.type, r.message, retryAfter: r.retryAfter) }
    }

    public struct Answer: Sendable {
        /// The exchange's id in the message log (`X-Road-Id`).
        public var messageID: String
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer
        /// A large answer still coming from the upstream (`body` is then empty).
        var relay: Relay?
    }

    public var method: HTTPMethod
    public var body: Data
    public var messageID: String
    public var userID: String
    public var issue: String
    public var query: String?
    public var headers = HTTPHeaders()
    var client: SubsystemID?
    var callerSystemID: UUID?
    /// The caller's rate and daily quota (`CallLimiter`).
    var limits: (ratePerSecond: Int?, dailyQuota: Int?) = (nil, nil)
    var provider: SubsystemID?
    var serviceCode = ""
    var path = "/"
    /// An outside caller's body, streamed to the upstream (`body` is then empty), with its declared length.
    var stream: (body: any CallerBody, length: Int?, digest: BodyDigest)?

    /// The request body's size and SHA-256 (hex) for the log: of what was streamed, or of `body`.
    var requestForLog: (bytes: Int, sha256: String) {
        guard let s = stream?.digest.summary else { return (body.count, SecureToken.sha256Hex(body)) }
        return (s.bytes, s.sha256)
    }

    /// `X-Road-Request-Hash`: the body's SHA-512, base64.
    var requestHashHeader: String { stream?.digest.summary.sha512 ?? Data(SHA512.hash(data: body)).base64EncodedString() }

    static let emptySHA256 = SecureToken.sha256Hex(Data())

    public init(method: HTTPMethod, body: Data = Data(), messageID: String? = nil, userID: String = "", issue: String = "") {
        self.method = method
        self.body = body
        // Time-ordered, like the records: the log's index by message id grows at its end.
        self.messageID = messageID ?? UUID.timeOrdered().uuidString
        self.userID = userID
        self.issue = issue
    }

    /// Whether this platform's registry routes `client` to `service` of `provider` at all; a module
    /// whose route is not set up (a deployment without the national systems) works without it.
    public static func isRegistered(from client: SubsystemID, to provider: SubsystemID, service: String, app: Application) async -> Bool {
        (try? await app.exchangeDirectory.isRegistered(client: client.description, provider: provider.description, code: service, on: app.db)) ?? false
    }

    /// A call by one of this platform's own systems (the one-stop looking up a citizen): no key,
    /// since the caller is this process, but the caller must be a registered, connected system
    /// with the right, and the call is logged like any other.
    public static func `internal`(from client: SubsystemID, to provider: SubsystemID, service: String, path: String, method: HTTPMethod = .GET,
                                  body: Data = Data(), contentType: HTTPMediaType? = nil, messageID: String? = nil,
                                  userID: String, issue: String = "", app: Application) async -> Result<Answer, Failure> {
        var call = ExchangeCall(method: method, body: body, messageID: messageID, userID: userID, issue: issue)
        if let contentType { call.headers.contentType = contentType }
        call.client = client
        call.provider = provider
        call.serviceCode = service
        let split = path.split(separator: "?", maxSplits: 1)
        call.path = split.first.map(String.init) ?? "/"
        call.query = split.count > 1 ? String(split[1]) : nil
        // With the event loops as the executor (`Startup`), the loop this task runs on: no hop.
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? app.eventLoopGroup.any()
        return await call.perform(app: app, db: app.db, on: loop) { call async throws(Failure) in
            let caller: ExchangeDirectory.Caller?
            do { caller = try await app.exchangeDirectory.system(subsystem: client.description, on: app.db) } catch {
                throw Failure(.internalServerError, "Server.ClientProxy.InternalError", "Không đọc được danh mục hệ thống.")
            }
            guard let caller else { throw Failure(.forbidden, "Client.UnknownClient", "Hệ thống \(client) chưa đăng ký hoặc đang tạm dừng kết nối.") }
            call.callerSystemID = caller.systemID
            call.limits = (caller.ratePerSecond, caller.dailyQuota)
        }
    }

    /// Identifies the caller (`identify`), then authorises, forwards and logs. The answer is
    /// given only once its record is durable; with `relayLarge`, a large answer is relayed as it
    /// comes and its record written before its last piece goes (`Relay`).
    func perform(app: Application, db: any Database, on loop: any EventLoop, relayLarge: Bool = false,
                 identify: (inout ExchangeCall) async throws(Failure) -> Void) async -> Result<Answer, Failure> {
        let started = DispatchTime.now().uptimeNanoseconds
        var call = self
        var record = LogEntry(at: app.clock.now(), messageID: messageID, userID: userID, issue: issue, method: method.rawValue,
                              responseHash: Self.emptySHA256)
        var outcome: Result<Answer, Failure>
        do {
            try await identify(&call)
            try await call.admit(app: app, db: db)
            outcome = .success(try await call.forward(app: app, db: db, on: loop, relayLarge: relayLarge))
        } catch {
            outcome = .failure(error)
        }
        (record.requestBytes, record.requestHash) = call.requestForLog
        record.client = call.client?.description ?? ""
        record.service = call.provider.map { "\($0)/\(call.serviceCode)" } ?? ""
        record.path = String(call.path.prefix(2000))
        record.query = String((call.query ?? "").prefix(2000))
        let identified = call.callerSystemID != nil
        switch outcome {
        case .success(var a):
            record.status = Int(a.status.code)
            if var relay = a.relay {
                (relay.record, relay.started, relay.identified) = (record, started, identified)
                a.relay = relay
                return .success(a)
            }
            record.responseBytes = a.body.readableBytes
            record.responseHash = SecureToken.sha256Hex(Data(buffer: a.body))
        case .failure(let f):
            record.status = Int(f.status.code)
            record.errorType = f.type
        }
        if let failure = await Self.log(record, identified: identified, started: started, app: app) { return .failure(failure) }
        return outcome
    }

    /// Counts the exchange in the metrics and writes its record; the failure to answer with
    /// instead when the record cannot be written (nothing passes unlogged).
    static func log(_ record: LogEntry, identified: Bool, started: UInt64, app: Application) async -> Failure? {
        var record = record
        record.durationMicroseconds = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)
        // Labels only from the registry: names a caller made up must not grow the series without bound.
        let known = identified && !record.errorType.hasPrefix("Client.Unknown")
        let (service, client) = known ? (record.service, record.client) : ("unknown", "unknown")
        app.metrics.increment("tinhso_exchange_calls_total", [service, client, record.errorType.isEmpty ? String(record.status) : record.errorType])
        app.metrics.observe("tinhso_exchange_duration_seconds", [service], seconds: Double(record.durationMicroseconds) / 1e6)
        do {
            try await MessageLog.append(record, app: app)
            return nil
        } catch {
            app.logger.error("message log write failed: \(error)")
            return Failure(.serviceUnavailable, "Server.ClientProxy.MessageLogUnavailable", "Không ghi được nhật ký trao đổi; cổng tạm ngừng nhận yêu cầu.")
        }
    }

    /// The headers of `headers` that stay on this hop (lowercased): `dropped`, and those its `Connection` names.
    static func hopByHop(_ headers: HTTPHeaders) -> Set<String> {
        dropped.union(headers[canonicalForm: "Connection"].map { $0.lowercased() })
    }

    /// A path with no dot-segment and no encoded separator: what the rights are checked against
    /// is what the upstream serves.
    static func isPlainPath(_ path: String) -> Bool {
        // Byte scans, and decoding only a segment with a `%`: Foundation's `contains` and decoding took 1 % of the gateway's CPU.
        func plain(_ segment: some StringProtocol) -> Bool {
            segment != "." && segment != ".." && !segment.utf8.contains(UInt8(ascii: "/")) && !segment.utf8.contains(UInt8(ascii: "\\"))
        }
        return path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy { raw in
            raw.contains(UInt8(ascii: "%")) ? plain(Substring(raw).removingPercentEncoding ?? "..") : plain(Substring(raw))
        }
    }

    struct BodyTimeout: Error {}

    func forward(app: Application, db: any Database, on loop: any EventLoop, relayLarge: Bool) async throws(Failure) -> Answer {
        guard let provider, let callerSystemID else { throw Failure(.internalServerError, "Server.ClientProxy.InternalError", "Lời gọi chưa xác định bên gọi.") }
        if MetadataService(rawValue: serviceCode) != nil {
            do { return try await metadata(provider: provider, caller: callerSystemID, on: db) } catch let f as Failure { throw f } catch {
                throw Failure(.internalServerError, "Server.ClientProxy.InternalError", "Không đọc được danh mục dịch vụ.")
            }
        }
        let service: ExchangeDirectory.Service?
        do { service = try await app.exchangeDirectory.service(provider: provider.description, code: serviceCode, on: db) } catch {
            throw Failure(.internalServerError, "Server.ClientProxy.InternalError", "Không đọc được danh mục dịch vụ.")
        }
        guard let service else { throw Failure(.notFound, "Client.UnknownService", "Không có dịch vụ \(provider)/\(serviceCode).") }
        guard service.status == .official || service.status == .trial else {
            throw Failure(.serviceUnavailable, "Server.ServerProxy.ServiceUnavailable",
                          "Hệ thống \(provider) \(service.status == .suspended ? "đang tạm dừng kết nối" : "chưa được đưa vào kết nối").")
        }
        // Checked before the rights: the upstream resolves `..`, so `/items/../admin` would pass a right on `/items/*`.
        guard Self.isPlainPath(path) else {
            throw Failure(.badRequest, "Client.BadRequest.InvalidPath", "Đường dẫn không được chứa đoạn “.” hoặc “..”, kể cả khi mã hoá (%2e, %2f).")
        }
        guard service.rights[callerSystemID]?.contains(where: { $0.allows(method: method.rawValue, path: path) }) == true else {
            throw Failure(.forbidden, "Client.AccessDenied", "Hệ thống \(client?.description ?? "") không được cấp quyền gọi \(method.rawValue) \(path).")
        }
        // One deadline for the whole call: reading a small body first must not give the upstream a second timeout.
        let deadline = NIODeadline.now() + .milliseconds(Int64(service.timeoutMilliseconds))
        guard let target = service.target else {
            throw Failure(.badGateway, "Server.ServerProxy.ServiceFailed", "Địa chỉ máy chủ của dịch vụ \(provider)/\(serviceCode) không hợp lệ.")
        }
        let joined = target.pathPrefix + (path == "/" ? "" : path)
        var upstream = UpstreamClient.Request(method: method, target: target, uri: (joined.isEmpty ? "/" : joined) + (query.map { "?" + $0 } ?? ""),
                                              headers: HTTPHeaders(), body: .none)
        let stay = Self.hopByHop(headers)
        for (name, value) in headers where !stay.contains(name.lowercased()) { upstream.headers.add(name: name, value: value) }
        if let client { upstream.headers.replaceOrAdd(name: "X-Road-Client", value: client.description) }
        upstream.headers.replaceOrAdd(name: "X-Road-Id", value: messageID)
        if !userID.isEmpty { upstream.headers.replaceOrAdd(name: "X-Road-UserId", value: userID) }
        if let stream {
            if let length = stream.length, length > Self.maxBody {
                throw Failure.requestTooLarge
            }
            if let length = stream.length, length <= Self.collectUpTo {
                // A small body of declared length is read whole and sent as one piece: streaming it cost more than
                // the body (async sequences on both sides, about 8 % of the gateway's CPU for 1 KB in a profile).
                if length > 0 {
                    let bytes: ByteBuffer
                    do { bytes = try await stream.body.collect(length: length, by: deadline) } catch is BodyTimeout {
                        throw Failure.bodyTimeout(milliseconds: service.timeoutMilliseconds)
                    } catch {
                        throw Failure.incompleteBody
                    }
                    // At most `collectUpTo` bytes: never past the digest's limit.
                    try? stream.digest.add(bytes)
                    upstream.body = .bytes(bytes)
                }
            } else if stream.length.map({ $0 > 0 }) ?? headers.contains(name: .transferEncoding) {
                // A body only when the caller sent one: a GET must not go out chunked.
                upstream.body = .stream(DigestingBody(base: stream.body, digest: stream.digest), length: stream.length)
            }
        } else if !body.isEmpty {
            upstream.body = .bytes(ByteBuffer(data: body))
        }
        if let authorization = service.upstreamAuthorization { upstream.headers.replaceOrAdd(name: .authorization, value: authorization) }
        if service.viaPeer {
            // The peer's gateway checks our signature and then its own access rights for the caller.
            guard let key = app.platformKey, let client,
                  let token = try? AccessToken.issue(credential: nil, subsystem: client.description, audience: .peer, key: key, now: app.clock.now()) else {
                throw Failure(.internalServerError, "Server.ClientProxy.InternalError", "Không ký được lời gọi sang nền tảng đối tác.")
            }
            upstream.headers.replaceOrAdd(name: .authorization, value: "Bearer " + token)
        }
        let breaker = "\(provider)/\(serviceCode)"
        if let wait = app.circuitBreakers.retryAfter(breaker) {
            throw Failure(.serviceUnavailable, "Server.ServerProxy.CircuitOpen",
                          "Dịch vụ vừa lỗi liên tiếp nhiều lần; cổng tạm ngừng chuyển lời gọi trong \(wait) giây.", retryAfter: wait)
        }
        let answer: UpstreamClient.Response
        do throws(UpstreamClient.Failure) {
            answer = try await app.upstreamClient.execute(upstream, on: loop, deadline: deadline, pieceTimeout: .milliseconds(Int64(service.timeoutMilliseconds)),
                                                          collectUpTo: Self.maxBody) { head in
                // 204 and 304 carry no body, so no chunked framing either.
                relayLarge && head.status != .noContent && head.status != .notModified
                    && (head.headers.first(name: .contentLength).flatMap { Int($0) }.map { $0 > Self.relayAbove } ?? true)
            }
            app.circuitBreakers.record(breaker, failed: false)
        } catch {
            // The caller's body passing the limit is the caller's fault, whatever broke off after it.
            if stream?.digest.tooLarge == true { throw Failure.requestTooLarge }
            switch error {
            case .timedOut:
                app.circuitBreakers.record(breaker, failed: true)
                throw Failure(.gatewayTimeout, "Server.ServerProxy.Timeout", "Dịch vụ không trả lời trong \(service.timeoutMilliseconds) ms.")
            case .answerTooLarge:
                throw Failure(.badGateway, "Server.ServerProxy.ResponseTooLarge", "Câu trả lời của dịch vụ vượt quá 10 MB.")
            case .callerBody(let timedOut):
                // The caller's fault: not counted against the upstream's breaker.
                throw timedOut ? Failure.bodyTimeout(milliseconds: service.timeoutMilliseconds) : Failure.incompleteBody
            case .failed(let reason):
                app.circuitBreakers.record(breaker, failed: true)
                app.logger.warning("upstream \(breaker) failed: \(reason)")
                throw Failure(.badGateway, "Server.ServerProxy.ServiceFailed", "Không kết nối được máy chủ của dịch vụ \(breaker), hoặc máy chủ ngắt kết nối giữa chừng.")
            }
        }
        var out = HTTPHeaders()
        let answerStays = Self.hopByHop(answer.head.headers)
        for (name, value) in answer.head.headers where !answerStays.contains(name.lowercased()) { out.add(name: name, value: value) }
        if let stream = answer.stream {
            return Answer(messageID: messageID, status: answer.head.status, headers: out, body: ByteBuffer(),
                          relay: Relay(body: stream, length: answer.head.headers.first(name: .contentLength).flatMap { Int($0) }, breaker: breaker, app: app))
        }
        return Answer(messageID: messageID, status: answer.head.status, headers: out, body: answer.body)
    }
}

/// X-Road's REST metadata services (PR-MREST), answered by the gateway itself for any provider.
enum MetadataService: String { case listMethods, allowedMethods, getOpenAPI }

extension ExchangeCall {
    struct ServiceID: Codable {
        var object_type = "SERVICE"
        var xroad_instance: String
        var member_class: String
        var member_code: String
        var subsystem_code: String
        var service_code: String
        var service_version: String
    }
    struct ServiceList: Codable { var service: [ServiceID] }

    func metadata(provider: SubsystemID, caller: UUID, on db: any Database) async throws -> Answer {
        guard let system = try await InformationSystem.query(on: db).filter(\.$subsystem == provider.description).first(), system.status != .suspended else {
            throw Failure(.notFound, "Client.UnknownMember", "Không có hệ thống \(provider).")
        }
        let services = try await ExchangeService.query(on: db).filter(\.$system.$id == system.requireID()).sort(\.$code).all()
        var headers = HTTPHeaders()
        headers.contentType = .json
        switch MetadataService(rawValue: serviceCode) {
        case .getOpenAPI:
            let code = URLComponents(string: "?" + (query ?? ""))?.queryItems?.first { $0.name == "serviceCode" }?.value ?? ""
            guard let s = services.first(where: { $0.code == code }) else {
                throw Failure(.notFound, "Client.UnknownService", "Không có dịch vụ \(provider)/\(code).")
            }
            guard let document = s.openAPI, !document.isEmpty else {
                throw Failure(.notFound, "Server.ServerProxy.OpenApiNotFound", "Dịch vụ \(code) chưa đăng ký tài liệu OpenAPI.")
            }
            headers.contentType = document.hasPrefix("{") ? .json : HTTPMediaType(type: "application", subType: "yaml")
            return Answer(messageID: messageID, status: .ok, headers: headers, body: ByteBuffer(string: document))
        case .listMethods, .allowedMethods, nil:
            var listed = services
            if serviceCode == MetadataService.allowedMethods.rawValue {
                let granted = try await AccessRight.query(on: db).filter(\.$consumer.$id == caller).filter(\.$service.$id ~~ services.compactMap(\.id)).all()
                let ids = Set(granted.map(\.$service.id))
                listed = services.filter { $0.id.map(ids.contains) ?? false }
            }
            let list = ServiceList(service: listed.map {
                ServiceID(xroad_instance: provider.instance, member_class: provider.memberClass, member_code: provider.memberCode,
                          subsystem_code: provider.subsystemCode, service_code: $0.code, service_version: $0.version)
            })
            return Answer(messageID: messageID, status: .ok, headers: headers, body: ByteBuffer(data: try JSONEncoder().encode(list)))
        }
    }
}

/// `GET /listClients`: the registered subsystems, as X-Road's security servers list them.
struct ListClients: Codable {
    struct Client: Codable {
        struct ID: Codable { var object_type = "SUBSYSTEM"; var xroad_instance: String; var member_class: String; var member_code: String; var subsystem_code: String }
        var id: ID
        var name: String
    }
    var member: [Client]
}

extension Result where Success == ExchangeCall.Answer, Failure == ExchangeCall.Failure {
    /// What goes back to an outside caller, whichever front writes it: the status, the headers
    /// (`X-Road-*` included), and the body whole or as a relay.
    func reply(for call: ExchangeCall) -> (status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, relay: Relay?) {
        var reply: (status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, relay: Relay?)
        switch self {
        case .success(let a):
            reply = (a.status, a.headers, a.body, a.relay)
        case .failure(let f):
            var headers = HTTPHeaders()
            headers.contentType = .json
            headers.add(name: "X-Road-Error", value: f.type)
            if let seconds = f.retryAfter { headers.add(name: .retryAfter, value: String(seconds)) }
            let data = (try? JSONEncoder().encode(ErrorBody(type: f.type, message: f.message, detail: call.messageID))) ?? Data()
            reply = (f.status, headers, ByteBuffer(data: data), nil)
        }
        reply.headers.replaceOrAdd(name: "X-Road-Id", value: call.messageID)
        reply.headers.replaceOrAdd(name: "X-Road-Request-Hash", value: call.requestHashHeader)
        return reply
    }

    func response(for call: ExchangeCall) -> Response {
        let r = reply(for: call)
        guard let relay = r.relay else { return Response(status: r.status, headers: r.headers, body: .init(buffer: r.body)) }
        return Response(status: r.status, headers: r.headers, body: .init(asyncStream: { await relay.run($0) }, count: relay.length ?? -1))
    }
}

/// The gateway's own error, as X-Road writes it; `detail` is the message id, to find the record.
struct ErrorBody: Codable, Sendable { var type: String; var message: String; var detail: String }
