import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Vapor

/// The gateway's own listener (cổng kết nối riêng của LGSP): `/r1/…` on a port of its own
/// (`TINHSO_GATEWAY_PORT`), served by a plain NIO HTTP/1.1 pipeline instead of Vapor's server, with
/// the same checks, forward and message log (`Gateway.exchange`). In the bench a plain NIO server
/// forwarded 1.7× as many calls a second as a Vapor route doing the same (decision 0017). The main
/// port keeps `/r1/…` too, for a deployment that opens one port only.
public final class GatewayListener: LifecycleHandler, Sendable {
    let host: String
    let port: Int
    /// A connection with nothing coming or going for this long is closed (`ExchangeService.idleConnectionTimeout`).
    let idleTimeout: TimeAmount
    private let server = NIOLockedValueBox<(any Channel)?>(nil)
    /// Open connections, closed at shutdown: none may outlive the application it calls into.
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    public init(host: String, port: Int, idleTimeout: TimeAmount = ExchangeService.idleConnectionTimeout) {
        (self.host, self.port, self.idleTimeout) = (host, port, idleTimeout)
    }

    /// The port bound (the one asked for, or the system's pick for 0); nil before boot.
    public var boundPort: Int? { server.withLockedValue { $0?.localAddress?.port } }

    public func didBootAsync(_ app: Application) async throws {
        let idle = idleTimeout
        let channel = try await ServerBootstrap(group: app.eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = ObjectIdentifier(channel)
                    connections.withLockedValue { $0[id] = channel }
                    channel.closeFuture.whenComplete { [self] _ in _ = connections.withLockedValue { $0.removeValue(forKey: id) } }
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idle))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    // One database handle per connection, on its loop: `app.db` makes one on every access.
                    let db = app.databases.database(logger: app.logger, on: channel.eventLoop) ?? app.db
                    try pipeline.addHandler(GatewayConnection(app: app, db: db))
                }
            }
            .bind(host: host, port: port).get()
        server.withLockedValue { $0 = channel }
    }

    public func shutdownAsync(_ app: Application) async {
        let channel = server.withLockedValue { c in defer { c = nil }; return c }
        try? await channel?.close()
        for open in connections.withLockedValue({ Array($0.values) }) { try? await open.close() }
    }
}

/// One caller's connection to the listener: each request's head starts its exchange at once (the
/// body is read by the exchange as it needs it, with backpressure), and the answer is written back
/// in order; `HTTPServerPipelineHandler` holds a pipelined request back until the one before is answered.
final class GatewayConnection: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let app: Application
    let db: any Database
    private var body: ListenerBody.Producer.Source?
    /// Reads held back while the exchange is behind with the body.
    private var paused = false
    private var readPending = false

    init(app: Application, db: any Database) { (self.app, self.db) = (app, db) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            start(head, context: context)
        case .body(let piece):
            // Dropped once the exchange no longer reads (refused, answered, timed out).
            if let body, body.yield(piece) == .stopProducing { paused = true }
        case .end:
            body?.finish()
            body = nil
        }
    }

    func read(context: ChannelHandlerContext) {
        if paused { readPending = true } else { context.read() }
    }

    /// The exchange wants more of the body, or no longer reads it.
    func resume(context: ChannelHandlerContext) {
        paused = false
        if readPending {
            readPending = false
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The caller broke its body off: the exchange's read of it fails (400, the caller's fault).
        body?.finish(ListenerBody.BrokenOff())
        body = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let keepAlive = head.isKeepAlive
        let uri = head.uri.utf8.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false).map { String(Substring($0)) }
        let path = uri.first ?? ""
        // Not an exchange, so not logged: answered here, in the gateway's error shape.
        guard Gateway.isCall(path), Gateway.methods.contains(head.method) else {
            let allowed = Gateway.methods.map(\.rawValue).joined(separator: ", ")
            var headers: HTTPHeaders = ["Content-Type": "application/json; charset=utf-8"]
            let refusal: ErrorBody
            if Gateway.isCall(path) {
                headers.add(name: "Allow", value: allowed)
                refusal = ErrorBody(type: "Client.BadRequest.MethodNotAllowed", message: "Cổng nhận các phương thức \(allowed).", detail: "")
            } else {
                refusal = ErrorBody(type: "Client.BadRequest.InvalidServiceId",
                                    message: "Cổng chỉ nhận địa chỉ /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/đường-dẫn].", detail: "")
            }
            // An answer to HEAD has no body: one written would be read as the next answer.
            let body = head.method == .HEAD ? ByteBuffer() : ByteBuffer(data: (try? JSONEncoder().encode(refusal)) ?? Data())
            write(status: Gateway.isCall(path) ? .methodNotAllowed : .notFound, headers: headers, body: body, keepAlive: keepAlive, context: context)
            return
        }
        let producer = ListenerBody.Producer.makeSequence(
            elementType: ByteBuffer.self, failureType: (any Error).self,
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8),
            finishOnDeinit: true,
            delegate: ListenerBody.Demand { loop.execute { let (h, c) = bound.value; h.resume(context: c) } })
        body = producer.source
        let request = Gateway.GatewayRequest(method: head.method, path: path, query: uri.count > 1 ? uri[1] : nil, headers: head.headers,
                                             body: ListenerBody(sequence: producer.sequence, source: producer.source, loop: loop))
        let app = self.app
        let db = self.db
        // The explicit capture list: without it Swift 6's region checker fails on this closure ("pattern … does not understand").
        Task { @Sendable [request, app, db, bound, keepAlive] in await Self.answer(request, app: app, db: db, bound: bound, keepAlive: keepAlive) }
    }

    /// Runs the exchange and writes its answer back on the connection's loop.
    private static func answer(_ request: Gateway.GatewayRequest, app: Application, db: any Database,
                               bound: NIOLoopBound<(GatewayConnection, ChannelHandlerContext)>, keepAlive: Bool) async {
        let loop = bound.eventLoop
        let (call, outcome) = await Gateway.exchange(request, app: app, db: db, on: loop)
        let reply = outcome.reply(for: call)
        guard let relay = reply.relay else {
            loop.execute {
                let (handler, context) = bound.value
                handler.write(status: reply.status, headers: reply.headers, body: reply.body, keepAlive: keepAlive, context: context)
            }
            return
        }
        var headers = reply.headers
        // No length: NIO's encoder frames the answer chunked.
        if let length = relay.length { headers.replaceOrAdd(name: .contentLength, value: String(length)) }
        let head = Self.head(reply.status, headers, keepAlive: keepAlive)
        do {
            try await loop.flatSubmit {
                let (handler, context) = bound.value
                return context.writeAndFlush(handler.wrapOutboundOut(.head(head)))
            }.get()
        } catch {
            return
        }
        await relay.run(ChannelBodyWriter(bound: bound, keepAlive: keepAlive))
    }

    static func head(_ status: HTTPResponseStatus, _ headers: HTTPHeaders, keepAlive: Bool) -> HTTPResponseHead {
        var headers = headers
        headers.replaceOrAdd(name: .date, value: HTTPDate.now())
        if !keepAlive { headers.replaceOrAdd(name: .connection, value: "close") }
        return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }

    /// A whole answer.
    func write(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = headers
        headers.replaceOrAdd(name: .contentLength, value: String(body.readableBytes))
        context.write(wrapOutboundOut(.head(Self.head(status, headers, keepAlive: keepAlive))), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        finish(keepAlive: keepAlive, context: context)
    }

    func finish(keepAlive: Bool, context: ChannelHandlerContext) {
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { written.whenComplete { _ in context.close(promise: nil) } }
    }
}

