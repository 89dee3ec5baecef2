import AsyncHTTPClient
import App
import Exchange
import Fluent
import Foundation
import Kernel
import NIOCore
import NIOHTTP1
import NIOPosix
import Vapor

// The LGSP gateway against nginx, in one run on this machine (issue 6):
//   (c) the upstream alone: a tiny SwiftNIO server answering 1 KB of JSON;
//   (a) nginx from Debian proxying to it (keep-alive to the upstream, no access log);
//   (b) tinhso's gateway in front of it on its own listener (`GatewayListener`), with key
//       authentication, the access check and the message log (each record durable, chained,
//       sealed every second) all on; and again at 8 connections, for its latency when it is not
//       saturated; and (b') the same gateway on the main port, through Vapor's server.
// And, to show where the gateway's own framework sets its floor, two routes of the same server:
//   (d) a Vapor route answering 1 KB with nothing else;
//   (e) a Vapor route forwarding to the upstream through AsyncHTTPClient, with no
//       authentication, access check or log (what the gateway used before `UpstreamClient`);
//   (f) the same through the gateway's own client (`UpstreamClient`), as the gateway forwards;
//   (g) a plain NIO server forwarding through `UpstreamClient` from a task, as the listener does,
//       with nothing else: the floor of (b).
// Each is loaded by wrk (BENCH_CONNECTIONS, default 64; BENCH_SECONDS, default 15) with 1 KB JSON
// POST bodies; the bench prints requests/s, p50 and p99, the ratios b/a and b/c, and checks that
// the log holds one intact record per request the gateway answered.
// wrk saturates: its p99 at 64 connections is the queue they form. The latency target is read at
// the target's rate instead: (a) and (b) again under open-loop load at BENCH_RATE (default 5,000)
// requests/s (`OpenLoad`), each request timed from when it was due (decision 0019).

if CommandLine.arguments.dropFirst().first == "--open-load" { OpenLoad.main(Array(CommandLine.arguments.dropFirst(2))) }
Startup.useEventLoopsForConcurrency()  // as the server runs
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let environment = ProcessInfo.processInfo.environment
let connections = Int(environment["BENCH_CONNECTIONS"] ?? "") ?? 64
let duration = Int(environment["BENCH_SECONDS"] ?? "") ?? 15
let rate = Double(environment["BENCH_RATE"] ?? "") ?? 5000
let dir = NSTemporaryDirectory() + "tinhso-exchange-bench-\(UUID().uuidString.prefix(8))"
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)

/// 1 KB of JSON, as a population lookup answers.
let answer: ByteBuffer = {
    var fields: [String] = []
    for i in 0..<24 { fields.append(#""truong\#(i)":"Giá trị \#(i) của bản ghi""#) }
    var text = "{" + fields.joined(separator: ",") + "}"
    while text.utf8.count < 1024 { text.insert(" ", at: text.index(before: text.endIndex)) }
    return ByteBuffer(string: text)
}()

final class Upstream: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(answer.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// (g): a plain NIO server, no Vapor, forwarding each call through `UpstreamClient` from a task,
/// as an async handler would: what the gateway's forward costs below Vapor's server.
final class NIOForward: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let client: UpstreamClient, target: UpstreamTarget
    var body = ByteBuffer()
    init(client: UpstreamClient, target: UpstreamTarget) { (self.client, self.target) = (client, target) }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: body.clear()
        case .body(var piece): body.writeBuffer(&piece)
        case .end:
            let loop = context.eventLoop, bound = NIOLoopBound((self, context), eventLoop: loop)
            let call = UpstreamClient.Request(method: .POST, target: target, uri: "/cong-dan/025090000001",
                                              headers: ["Content-Type": "application/json"], body: .bytes(body))
            let client = self.client
            Task {
                let reply = try? await client.execute(call, on: loop, deadline: .now() + .seconds(5), pieceTimeout: .seconds(5), collectUpTo: 1 << 20) { _ in false }
                loop.execute {
                    let (handler, context) = bound.value
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Content-Length", value: String(reply?.body.readableBytes ?? 0))
                    context.write(handler.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: reply == nil ? .badGateway : .ok, headers: headers))), promise: nil)
                    if let reply { context.write(handler.wrapOutboundOut(.body(.byteBuffer(reply.body))), promise: nil) }
                    context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }
    }
}

