import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Vapor

/// Where a service's upstream (máy chủ dịch vụ) is: the origin the gateway connects to and the
/// path its calls go under. Parsed once, when the directory reads the service.
public struct UpstreamTarget: Hashable, Sendable {
    public var tls: Bool
    public var host: String
    public var port: Int
    /// The base URL's path, without a trailing slash ("" for none); the caller's path follows it.
    public var pathPrefix: String

    public init?(baseURL: String) {
        guard let url = URLComponents(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else { return nil }
        tls = scheme == "https"
        self.host = host
        port = url.port ?? (tls ? 443 : 80)
        var path = url.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        pathPrefix = path
    }

    /// `Host`, with the port when it is not the scheme's.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (tls ? 443 : 80) ? name : "\(name):\(port)"
    }
}

/// The gateway's HTTP/1.1 client to upstreams. Keep-alive connections are pooled per event loop
/// and per origin, so a call goes out and its answer comes back on the event loop the caller's
/// request came in on, with no hop between threads. The answer is collected whole, or, when
/// `relay` says so from its head, handed over as a stream with backpressure (`AnswerStream`).
///
/// AsyncHTTPClient did the same with more work per call (its async request and answer bridging,
/// a pool shared by every event loop): a bare forward through this client ran 1.7–2.1× as many
/// calls a second in the same runs (decision 0016).
public final class UpstreamClient: Sendable {
    public enum Body: Sendable {
        case none
        case bytes(ByteBuffer)
        /// The caller's body as it arrives, of declared length or chunked.
        case stream(DigestingBody, length: Int?)
    }

    public struct Request: Sendable {
        public var method: HTTPMethod
        public var target: UpstreamTarget
        /// Path and query, the target's prefix included.
        public var uri: String
        public var headers: HTTPHeaders
        public var body: Body
        public init(method: HTTPMethod, target: UpstreamTarget, uri: String, headers: HTTPHeaders, body: Body) {
            (self.method, self.target, self.uri, self.headers, self.body) = (method, target, uri, headers, body)
        }
    }

    public struct Response: Sendable {
        public var head: HTTPResponseHead
        /// The whole answer, or empty when `stream` is set.
        public var body: ByteBuffer
        public var stream: AnswerStream?
    }

    public enum Failure: Error {
        /// No connection, no head, or no whole collected answer by the deadline.
        case timedOut
        /// A collected answer passed its limit.
        case answerTooLarge
        /// The connection failed or closed before the answer was complete.
        case failed(String)
        /// The caller's streamed body broke off, or had not all come by the deadline: the caller's fault, not the upstream's.
        case callerBody(timedOut: Bool)
    }

    /// Idle connections older than this are closed rather than reused: many servers close theirs
    /// after 5 s (Node.js, Apache), and a call sent on one at that instant would be lost.
    let idleReuse: TimeAmount
    /// Idle connections kept per event loop and origin; more are closed.
    static let idleKept = 256

    private struct Key: Hashable { var loop: ObjectIdentifier; var tls: Bool; var host: String; var port: Int }
    private struct Idle { var connection: Connection; var since: NIODeadline }
    private let idle = NIOLockedValueBox<[Key: [Idle]]>([:])
    /// The loops with a sweep scheduled, which closes the connections left idle past `idleReuse`
    /// (a burst leaves many that light traffic never takes again). Held, so no other loop takes
    /// one's identifier while it is listed.
    private let sweeping = NIOLockedValueBox<[ObjectIdentifier: any EventLoop]>([:])
    private let tlsConfiguration: TLSConfiguration
    private let tls = NIOLockedValueBox<NIOSSLContext?>(nil)

    /// `tls` for `https` upstreams: the system's trust roots unless told otherwise.
    public init(tls: TLSConfiguration = .makeClientConfiguration(), idleReuse: TimeAmount = .seconds(4)) {
        (tlsConfiguration, self.idleReuse) = (tls, idleReuse)
    }

    struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<UpstreamConnection>
    }

    /// Sends `request` on a connection of `loop` and waits for its answer (or, for a relayed one,
    /// its head). A reused connection found closed before any answer is retried once on a new one
    /// when the request can be sent again without harm (an idempotent method, a body held whole).
    ///
    /// `deadline` covers connecting, sending and the answer's head (and a collected answer's end);
    /// a relayed answer may then pause up to `pieceTimeout` between pieces, while its reader keeps up.
    public func execute(_ request: Request, on loop: any EventLoop, deadline: NIODeadline, pieceTimeout: TimeAmount, collectUpTo: Int,
                        relay: @escaping @Sendable (HTTPResponseHead) -> Bool) async throws(Failure) -> Response {
        let key = Key(loop: ObjectIdentifier(loop), tls: request.target.tls, host: request.target.host, port: request.target.port)
        var reused = take(key)
        while true {
            let connection: Connection
            if let reused { connection = reused } else { connection = try await connect(key, request.target, on: loop, deadline: deadline) }
            do throws(Attempt) {
                return try await exchange(request, on: connection, key: key, deadline: deadline, pieceTimeout: pieceTimeout,
                                          collectUpTo: collectUpTo, relay: relay)
            } catch {
                switch error {
                case .notStarted(let reason):
                    // Nothing was sent, nor read from the caller: any call can go on a new connection.
                    guard reused != nil else { throw .failed(reason) }
                    reused = nil
                case .closedBeforeAnswer(let reason):
                    let replayable: Bool
                    switch request.body { case .none, .bytes: replayable = true; case .stream: replayable = false }
                    guard reused != nil, replayable, [.GET, .PUT, .DELETE].contains(request.method) else { throw .failed(reason) }
                    reused = nil
                case .failure(let f):
                    throw f
                }
            }
        }
    }

    /// Closes the idle connections (at shutdown).
    public func closeIdle() {
        let all = idle.withLockedValue { pool in
            defer { pool = [:] }
            return pool.values.flatMap { $0 }
        }
        for i in all { i.connection.channel.close(promise: nil) }
    }

    private func take(_ key: Key) -> Connection? {
        let now = NIODeadline.now()
        var stale: [Connection] = []
        let found: Connection? = idle.withLockedValue { pool in
            while let last = pool[key]?.popLast() {
                if last.connection.channel.isActive, now - last.since < idleReuse { return last.connection }
                stale.append(last.connection)
            }
            return nil
        }
        for c in stale { c.channel.close(promise: nil) }
        return found
    }

    /// Closes `loop`'s connections idle past `idleReuse`, and comes back while it has any idle.
    private func sweep(_ loop: any EventLoop) {
        let now = NIODeadline.now(), id = ObjectIdentifier(loop), idleReuse = self.idleReuse
        let (stale, more) = idle.withLockedValue { pool -> ([Connection], Bool) in
            var out: [Connection] = []
            var more = false
            for key in pool.keys where key.loop == id {
                // Oldest first: released connections are appended.
                while let first = pool[key]?.first, now - first.since >= idleReuse || !first.connection.channel.isActive {
                    out.append(pool[key]!.removeFirst().connection)
                }
                more = more || pool[key]?.isEmpty == false
            }
            // Under the pool's lock, so that a release that finds the loop listed is swept.
            if !more { sweeping.withLockedValue { _ = $0.removeValue(forKey: id) } }
            return (out, more)
        }
        for c in stale { c.channel.close(promise: nil) }
        if more { scheduleSweep(loop) }
    }

    private func scheduleSweep(_ loop: any EventLoop) {
        // A loop that has shut down runs nothing more, and neither do its connections.
        loop.scheduleTask(in: idleReuse) { [weak self] in self?.sweep(loop) }
    }

    private func release(_ connection: Connection, key: Key) {
        let loop = connection.channel.eventLoop
        let kept = idle.withLockedValue { pool -> Bool in
            guard pool[key, default: []].count < Self.idleKept else { return false }
            pool[key, default: []].append(Idle(connection: connection, since: .now()))
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
        let first = idle.withLockedValue { _ in
            sweeping.withLockedValue { listed in listed.updateValue(loop, forKey: key.loop) == nil }
        }
        if first { scheduleSweep(loop) }
    }

    private func tlsContext() throws -> NIOSSLContext {
        try tls.withLockedValue { context in
            if let context { return context }
            let made = try NIOSSLContext(configuration: tlsConfiguration)
            context = made
            return made
        }
    }

    private func connect(_ key: Key, _ target: UpstreamTarget, on loop: any EventLoop, deadline: NIODeadline) async throws(Failure) -> Connection {
        let remaining = deadline - .now()
        guard remaining > .zero else { throw .timedOut }
        do {
            let ssl = target.tls ? try tlsContext() : nil
            // SNI takes a name, not an address.
            let isAddress = target.host.contains(":") || target.host.allSatisfy { $0.isNumber || $0 == "." }
            let serverName = isAddress ? nil : target.host
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(remaining)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let ssl { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: ssl, serverHostname: serverName)) }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(UpstreamConnection())
                    }
                }
                .connect(host: target.host, port: target.port).get()
            let handler = try await channel.pipeline.handler(type: UpstreamConnection.self).map { NIOLoopBound($0, eventLoop: loop) }.get()
            return Connection(channel: channel, handler: handler)
        } catch {
            if case ChannelError.connectTimeout = error { throw .timedOut }
            if NIODeadline.now() >= deadline { throw .timedOut }
            throw .failed("connect: \(error)")
        }
    }

    private enum Attempt: Error {
        /// The connection was found closed before anything was written on it.
        case notStarted(String)
        case closedBeforeAnswer(String)
        case failure(Failure)
    }

    private func exchange(_ request: Request, on connection: Connection, key: Key, deadline: NIODeadline, pieceTimeout: TimeAmount, collectUpTo: Int,
                          relay: @escaping @Sendable (HTTPResponseHead) -> Bool) async throws(Attempt) -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri, headers: request.headers)
        head.headers.replaceOrAdd(name: "Host", value: request.target.hostHeader)
        let whole: ByteBuffer?
        switch request.body {
        case .none:
            whole = nil
            if [.POST, .PUT, .PATCH].contains(request.method) { head.headers.replaceOrAdd(name: "Content-Length", value: "0") }
        case .bytes(let b):
            whole = b
            head.headers.replaceOrAdd(name: "Content-Length", value: String(b.readableBytes))
        case .stream(_, let length):
            whole = nil
            if let length { head.headers.replaceOrAdd(name: "Content-Length", value: String(length)) } else {
                head.headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
            }
        }
        let sent = head
        let streamed: DigestingBody?
        if case .stream(let body, _) = request.body { streamed = body } else { streamed = nil }
        let loop = connection.channel.eventLoop
        let release: @Sendable () -> Void = { [self] in self.release(connection, key: key) }
        let start: @Sendable () -> EventLoopFuture<Response>? = {
            connection.handler.value.start(head: sent, body: whole, ends: streamed == nil, deadline: deadline, pieceTimeout: pieceTimeout,
                                           collectUpTo: collectUpTo, relay: relay, release: release)
        }
        guard let streamed else {
            return try await Self.outcome(of: loop.flatSubmit { start() ?? loop.makeFailedFuture(UpstreamConnection.Outcome.notStarted) })
        }
        // The head goes out first; then the body's pieces, each as the caller sends it and once the
        // socket took the previous one. The deadline bounds both waits.
        let started: EventLoopFuture<Response>?
        do { started = try await loop.submit(start).get() } catch { throw .notStarted("\(error)") }
        guard let answer = started else { throw .notStarted("connection closed") }
        let pump = BodyPump()
        let running = NIOLockedValueBox<Task<Void, Never>?>(nil)
        let stop = loop.scheduleTask(deadline: deadline) {
            running.withLockedValue { $0?.cancel() }
            connection.channel.close(promise: nil)
        }
        running.withLockedValue { $0 = Task { await pump.run(streamed, to: connection, on: loop, stop: stop) } }
        do throws(Attempt) {
            return try await Self.outcome(of: answer)
        } catch {
            // Read before the pump is cancelled, which it would then record.
            let side = pump.state.withLockedValue { $0 }
            running.withLockedValue { $0?.cancel() }
            // The caller's fault only when its body failed, or had not all come by the deadline;
            // anything else the upstream did (closing mid-upload, answering too much) stays its own.
            switch side {
            case .callerFailed: throw .failure(.callerBody(timedOut: false))
            case .waitingForCaller where NIODeadline.now() >= deadline: throw .failure(.callerBody(timedOut: true))
            default: throw error
            }
        }
    }

    private static func outcome(of answer: EventLoopFuture<Response>) async throws(Attempt) -> Response {
        do {
            return try await answer.get()
        } catch let e as UpstreamConnection.Outcome {
            switch e {
            case .notStarted: throw .notStarted("connection closed")
            case .timedOut: throw .failure(.timedOut)
            case .answerTooLarge: throw .failure(.answerTooLarge)
            case .closed(let answered, let reason): throw answered ? .failure(.failed(reason)) : .closedBeforeAnswer(reason)
            }
        } catch {
            throw .closedBeforeAnswer("\(error)")
        }
    }
}

