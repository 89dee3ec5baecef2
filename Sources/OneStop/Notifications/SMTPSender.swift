import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends e-mail through an SMTP server (RFC 5321), one connection per message: greeting, EHLO,
/// STARTTLS or TLS from the start, AUTH PLAIN or LOGIN, MAIL, RCPT, DATA, QUIT. The message is
/// plain text in UTF-8, quoted-printable, with an RFC 2047 subject, so it crosses servers that
/// only take 7-bit text. Every refusal becomes an `SMTPError` whose text the outbox keeps.
public struct SMTPSender: MessageSender {
    public struct Configuration: Sendable {
        public enum Security: Sendable, Equatable {
            /// Clear text throughout: only for a relay on the same host.
            case none
            /// Clear text until STARTTLS, which is required before anything else is said (port 587).
            case startTLS
            /// TLS from the first byte (port 465).
            case implicitTLS
        }
        public struct Credentials: Sendable, Equatable {
            public var username: String
            public var password: String
            public init(username: String, password: String) { self.username = username; self.password = password }
        }

        public var host: String
        public var port: Int
        public var security: Security
        public var credentials: Credentials?
        /// Envelope sender and From address.
        public var from: String
        /// Shown before the address in From, e.g. "Cổng dịch vụ công tỉnh Phú Thọ".
        public var fromName: String?
        /// Our name in EHLO; servers log it and some check it resolves.
        public var heloName: String
        /// Limit for the connection and for each reply.
        public var timeout: TimeAmount
        /// Trust roots and verification; the system's roots by default.
        public var tls: TLSConfiguration

        public init(host: String, port: Int, security: Security, credentials: Credentials? = nil, from: String,
                    fromName: String? = nil, heloName: String = "localhost", timeout: TimeAmount = .seconds(30),
                    tls: TLSConfiguration = .makeClientConfiguration()) {
            self.host = host; self.port = port; self.security = security; self.credentials = credentials
            self.from = from; self.fromName = fromName; self.heloName = heloName; self.timeout = timeout; self.tls = tls
        }
    }

    let configuration: Configuration
    let group: any EventLoopGroup
    /// Built once: loading the trust roots is not free.
    let tlsContext: NIOSSLContext?
    let now: @Sendable () -> Date

    /// Throws when the TLS settings cannot be loaded or the sender address is unusable, so that a
    /// bad setting stops the program at start rather than failing every message.
    public init(configuration: Configuration, group: any EventLoopGroup, now: @escaping @Sendable () -> Date = Date.init) throws {
        _ = try MailAddress.validated(configuration.from, role: "sender")
        self.configuration = configuration
        self.group = group
        self.tlsContext = configuration.security == .none ? nil : try NIOSSLContext(configuration: configuration.tls)
        self.now = now
    }

    public func send(_ message: OutgoingMessage) async throws {
        let c = configuration
        let recipient = try MailAddress.validated(message.recipient, role: "recipient")
        let from = try MailAddress.validated(c.from, role: "sender")
        let content = MailFormat.message(from: from, fromName: c.fromName, to: recipient, subject: message.subject,
                                         body: message.body, date: now(), messageID: MailFormat.messageID(domain: from))
        let channel = try await connect()
        do {
            try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(channel: channel.channel, replies: inbound.makeAsyncIterator(), outbound: outbound)
                do {
                    try await session.deliver(content, from: from, to: recipient, configuration: c, tlsContext: tlsContext)
                } catch let error as SMTPError where error.reply != nil {
                    // The server is still talking to us: say goodbye before hanging up.
                    await session.quitQuietly()
                    throw error
                }
            }
        } catch let error as SMTPError {
            throw error
        } catch {
            // TLS and socket errors: name the server, so the outbox says where it went wrong.
            throw SMTPError(description: "SMTP with \(c.host):\(c.port): \(error)")
        }
    }

    /// The host name for SNI and the certificate check; for an IP address NIOSSL checks the
    /// certificate's IP entries against the peer instead (and refuses an address as SNI).
    static func hostnameForTLS(_ host: String) -> String? {
        host.contains(":") || host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) ? nil : host
    }

    private func connect() async throws -> NIOAsyncChannel<SMTPReply, ByteBuffer> {
        let c = configuration
        let implicitTLS = c.security == .implicitTLS ? tlsContext : nil
        let hostname = Self.hostnameForTLS(c.host)
        do {
            return try await ClientBootstrap(group: group).connectTimeout(c.timeout)
                .connect(host: c.host, port: c.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let implicitTLS { try sync.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: hostname)) }
                        try sync.addHandler(SMTPReplyDecoder(timeout: c.timeout))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError(description: "SMTP: cannot connect to \(c.host):\(c.port): \(error)")
        }
    }
}