func freePort() throws -> Int {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(s) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

struct Load { var rps: Double; var p50: Double; var p99: Double; var requests: Int; var errors: Int }

/// Runs wrk and reads its summary.
func wrk(_ url: String, headers: [String], connections: Int = connections) throws -> Load {
    let body = dir + "/post.lua"
    try #"wrk.method = "POST"; wrk.body = '\#(String(buffer: answer))'; wrk.headers["Content-Type"] = "application/json""#
        .write(toFile: body, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
    p.arguments = ["-t2", "-c\(connections)", "-d\(duration)s", "--latency", "-s", body] + headers.flatMap { ["-H", $0] } + [url]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    func ms(_ s: Substring) -> Double {
        let v = Double(s.dropLast(s.hasSuffix("us") || s.hasSuffix("ms") ? 2 : 1)) ?? .nan
        return s.hasSuffix("us") ? v / 1000 : s.hasSuffix("ms") ? v : v * 1000
    }
    var load = Load(rps: 0, p50: .nan, p99: .nan, requests: 0, errors: 0)
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        if f.first == "Requests/sec:", let v = Double(f[1]) { load.rps = v }
        if f.first == "50%" { load.p50 = ms(f[1]) }
        if f.first == "99%" { load.p99 = ms(f[1]) }
        if f.count > 3, f[1] == "requests", f[2] == "in" { load.requests = Int(f[0]) ?? 0 }
        if line.contains("Non-2xx or 3xx responses:") { load.errors = Int(f.last ?? "") ?? 0 }
    }
    guard load.rps > 0 else { throw Abort(.internalServerError, reason: "wrk printed no rate:\n\(text)") }
    return load
}

/// Runs `OpenLoad` in a process of its own (this binary again) at `rate` requests/s for `duration` seconds.
func openLoad(_ url: String, headers: [String]) throws -> OpenLoad.Result {
    let body = dir + "/body.json"
    try Data(String(buffer: answer).utf8).write(to: URL(fileURLWithPath: body))
    let p = Process()
    p.executableURL = try unwrap(Bundle.main.executableURL)
    p.arguments = ["--open-load", url, String(rate), String(duration), String(connections), body] + headers
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0, let result = OpenLoad.Result(line: text) else { throw Abort(.internalServerError, reason: "the open load printed \(text)") }
    return result
}

func rssMB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

let upstreamGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let upstream = try await ServerBootstrap(group: upstreamGroup)
    .serverChannelOption(.backlog, value: 1024)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Upstream()) }
    }
    .bind(host: "127.0.0.1", port: 0).get()
let upstreamPort = upstream.localAddress?.port ?? 0

// (a) nginx, on a port the system just had free (nginx cannot report the one it bound).
let nginxPort = try freePort()
try """
worker_processes 1;
pid \(dir)/nginx.pid;
error_log \(dir)/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path \(dir); proxy_temp_path \(dir);
  upstream u { server 127.0.0.1:\(upstreamPort); keepalive 128; }
  server { listen 127.0.0.1:\(nginxPort); location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
""".write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
let nginx = Process()
nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
nginx.arguments = ["-c", dir + "/nginx.conf", "-p", dir, "-g", "daemon off;"]
try nginx.run()