/// Writes a caller's streamed body to the upstream, and tells whose side it was waiting for
/// when the exchange failed: a caller that stops sending is not the upstream's failure.
private final class BodyPump: Sendable {
    enum State { case waitingForCaller, sending, callerFailed, done }
    let state = NIOLockedValueBox(State.waitingForCaller)

    /// `stop` is the deadline's: cancelled on the loop with the request's end, before the
    /// connection can go back to the pool and serve another call.
    func run(_ body: DigestingBody, to connection: UpstreamClient.Connection, on loop: any EventLoop, stop: Scheduled<Void>) async {
        var pieces = body.makeAsyncIterator()
        do {
            while true {
                state.withLockedValue { $0 = .waitingForCaller }
                let piece: ByteBuffer?
                do { piece = try await pieces.next() } catch {
                    // Cancelled by the deadline or the exchange's failure: not the caller's doing.
                    if !(error is CancellationError) && !Task.isCancelled { state.withLockedValue { $0 = .callerFailed } }
                    throw error
                }
                // Cancelled: whatever came is not the whole body, and must not be framed as one.
                try Task.checkCancellation()
                state.withLockedValue { $0 = .sending }
                guard let piece else { break }
                try await connection.channel.writeAndFlush(HTTPClientRequestPart.body(.byteBuffer(piece))).get()
            }
            try await connection.channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
            state.withLockedValue { $0 = .done }
            loop.execute {
                stop.cancel()
                connection.handler.value.requestEnded()
            }
        } catch {
            // The caller's body broke off or passed its limit, or the upstream went away (perhaps
            // after answering early: that answer still stands).
            loop.execute { stop.cancel() }
            connection.channel.close(promise: nil)
        }
    }
}