/// Why a message was not accepted. The description is what the outbox records.
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The server's reply when it refused a command (4xx temporary, 5xx permanent).
    public var reply: SMTPReply?

    init(description: String, reply: SMTPReply? = nil) {
        self.description = description
        self.reply = reply
    }

    static func refused(_ command: String, _ reply: SMTPReply) -> SMTPError {
        SMTPError(description: "SMTP \(command) refused: \(reply.code) \(reply.lines.joined(separator: " / "))", reply: reply)
    }
}

/// One server reply; a multi-line reply ("250-…", "250 …") is gathered into one.
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    public var lines: [String]
}

/// The command and reply exchange on an open connection.
struct SMTPSession {
    let channel: any NIOCore.Channel
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Replies read so far, to check at STARTTLS that nothing else is waiting.
    var consumed = 0

    mutating func deliver(_ content: [UInt8], from: String, to recipient: String, configuration c: SMTPSender.Configuration,
                          tlsContext: NIOSSLContext?) async throws {
        _ = try await read(expecting: [220], after: "greeting")
        let helo = MailFormat.heloArgument(c.heloName)
        var extensions = try await ehlo(helo)
        if c.security == .startTLS {
            // Never fall back to clear text: that is exactly what an attacker on the path would arrange.
            guard extensions.keywords.contains("STARTTLS") else {
                throw SMTPError(description: "SMTP: \(c.host) does not offer STARTTLS (set starttls=false only for a local relay)")
            }
            try await startTLS(tlsContext!, serverHostname: SMTPSender.hostnameForTLS(c.host))
            extensions = try await ehlo(helo)  // RFC 3207: what was said before TLS no longer counts
        }
        if let credentials = c.credentials { try await authenticate(credentials, offered: extensions.authMechanisms) }
        try await command("MAIL FROM:<\(from)>", expecting: [250], label: "MAIL FROM")
        try await command("RCPT TO:<\(recipient)>", expecting: [250, 251], label: "RCPT TO")
        try await command("DATA", expecting: [354], label: "DATA")
        var data = ByteBuffer(bytes: MailFormat.dotStuffed(content))
        data.writeString(".\r\n")
        try await outbound.write(data)
        _ = try await read(expecting: [250], after: "end of DATA")
        // The message is the server's now; a failed goodbye must not send it a second time.
        await quitQuietly()
    }

    mutating func quitQuietly() async {
        _ = try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        _ = try? await replies.next()
    }

    private mutating func ehlo(_ name: String) async throws -> Extensions {
        Extensions(try await command("EHLO \(name)", expecting: [250], label: "EHLO"))
    }

    private mutating func authenticate(_ credentials: SMTPSender.Configuration.Credentials, offered: Set<String>) async throws {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        if offered.contains("PLAIN") {
            // RFC 4616: authorization identity (empty), NUL, user, NUL, password.
            try await command("AUTH PLAIN " + b64("\0\(credentials.username)\0\(credentials.password)"), expecting: [235], label: "AUTH PLAIN")
        } else if offered.contains("LOGIN") {
            try await command("AUTH LOGIN", expecting: [334], label: "AUTH LOGIN")
            try await command(b64(credentials.username), expecting: [334], label: "AUTH LOGIN (user name)")
            try await command(b64(credentials.password), expecting: [235], label: "AUTH LOGIN (password)")
        } else {
            let what = offered.isEmpty ? "no AUTH" : "AUTH " + offered.sorted().joined(separator: " ")
            throw SMTPError(description: "SMTP: credentials are set but the server offers \(what); PLAIN or LOGIN is needed")
        }
    }

    private mutating func startTLS(_ context: NIOSSLContext, serverHostname: String?) async throws {
        try await command("STARTTLS", expecting: [220], label: "STARTTLS")
        let consumed = self.consumed
        let channel = self.channel
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            // Bytes that came after the 220 arrived in clear text; reading them later as if they
            // had come over TLS is the classic STARTTLS injection.
            let decoder = try sync.handler(type: SMTPReplyDecoder.self)
            guard decoder.delivered == consumed, !decoder.hasBufferedInput else {
                throw SMTPError(description: "SMTP: the server sent data after its STARTTLS reply; connection dropped")
            }
            try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
        }.get()
    }

    @discardableResult
    private mutating func command(_ line: String, expecting codes: Set<Int>, label: String) async throws -> SMTPReply {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await read(expecting: codes, after: label)
    }

    private mutating func read(expecting codes: Set<Int>, after label: String) async throws -> SMTPReply {
        guard let reply = try await replies.next() else {
            throw SMTPError(description: "SMTP: the server closed the connection (after \(label))")
        }
        consumed += 1
        guard codes.contains(reply.code) else { throw SMTPError.refused(label, reply) }
        return reply
    }
}