/// A relayed answer's pieces, written to the caller's connection one after the other: each waits
/// for the one before to be written, so a slow caller slows the relay (and the upstream's reads).
private struct ChannelBodyWriter: AsyncBodyStreamWriter {
    let bound: NIOLoopBound<(GatewayConnection, ChannelHandlerContext)>
    let keepAlive: Bool

    func submit(_ result: BodyStreamResult) -> EventLoopFuture<Void> {
        let loop = bound.eventLoop
        return loop.flatSubmit { [bound, keepAlive] in
            let (handler, context) = bound.value
            switch result {
            case .buffer(let piece):
                return context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(piece))))
            case .end:
                handler.finish(keepAlive: keepAlive, context: context)
                return loop.makeSucceededVoidFuture()
            case .error:
                // Cut short: the caller sees the connection close before the answer's end.
                context.close(promise: nil)
                return loop.makeSucceededVoidFuture()
            }
        }
    }

    func write(_ result: BodyStreamResult) async throws { try await submit(result).get() }
}

/// A caller's body as the listener receives it: pieces with backpressure, or read whole by a deadline.
struct ListenerBody: CallerBody {
    typealias Producer = NIOThrowingAsyncSequenceProducer<ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Demand>
    struct BrokenOff: Error {}

    /// Resumes the connection's reads when the exchange wants more.
    struct Demand: NIOAsyncSequenceProducerDelegate {
        let more: @Sendable () -> Void
        func produceMore() { more() }
        // Dropped (the exchange answered without reading it all): the rest of the body is read and discarded.
        func didTerminate() { more() }
    }

    let sequence: Producer
    let source: Producer.Source
    let loop: any EventLoop

    func collect(length: Int, by deadline: NIODeadline) async throws -> ByteBuffer {
        // At the deadline the body ends in an error, after the pieces that came.
        let timer = loop.scheduleTask(deadline: deadline) { [source] in source.finish(ExchangeCall.BodyTimeout()) }
        defer { timer.cancel() }
        // NIO's decoder stops the body at its declared length.
        var whole = ByteBuffer()
        for try await var piece in sequence { whole.writeBuffer(&piece) }
        return whole
    }

    func makePieces() -> any BodyPieces { Pieces(base: sequence.makeAsyncIterator()) }

    struct Pieces: BodyPieces {
        var base: Producer.AsyncIterator
        mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }
}

/// `Date` of an answer (RFC 9110 §5.6.7): Vapor's formatting (a `DateFormatter`), once a second.
enum HTTPDate {
    private static let cache = NIOLockedValueBox<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        let second = Int(time(nil))
        if let hit = cache.withLockedValue({ $0.second == second ? $0.text : nil }) { return hit }
        let text = Date(timeIntervalSince1970: TimeInterval(second)).rfc1123
        cache.withLockedValue { $0 = (second, text) }
        return text
    }
}