/// A relayed answer's body, as the upstream sends it; the connection reads on only as fast as it
/// is consumed, and closes if it is dropped before its end.
public struct AnswerStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamConnection.Demand>
    let base: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator
        public mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

/// One upstream connection's end of an exchange: writes the request's head (and its body when
/// held whole), reads the answer, and gives the connection back to the pool once both are done
/// and the upstream keeps it alive.
final class UpstreamConnection: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    enum Outcome: Error {
        /// The connection had closed before the exchange could start on it.
        case notStarted
        case timedOut
        case answerTooLarge
        /// Closed or failed, after part of the answer or before any.
        case closed(answered: Bool, String)
    }

    private enum State {
        case idle
        case waitingHead
        case collecting(HTTPResponseHead, ByteBuffer)
        case streaming(AnswerStream.Producer.Source)
        /// The answer is complete; the request may still be going out.
        case done
        /// Failed or closed: never used again.
        case broken
    }

    private var state = State.idle
    private var promise: EventLoopPromise<UpstreamClient.Response>?
    private var relay: (@Sendable (HTTPResponseHead) -> Bool)?
    private var release: (@Sendable () -> Void)?
    private var collectUpTo = 0
    private var timer: Scheduled<Void>?
    private var requestDone = false
    private var keepAlive = true
    private var answered = false
    // Backpressure of a relayed answer: reads wait while the consumer is behind.
    private var paused = false
    private var readPending = false
    private var context: ChannelHandlerContext?
    private var readTimeout = TimeAmount.seconds(30)
    /// Which exchange a relayed answer's `Demand` belongs to: the connection may serve the next
    /// one by the time the previous answer's reader goes away.
    private var generation = 0

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes the request's head (and its body if held whole); nil if the connection is closed.
    func start(head: HTTPRequestHead, body: ByteBuffer?, ends: Bool, deadline: NIODeadline, pieceTimeout: TimeAmount, collectUpTo: Int,
               relay: @escaping @Sendable (HTTPResponseHead) -> Bool, release: @escaping @Sendable () -> Void) -> EventLoopFuture<UpstreamClient.Response>? {
        guard let context, case .idle = state, context.channel.isActive else { return nil }
        timer?.cancel()
        generation += 1
        let promise = context.eventLoop.makePromise(of: UpstreamClient.Response.self)
        (self.promise, self.relay, self.release, self.collectUpTo) = (promise, relay, release, collectUpTo)
        (state, requestDone, keepAlive, answered) = (.waitingHead, ends, head.isKeepAlive, false)
        readTimeout = pieceTimeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in self?.fail(.timedOut) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        if ends { context.write(wrapOutboundOut(.end(nil)), promise: nil) }
        context.flush()
        return promise.futureResult
    }

    /// The last piece of a streamed request body went out.
    func requestEnded() {
        requestDone = true
        if case .done = state, finish() { context?.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        answered = true
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .waitingHead):
            keepAlive = keepAlive && head.isKeepAlive
            if relay?(head) == true {
                timer?.cancel()
                let made = AnswerStream.Producer.makeSequence(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16), finishOnDeinit: false,
                                                              delegate: Demand(handler: NIOLoopBound(self, eventLoop: context.eventLoop), generation: generation))
                state = .streaming(made.source)
                armReadTimeout(context)
                succeed(.init(head: head, body: ByteBuffer(), stream: AnswerStream(base: made.sequence)))
            } else {
                state = .collecting(head, context.channel.allocator.buffer(capacity: 0))
            }
        case (.body(var piece), .collecting(let head, var collected)):
            guard collected.readableBytes + piece.readableBytes <= collectUpTo else { return fail(.answerTooLarge) }
            state = .idle  // not to copy the buffer on write
            collected.writeBuffer(&piece)
            state = .collecting(head, collected)
        case (.body(let piece), .streaming(let source)):
            armReadTimeout(context)
            if case .stopProducing = source.yield(piece) { paused = true }
        case (.end, .collecting(let head, let collected)):
            timer?.cancel()
            state = .done
            // Back in the pool before the caller resumes, so that its next call finds the connection;
            // closed only after the answer is given, since closing runs `channelInactive` at once.
            let close = finish()
            succeed(.init(head: head, body: collected, stream: nil))
            if close { context.close(promise: nil) }
        case (.end, .streaming(let source)):
            timer?.cancel()
            state = .done
            let close = finish()
            source.finish()
            if close { context.close(promise: nil) }
        default:
            fail(.closed(answered: true, "unexpected part of an answer"))
        }
    }

    func read(context: ChannelHandlerContext) {
        if paused { readPending = true } else { context.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed(answered: answered, "the upstream closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.closed(answered: answered, "\(error)"))
    }

    /// The consumer of a relayed answer wants more, or has gone.
    struct Demand: NIOAsyncSequenceProducerDelegate {
        let handler: NIOLoopBound<UpstreamConnection>
        let generation: Int
        func produceMore() {
            handler.eventLoop.execute {
                let h = self.handler.value
                guard h.generation == self.generation else { return }
                h.paused = false
                if h.readPending, let context = h.context {
                    h.readPending = false
                    context.read()
                    // The reader caught up: the gap allowed starts again now (if the answer is still coming).
                    if case .streaming = h.state { h.armReadTimeout(context) }
                }
            }
        }
        func didTerminate() {
            handler.eventLoop.execute {
                let h = self.handler.value
                if h.generation == self.generation, case .streaming = h.state { h.fail(.closed(answered: true, "the answer's reader went away")) }
            }
        }
    }

    /// While a relayed answer comes, a gap longer than the service's timeout ends it; not while
    /// the consumer is behind, since then the connection is not read.
    private func armReadTimeout(_ context: ChannelHandlerContext) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: readTimeout) { [weak self] in
            guard let self else { return }
            if self.paused { self.armReadTimeout(context) } else { self.fail(.timedOut) }
        }
    }

    private func succeed(_ response: UpstreamClient.Response) {
        let p = promise
        promise = nil
        p?.succeed(response)
    }

    /// The exchange is over, if its request has all gone: the connection goes back to the pool, or
    /// the caller is told to close it (true) once the answer is settled.
    private func finish() -> Bool {
        guard requestDone else { return false }
        timer?.cancel()
        timer = nil
        let release = self.release
        (state, relay, self.release) = (.idle, nil, nil)
        // A read held back for a slow reader of the last answer: the next exchange needs it.
        paused = false
        if readPending {
            readPending = false
            context?.read()
        }
        guard keepAlive, let release else { return true }
        release()
        return false
    }

    private func fail(_ outcome: Outcome) {
        timer?.cancel()
        let previous = state
        state = .broken
        (relay, release) = (nil, nil)
        if let p = promise {
            promise = nil
            p.fail(outcome)
        }
        if case .streaming(let source) = previous { source.finish(outcome) }
        context?.close(promise: nil)
    }
}

extension UpstreamClient {
    /// Closes the idle connections when the application stops.
    struct Shutdown: LifecycleHandler {
        func shutdown(_ app: Application) { app.upstreamClient.closeIdle() }
    }
}

extension Application {
    private struct UpstreamClientKey: StorageKey { typealias Value = UpstreamClient }
    /// Set by `Exchange.configure`, with the trust roots the operator gave.
    var upstreamClient: UpstreamClient {
        get {
            guard let c = storage[UpstreamClientKey.self] else { fatalError("app.upstreamClient used before Exchange.configure set it") }
            return c
        }
        set { storage[UpstreamClientKey.self] = newValue }
    }
}