/// What the server announced in its EHLO reply.
struct Extensions {
    var keywords: Set<String> = []
    var authMechanisms: Set<String> = []

    init(_ reply: SMTPReply) {
        // The first line is the server's greeting; each further line is "KEYWORD params".
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(separator: " ").map(String.init)
            guard let keyword = words.first else { continue }
            keywords.insert(keyword)
            // "AUTH PLAIN LOGIN", or "AUTH=PLAIN LOGIN" from old servers.
            if keyword == "AUTH" { authMechanisms.formUnion(words.dropFirst()) }
            if keyword.hasPrefix("AUTH=") { authMechanisms.insert(String(keyword.dropFirst(5))); authMechanisms.formUnion(words.dropFirst()) }
        }
    }
}

/// Splits the server's bytes into replies and turns a silent server into an error.
///
/// The timeout runs only while a reply is owed (the greeting, then one per command written), so
/// a sender that is itself slow to write its next command — a busy machine — never blames the server.
final class SMTPReplyDecoder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// RFC 5321 allows 512 octets a line; a server that sends far more is broken or hostile.
    static let maxLine = 4096
    static let maxLines = 200

    let timeout: TimeAmount
    private var buffer = ByteBuffer()
    private var pending: [String] = []
    private var pendingCode = 0
    private var failed = false
    /// Replies passed on so far.
    private(set) var delivered = 0
    /// Replies the server owes: the greeting and one per command.
    private var owed = 0
    private var deadline: Scheduled<Void>?
    var hasBufferedInput: Bool { buffer.readableBytes > 0 || !pending.isEmpty }

    init(timeout: TimeAmount) { self.timeout = timeout }

    /// Added before the connection is made (`connect`): the greeting is owed from here.
    func channelActive(context: ChannelHandlerContext) {
        expectReply(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { deadline?.cancel() }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        expectReply(context)
        context.write(data, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while let line = try nextLine() {
                if let reply = try add(line) {
                    delivered += 1
                    replied(context)
                    context.fireChannelRead(wrapInboundOut(reply))
                }
            }
            buffer.discardReadBytes()
        } catch {
            fail(context, error)
        }
    }

    private func expectReply(_ context: ChannelHandlerContext) {
        owed += 1
        if deadline == nil { startDeadline(context) }
    }

    private func replied(_ context: ChannelHandlerContext) {
        owed = max(owed - 1, 0)
        deadline?.cancel()
        deadline = nil
        if owed > 0 { startDeadline(context) }
    }

    private func startDeadline(_ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            handler.fail(context, SMTPError(description: "SMTP: no reply from the server in time"))
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        guard !failed else { return }
        failed = true
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func nextLine() throws -> String? {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maxLine { throw SMTPError(description: "SMTP: reply line too long") }
            return nil
        }
        let length = lf - view.startIndex
        guard length <= Self.maxLine else { throw SMTPError(description: "SMTP: reply line too long") }
        var bytes = buffer.readBytes(length: length + 1)!
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// "250-more follows", "250 last line", or a bare "250".
    private func add(_ line: String) throws -> SMTPReply? {
        let u = Array(line.utf8)
        guard u.count >= 3, let code = Int(String(decoding: u[0..<3], as: UTF8.self)), (200...599).contains(code),
              u.count == 3 || u[3] == UInt8(ascii: " ") || u[3] == UInt8(ascii: "-")
        else { throw SMTPError(description: "SMTP: malformed reply line: \(line.prefix(80))") }
        if !pending.isEmpty, code != pendingCode { throw SMTPError(description: "SMTP: reply code changed within a reply") }
        guard pending.count < Self.maxLines else { throw SMTPError(description: "SMTP: reply too long") }
        pendingCode = code
        pending.append(u.count > 4 ? String(decoding: u[4...], as: UTF8.self) : "")
        guard u.count == 3 || u[3] == UInt8(ascii: " ") else { return nil }
        defer { pending = [] }
        return SMTPReply(code: code, lines: pending)
    }
}

/// Mail addresses as this sender accepts them: plain ASCII `local@domain`, nothing that could end
/// an SMTP command or a header line.
public enum MailAddress {
    public static func validated(_ raw: String, role: String) throws -> String {
        // Scalars, not Characters: "\r\n" is a single Character and would slip past a Character test.
        if raw.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw SMTPError(description: "SMTP: the \(role) address contains a line break")
        }
        let address = raw.trimmingCharacters(in: .whitespaces)
        let forbidden = Set("<>()[],;:\\\"".unicodeScalars)
        guard let at = address.lastIndex(of: "@"), at != address.startIndex, address.index(after: at) != address.endIndex,
              address.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && !forbidden.contains($0) })
        else {
            throw SMTPError(description: "SMTP: the \(role) address is not a plain ASCII e-mail address: \(address.prefix(100))")
        }
        return address
    }
}

