import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Open-loop load at a fixed rate, as wrk2 makes it (wrk itself is closed-loop: each connection
/// sends its next request when the last is answered, so at 64 connections the p99 it reports is
/// mostly the queue those 64 connections form, whatever the rate). Here request k is due at
/// `start + k / rate` whether or not earlier ones were answered, and its latency runs from that
/// moment: a stall counts against every request it held back, not only the one it hit.
///
/// Runs in a process of its own (`exchange-bench --open-load …`), on one event loop, so the load
/// has its own thread as wrk's does. It prints one line: `rate p50 p99 p999 max answered errors unanswered total`
/// (`total` counts the warm-up's answers too).
enum OpenLoad {
    struct Plan {
        var host: String, port: Int, path: String
        var headers: [(String, String)]
        var body: ByteBuffer
        var rate: Double
        var warmup: Double, seconds: Double
        var connections: Int
    }

    /// `--open-load URL RATE SECONDS CONNECTIONS BODYFILE [HEADER…]`, headers as `Name: value`.
    static func main(_ args: [String]) -> Never {
        guard args.count >= 5, let url = URL(string: args[0]), let host = url.host, let port = url.port,
              let rate = Double(args[1]), let seconds = Double(args[2]), let connections = Int(args[3]),
              let body = FileManager.default.contents(atPath: args[4]) else {
            FileHandle.standardError.write(Data("usage: --open-load URL RATE SECONDS CONNECTIONS BODYFILE [HEADER…]\n".utf8))
            exit(2)
        }
        let headers = args.dropFirst(5).compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let plan = Plan(host: host, port: port, path: url.path.isEmpty ? "/" : url.path, headers: headers, body: ByteBuffer(bytes: body),
                        rate: rate, warmup: 2, seconds: seconds, connections: connections)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let result = try Generator(plan: plan, loop: group.next()).run().wait()
            print(result.line)
            try? group.syncShutdownGracefully()
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("open load failed: \(error)\n".utf8))
            exit(1)
        }
    }

    struct Result {
        var rate: Double, p50: Double, p99: Double, p999: Double, max: Double
        var answered: Int, errors: Int, unanswered: Int, total: Int
        var line: String { String(format: "%.1f %.3f %.3f %.3f %.3f %d %d %d %d", rate, p50, p99, p999, max, answered, errors, unanswered, total) }
    }

    /// Everything runs on `loop`: no locks.
    final class Generator: @unchecked Sendable {
        let plan: Plan, loop: any EventLoop
        var idle: [Connection] = []
        /// Requests due and not yet sent, by the time they were due.
        var waiting: [NIODeadline] = []
        var waitingStart = 0
        var issued = 0
        var start = NIODeadline.now(), measureFrom = NIODeadline.now(), stopAt = NIODeadline.now()
        var latencies: [UInt32] = []  // microseconds, of requests due inside the measured window
        var errors = 0, inFlight = 0, total = 0
        var ticker: RepeatedTask?
        var done: EventLoopPromise<Result>
        let head: HTTPRequestHead

        init(plan: Plan, loop: any EventLoop) {
            (self.plan, self.loop) = (plan, loop)
            done = loop.makePromise()
            var headers = HTTPHeaders([("Host", "\(plan.host):\(plan.port)"), ("Content-Type", "application/json"),
                                       ("Content-Length", String(plan.body.readableBytes))])
            for (name, value) in plan.headers { headers.add(name: name, value: value) }
            head = HTTPRequestHead(version: .http1_1, method: .POST, uri: plan.path, headers: headers)
            latencies.reserveCapacity(Int(plan.rate * plan.seconds * 1.1))
        }

        func run() -> EventLoopFuture<Result> {
            return EventLoopFuture.whenAllSucceed((0..<plan.connections).map { _ in connect() }, on: loop).flatMap { [self] opened in
                idle = opened
                start = .now()
                measureFrom = start + .nanoseconds(Int64(plan.warmup * 1e9))
                stopAt = measureFrom + .nanoseconds(Int64(plan.seconds * 1e9))
                ticker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .microseconds(200)) { [self] _ in tick() }
                return done.futureResult
            }
        }

        func connect() -> EventLoopFuture<Connection> {
            ClientBootstrap(group: loop).channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [self] channel in
                    channel.pipeline.addHTTPClientHandlers().flatMap { channel.pipeline.addHandler(Connection(generator: self)) }
                }
                .connect(host: plan.host, port: plan.port)
                .flatMapThrowing { try $0.pipeline.syncOperations.handler(type: Connection.self) }
        }

        func due(_ k: Int) -> NIODeadline { start + .nanoseconds(Int64(Double(k) / plan.rate * 1e9)) }

        func tick() {
            let now = NIODeadline.now()
            while due(issued) <= now, due(issued) < stopAt {
                waiting.append(due(issued))
                issued += 1
            }
            dispatch()
            // After the window: the requests already due are still sent and awaited, for up to 3 s.
            if now >= stopAt, (inFlight == 0 && waitingStart == waiting.count) || now > stopAt + .seconds(3) { finish() }
        }

        func dispatch() {
            while waitingStart < waiting.count, let connection = idle.popLast() {
                connection.send(due: waiting[waitingStart])
                waitingStart += 1
                inFlight += 1
            }
            if waitingStart > 4096 { waiting.removeFirst(waitingStart); waitingStart = 0 }
        }

        func answered(_ connection: Connection, due: NIODeadline, ok: Bool) {
            inFlight -= 1
            if ok { total += 1 }
            if due >= measureFrom, due < stopAt {
                if ok {
                    latencies.append(UInt32(clamping: (NIODeadline.now() - due).nanoseconds / 1000))
                } else {
                    errors += 1
                }
            }
            if connection.keepAlive { idle.append(connection) } else { connection.context?.close(promise: nil) }
            dispatch()
        }

        /// A connection closed (a server may close one after so many requests, as nginx does after
        /// 1,000): a request it held counts as an error, and a new one takes its place, as wrk does.
        func closed(_ connection: Connection, due: NIODeadline?) {
            if let due {
                inFlight -= 1
                if due >= measureFrom, due < stopAt { errors += 1 }
            }
            if let i = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: i) }
            replace()
        }

        /// Opens a connection in place of a closed one, trying again every 10 ms while the run lasts.
        func replace() {
            guard ticker != nil else { return }
            connect().whenComplete { [self] result in
                switch result {
                case .success(let fresh): idle.append(fresh); dispatch()
                case .failure: loop.scheduleTask(in: .milliseconds(10)) { [self] in replace() }
                }
            }
        }

        func finish() {
            ticker?.cancel()
            ticker = nil
            // Requests due in the window but not sent, or not answered, 3 s after it: more than the server could take.
            let unanswered = waiting[waitingStart...].filter { $0 >= measureFrom && $0 < stopAt }.count + inFlight
            latencies.sort()
            func at(_ q: Double) -> Double {
                latencies.isEmpty ? .nan : Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * q))]) / 1000
            }
            let result = Result(rate: Double(latencies.count) / plan.seconds, p50: at(0.5), p99: at(0.99), p999: at(0.999),
                                max: Double(latencies.last ?? 0) / 1000, answered: latencies.count, errors: errors, unanswered: unanswered, total: total)
            for c in idle { c.context?.close(promise: nil) }
            done.succeed(result)
        }
    }

    /// One keep-alive connection: at most one request outstanding (HTTP/1.1 without pipelining).
    final class Connection: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        let generator: Generator
        var context: ChannelHandlerContext?
        var outstanding: NIODeadline?
        var ok = false, keepAlive = true
        init(generator: Generator) { self.generator = generator }

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }

        func send(due: NIODeadline) {
            guard let context else { preconditionFailure("a closed connection is never idle") }
            outstanding = due
            context.write(wrapOutboundOut(.head(generator.head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(generator.plan.body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): (ok, keepAlive) = ((200..<300).contains(Int(head.status.code)), head.isKeepAlive)
            case .body: break
            case .end:
                guard let due = outstanding else { return }
                outstanding = nil
                generator.answered(self, due: due, ok: ok)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            generator.closed(self, due: outstanding)
            outstanding = nil
            self.context = nil
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}

extension OpenLoad.Result {
    /// Reads `line` back, in the parent process.
    init?(line: String) {
        let f = line.split(whereSeparator: \.isWhitespace)
        guard f.count == 9 else { return nil }
        let d = f.prefix(5).compactMap { Double($0) }, i = f.suffix(4).compactMap { Int($0) }
        guard d.count == 5, i.count == 4 else { return nil }
        self.init(rate: d[0], p50: d[1], p99: d[2], p999: d[3], max: d[4], answered: i[0], errors: i[1], unanswered: i[2], total: i[3])
    }
}