// (b) the gateway.
var env = Environment(name: "bench", arguments: ["exchange-bench"])
try LoggingSystem.bootstrap(from: &env)
var config = try AppConfig.load(from: ["TINHSO_DATA_DIR": dir, "DATABASE_URL": environment["DATABASE_URL"] ?? "", "TINHSO_DEMO": "false"])
let app = try await Application.make(env)
app.logger.logLevel = .error
try await configure(app, config: config)
do {
    try await app.autoRevert().get()
    try await Startup.migrate(app)
    func system(_ code: String, _ subsystem: String) async throws -> InformationSystem {
        let s = InformationSystem()
        (s.code, s.name, s.ownerAgency, s.purpose, s.securityLevel, s.levelApproval, s.operatorContact, s.status, s.subsystem) =
            (code, code, "H42", "bench", 3, .approved, "", .official, subsystem)
        try await s.create(on: app.db)
        return s
    }
    let provider = try await system("DANCU", "VN/GOV/000.00.00.G12/DANCU")
    let consumer = try await system("MOTCUA", "VN/GOV/000.00.00.H42/MOTCUA")
    let service = ExchangeService()
    (service.$system.id, service.code, service.version, service.baseURL, service.classification, service.timeoutMilliseconds, service.viaPeer) =
        (try provider.requireID(), "cong-dan", "v1", "http://127.0.0.1:\(upstreamPort)", .restricted, 5000, false)
    try await service.create(on: app.db) as Void
    let right = AccessRight()
    (right.$consumer.id, right.$service.id) = (try consumer.requireID(), try service.requireID())
    try await right.create(on: app.db)
    let key = try await Registry.issueKey(for: consumer, at: Date(), on: app.db).key
    Exchange.sealWhileServing(app)
    // (d) and (e): bench-only routes, outside /r1.
    app.on(.POST, "bench", "vapor", body: .collect(maxSize: "1mb")) { _ in Response(status: .ok, body: .init(buffer: answer)) }
    app.on(.POST, "bench", "forward", body: .collect(maxSize: "1mb")) { req async throws -> Response in
        var call = HTTPClientRequest(url: "http://127.0.0.1:\(upstreamPort)/cong-dan/025090000001")
        call.method = .POST
        call.body = .bytes(req.body.data ?? ByteBuffer())
        let reply = try await req.application.http.client.shared.execute(call, timeout: .seconds(5))
        return Response(status: reply.status, body: .init(buffer: try await reply.body.collect(upTo: 1 << 20)))
    }
    let ownClient = UpstreamClient()
    defer { ownClient.closeIdle() }
    let upstreamTarget = try unwrap(UpstreamTarget(baseURL: "http://127.0.0.1:\(upstreamPort)"))
    app.on(.POST, "bench", "own-client", body: .collect(maxSize: "1mb")) { req async throws -> Response in
        let call = UpstreamClient.Request(method: .POST, target: upstreamTarget, uri: "/cong-dan/025090000001",
                                          headers: ["Content-Type": "application/json"], body: .bytes(req.body.data ?? ByteBuffer()))
        let reply = try await ownClient.execute(call, on: req.eventLoop, deadline: .now() + .seconds(5), pieceTimeout: .seconds(5), collectUpTo: 1 << 20) { _ in false }
        return Response(status: reply.head.status, body: .init(buffer: reply.body))
    }
    let nioForward = try await ServerBootstrap(group: app.eventLoopGroup)
        .serverChannelOption(.backlog, value: 1024)
        .childChannelInitializer { channel in
            channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(NIOForward(client: ownClient, target: upstreamTarget)) }
        }
        .bind(host: "127.0.0.1", port: 0).get()
    defer { nioForward.close(promise: nil) }
    // The gateway's own listener (`TINHSO_GATEWAY_PORT` in production) on a port the system picks.
    let listener = GatewayListener(host: "127.0.0.1", port: 0)
    app.lifecycle.use(listener)
    try await app.asyncBoot()
    try await startServer(app)
    let gatewayPort = app.http.server.shared.localAddress?.port ?? 0
    say("exchange: wrk -c\(connections) -d\(duration)s, 1 KB JSON POST bodies and answers, \(config.database), 2 cores shared by all")

    let direct = try wrk("http://127.0.0.1:\(upstreamPort)/cong-dan/025090000001", headers: [])
    let proxied = try wrk("http://127.0.0.1:\(nginxPort)/cong-dan/025090000001", headers: [])
    let gatewayPath = "/r1/VN/GOV/000.00.00.G12/DANCU/cong-dan/025090000001"
    let gatewayURL = "http://127.0.0.1:\(try unwrap(listener.boundPort))" + gatewayPath
    let gatewayHeaders = ["X-Road-Client: VN/GOV/000.00.00.H42/MOTCUA", "Authorization: Bearer \(key)", "X-Road-UserId: VN025090000001"]
    let gateway = try wrk(gatewayURL, headers: gatewayHeaders)
    let gatewayOnMain = try wrk("http://127.0.0.1:\(gatewayPort)" + gatewayPath, headers: gatewayHeaders)
    // At 64 connections every path is saturated and its p99 is mostly queueing; at 8 the p99 is
    // closer to what one call costs, the log's durable write included.
    let gatewayLight = try wrk(gatewayURL, headers: gatewayHeaders, connections: 8)
    let proxiedAtRate = try openLoad("http://127.0.0.1:\(nginxPort)/cong-dan/025090000001", headers: [])
    let gatewayAtRate = try openLoad(gatewayURL, headers: gatewayHeaders)
    let vaporAlone = try wrk("http://127.0.0.1:\(gatewayPort)/bench/vapor", headers: [])
    let vaporForward = try wrk("http://127.0.0.1:\(gatewayPort)/bench/forward", headers: [])
    let ownForward = try wrk("http://127.0.0.1:\(gatewayPort)/bench/own-client", headers: [])
    let nioOnly = try wrk("http://127.0.0.1:\(nioForward.localAddress?.port ?? 0)/cong-dan/025090000001", headers: [])
    for (name, l) in [("(c) upstream direct", direct), ("(a) nginx proxy", proxied), ("(b) tinhso gateway on its own listener, log on", gateway),
                      ("(b) the same at 8 connections", gatewayLight), ("(b') the same gateway on the main port (Vapor's server)", gatewayOnMain),
                      ("(d) a bare Vapor route", vaporAlone), ("(e) Vapor + AsyncHTTPClient forward, nothing else", vaporForward),
                      ("(f) Vapor + the gateway's UpstreamClient forward, nothing else", ownForward),
                      ("(g) a plain NIO server + UpstreamClient forward from a task, no Vapor", nioOnly)] {
        say(String(format: "%@: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d requests, %d not 2xx", name, l.rps, l.p50, l.p99, l.requests, l.errors))
    }
    for (name, l) in [("(a) nginx proxy", proxiedAtRate), ("(b) tinhso gateway on its own listener, log on", gatewayAtRate)] {
        say(String(format: "%@ at a fixed %.0f requests/s (open loop, %d connections): %.0f answered/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, %d not 2xx or dropped, %d not answered",
                   name, rate, connections, l.rate, l.p50, l.p99, l.p999, l.max, l.errors, l.unanswered))
    }
    // The rate held (every request due was answered, with 2xx) and its p99 under 10 ms; the throughput saturated.
    let heldRate = gatewayAtRate.unanswered == 0 && gatewayAtRate.errors == 0 && gatewayAtRate.rate >= 0.99 * rate
    let meets = rate >= 5000 && heldRate && gatewayAtRate.p99 < 10 && gateway.rps >= 5000 && gateway.rps >= 0.25 * proxied.rps
    say(String(format: "ratios: b/a %.3f, b/c %.3f; targets: ≥ 5,000/s saturated (%.0f), p99 < 10 ms at ≥ 5,000/s (at %.0f/s: %.2f ms%@), ≥ 0.25 of nginx (%.3f): %@",
               gateway.rps / proxied.rps, gateway.rps / direct.rps, gateway.rps, rate, gatewayAtRate.p99, heldRate ? "" : ", rate NOT held",
               gateway.rps / proxied.rps, meets ? "met" : "NOT MET"))
    say(String(format: "framework floor: b/g %.2f (the gateway's work on top of its forward), g/a %.2f (its forward alone against nginx), b/b' %.2f (its listener against Vapor's server), g/f %.2f (the same for the bare forward), f/e %.2f (its client against AsyncHTTPClient)",
               gateway.rps / nioOnly.rps, nioOnly.rps / proxied.rps, gateway.rps / gatewayOnMain.rps, nioOnly.rps / ownForward.rps, ownForward.rps / vaporForward.rps))
    // The evidence: one intact, sealed record per answered request.
    try await Task.sleep(for: .seconds(2))
    let records: Int = try await MessageRecord.query(on: app.db).count()
    let platform = try unwrap(app.platformKey)
    let check = try await MessageLog.verify(keys: [platform.keyID: platform.publicKey], on: app.db)
    say("message log: \(records) records for \(gateway.requests + gatewayLight.requests + gatewayOnMain.requests + gatewayAtRate.total) requests answered (wrk stops with some in flight); verify: "
        + (check.firstBroken == nil ? "intact, sealed through \(check.sealedThrough ?? 0)" : "BROKEN at \(check.firstBroken!): \(check.reason ?? "")"))
    say("peak RSS of the bench process (gateway and upstream) \(rssMB()) MB")
} catch {
    say("bench failed: \(String(reflecting: error))")
}
nginx.terminate()
nginx.waitUntilExit()
await stopServer(app)
try? await app.asyncShutdown()
try? await upstream.close()
try? await upstreamGroup.shutdownGracefully()
if environment["BENCH_KEEP"] == "1" { say("kept \(dir)") } else { try? FileManager.default.removeItem(atPath: dir) }

func unwrap<T>(_ v: T?) throws -> T {
    guard let v else { throw Abort(.internalServerError) }
    return v
}

// Outside the top-level code: there the synchronous overloads are picked, and refused.
func startServer(_ app: Application) async throws { try await app.server.start(address: .hostname("127.0.0.1", port: 0)) }
func stopServer(_ app: Application) async { await app.server.shutdown() }