/// The RFC 5322 message: headers and a quoted-printable UTF-8 text body, all in 7-bit ASCII.
enum MailFormat {
    static func message(from: String, fromName: String?, to: String, subject: String, body: String, date: Date,
                        messageID: String) -> [UInt8] {
        var fromHeader = "<\(from)>"
        // The address on a line of its own keeps long names under the 78-character line limit.
        if let fromName, !fromName.isEmpty { fromHeader = encodedWords(fromName) + "\r\n " + fromHeader }
        let headers = [
            "Date: " + rfc5322Date(date),
            "From: " + fromHeader,
            "To: <\(to)>",
            "Subject: " + encodedWords(subject),
            "Message-ID: " + messageID,
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: quoted-printable",
        ]
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n").utf8) + quotedPrintable(body) + Array("\r\n".utf8)
    }

    static func messageID(domain from: String) -> String {
        "<\(UUID().uuidString.lowercased())@\(from.split(separator: "@").last.map(String.init) ?? "localhost")>"
    }

    /// RFC 2047 "B" encoded words, folded so no line passes 78 characters. Each word holds whole
    /// characters (RFC 2047 §5: a multi-byte character must not be split across words).
    static func encodedWords(_ text: String) -> String {
        // A header value is one line: line breaks would only reach the reader as noise.
        let text = String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\r" || $0 == "\n" ? " " : $0 }))
        let maxBytes = 39  // 52 base64 characters + 12 of framing = 64, plus the header name
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in text {
            let bytes = Array(String(ch).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > maxBytes {
                words.append(chunk.base64Word)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk.base64Word) }
        return words.joined(separator: "\r\n ")
    }

    /// RFC 2045 §6.7: printable ASCII stays, everything else becomes =XX; lines end in CRLF and
    /// are broken with a soft "=" before 76 characters. Any newline convention in the text becomes CRLF.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        var lineLength = 0
        func emit(_ token: [UInt8]) {
            if lineLength + token.count > 75 {
                out += [UInt8(ascii: "="), 13, 10]
                lineLength = 0
            }
            out += token
            lineLength += token.count
        }
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 13 || b == 10 {
                out += [13, 10]
                lineLength = 0
                i += (b == 13 && i + 1 < bytes.count && bytes[i + 1] == 10) ? 2 : 1
                continue
            }
            let atLineEnd = i + 1 == bytes.count || bytes[i + 1] == 13 || bytes[i + 1] == 10
            let literal = (33...126).contains(b) && b != UInt8(ascii: "=") || (b == 32 || b == 9) && !atLineEnd
            emit(literal ? [b] : [UInt8(ascii: "="), hex[Int(b >> 4)], hex[Int(b & 15)]])
            i += 1
        }
        return out
    }

    /// RFC 5321 §4.5.2: a line that starts with "." gets another, so that only the terminating
    /// "." line ends the data.
    static func dotStuffed(_ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.count + 16)
        var atLineStart = true
        for b in content {
            if atLineStart && b == UInt8(ascii: ".") { out.append(b) }
            out.append(b)
            atLineStart = b == 10
        }
        return out
    }

    /// "Wed, 18 Nov 2026 09:30:00 +0700": Vietnam time, English names as RFC 5322 requires.
    static func rfc5322Date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    /// EHLO takes a domain or an address literal; anything else is replaced by "localhost".
    static func heloArgument(_ name: String) -> String {
        if name.split(separator: ".").count == 4, name.split(separator: ".").allSatisfy({ UInt8($0) != nil }) { return "[\(name)]" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.".unicodeScalars)
        let ok = !name.isEmpty && name.unicodeScalars.allSatisfy(allowed.contains)
        return ok ? name : "localhost"
    }
}

private extension Array where Element == UInt8 {
    var base64Word: String { "=?UTF-8?B?" + Data(self).base64EncodedString() + "?=" }
}
