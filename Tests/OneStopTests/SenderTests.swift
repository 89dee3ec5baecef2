import App
import Fluent
import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOSSL
@testable import OneStop
import Testing
import TestSupport
import Vapor

@Suite("E-mail over SMTP")
struct SMTPSenderTests {
    static let date = Date(timeIntervalSince1970: 1_795_000_000)
    static let subject = "Hồ sơ H42.30-261118-0001 đã được tiếp nhận — thông báo của Bộ phận một cửa tỉnh Phú Thọ"
    /// A line that starts with ".", a line that is only ".", a line far longer than 76 characters,
    /// trailing spaces and "=" (both must survive quoted-printable).
    static let body = """
        Kính gửi ông/bà Nguyễn Văn An,
        .ẩn: dòng này bắt đầu bằng dấu chấm
        .
        Hồ sơ H42.30-261118-0001 (Đăng ký thành lập doanh nghiệp tư nhân) đã được tiếp nhận. Hẹn trả kết quả: 16:00 25/11/2026.  \("")
        Phí = 0 đồng
        """

    static func message(to recipient: String = "an.nguyen@example.vn") -> OutgoingMessage {
        OutgoingMessage(channel: .email, recipient: recipient, subject: subject, body: body)
    }

    static func sender(port: Int, security: SMTPSender.Configuration.Security = .none,
                       timeout: TimeAmount = .seconds(5)) throws -> SMTPSender {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(TestCertificate.pem.utf8), format: .pem)])
        return try SMTPSender(
            configuration: .init(host: "127.0.0.1", port: port, security: security,
                                 credentials: .init(username: "motcua", password: "mật-khẩu"),
                                 from: "noreply@dichvucong.phutho.gov.vn", fromName: "Cổng dịch vụ công tỉnh Phú Thọ",
                                 heloName: "dichvucong.phutho.gov.vn", timeout: timeout, tls: tls),
            group: MultiThreadedEventLoopGroup.singleton, now: { date })
    }

    static let plainAuth = "AUTH PLAIN AG1vdGN1YQBt4bqtdC1raOG6qXU="  // "\0motcua\0mật-khẩu"

    @Test func conversationAuthAndMessage() async throws {
        try await FakeSMTPServer.run { server in
            try await Self.sender(port: server.port).send(Self.message())
            #expect(server.transcript.commands == [
                "EHLO dichvucong.phutho.gov.vn", Self.plainAuth, "MAIL FROM:<noreply@dichvucong.phutho.gov.vn>",
                "RCPT TO:<an.nguyen@example.vn>", "DATA", "QUIT",
            ])
            let raw = try #require(server.transcript.rawMessages.first)
            // Dot-stuffing on the wire, nothing but 7-bit ASCII, no line over 78 characters.
            let wireLines = raw.components(separatedBy: "\r\n")
            #expect(wireLines.contains { $0.hasPrefix("..=E1=BA=A9n:") })
            #expect(wireLines.contains(".."))
            #expect(raw.unicodeScalars.allSatisfy { $0.isASCII })
            #expect(wireLines.allSatisfy { $0.count <= 78 })

            let mail = try ParsedMail(try #require(server.transcript.messages.first))
            #expect(mail.header("Date") == "Wed, 18 Nov 2026 18:06:40 +0700")
            #expect(mail.header("To") == "<an.nguyen@example.vn>")
            #expect(mail.header("MIME-Version") == "1.0")
            #expect(mail.header("Content-Type") == "text/plain; charset=UTF-8")
            #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
            #expect(mail.header("Message-ID")?.wholeMatch(of: /<[0-9a-f-]{36}@dichvucong\.phutho\.gov\.vn>/) != nil)
            #expect(mail.header("Subject")?.hasPrefix("=?UTF-8?B?") == true)
            #expect(try mail.decodedHeader("Subject") == Self.subject)
            #expect(try mail.decodedHeader("From") == "Cổng dịch vụ công tỉnh Phú Thọ <noreply@dichvucong.phutho.gov.vn>")
            #expect(try mail.decodedBody() == Self.body.replacingOccurrences(of: "\n", with: "\r\n"))
        }
    }

    @Test func loginWhenPlainIsNotOffered() async throws {
        try await FakeSMTPServer.run(.init(auth: ["LOGIN"])) { server in
            try await Self.sender(port: server.port).send(Self.message())
            #expect(Array(server.transcript.commands.prefix(4)) == ["EHLO dichvucong.phutho.gov.vn", "AUTH LOGIN", "bW90Y3Vh", "beG6rXQta2jhuql1"])
            #expect(server.transcript.messages.count == 1)
        }
    }

    @Test func noUsableAuthMechanismIsAnError() async throws {
        try await FakeSMTPServer.run(.init(auth: ["CRAM-MD5"])) { server in
            let error = await #expect(throws: SMTPError.self) { try await Self.sender(port: server.port).send(Self.message()) }
            #expect(error?.description.contains("AUTH CRAM-MD5") == true)
            #expect(server.transcript.commands == ["EHLO dichvucong.phutho.gov.vn"])
        }
    }

    @Test func startTLSUpgradesBeforeAuthentication() async throws {
        try await FakeSMTPServer.run(.init(tls: .startTLS)) { server in
            try await Self.sender(port: server.port, security: .startTLS).send(Self.message())
            let t = server.transcript
            #expect(t.commands == ["EHLO dichvucong.phutho.gov.vn", "STARTTLS", "EHLO dichvucong.phutho.gov.vn", Self.plainAuth,
                                   "MAIL FROM:<noreply@dichvucong.phutho.gov.vn>", "RCPT TO:<an.nguyen@example.vn>", "DATA", "QUIT"])
            #expect(t.secure == [false, false, true, true, true, true, true, true])
            #expect(try ParsedMail(try #require(t.messages.first)).decodedHeader("Subject") == Self.subject)
        }
    }

    @Test func implicitTLS() async throws {
        try await FakeSMTPServer.run(.init(tls: .implicit)) { server in
            try await Self.sender(port: server.port, security: .implicitTLS).send(Self.message())
            #expect(server.transcript.commands.count == 6 && server.transcript.secure.allSatisfy { $0 })
            #expect(server.transcript.messages.count == 1)
        }
    }

    @Test func startTLSIsNeverSkipped() async throws {
        // A server (or someone on the path) that does not offer STARTTLS gets neither the password nor the mail.
        try await FakeSMTPServer.run { server in
            let error = await #expect(throws: SMTPError.self) { try await Self.sender(port: server.port, security: .startTLS).send(Self.message()) }
            #expect(error?.description.contains("does not offer STARTTLS") == true)
            #expect(server.transcript.commands == ["EHLO dichvucong.phutho.gov.vn"])
        }
        // Clear-text replies slipped in after "220 ready" must not be taken as coming over TLS.
        try await FakeSMTPServer.run(.init(tls: .startTLS, injectAfterStartTLS: true)) { server in
            let error = await #expect(throws: SMTPError.self) { try await Self.sender(port: server.port, security: .startTLS).send(Self.message()) }
            #expect(error?.description.contains("after its STARTTLS reply") == true)
            #expect(!server.transcript.commands.contains(Self.plainAuth))
        }
    }

    @Test func recipientWithLineBreakIsRefusedBeforeConnecting() async throws {
        try await FakeSMTPServer.run { server in
            let sender = try Self.sender(port: server.port)
            for bad in ["an@example.vn\r\nBcc: all@example.vn", "an@example.vn\nBcc: all@example.vn", "an@example.vn\r"] {
                let error = await #expect(throws: SMTPError.self) { try await sender.send(Self.message(to: bad)) }
                #expect(error?.description.contains("line break") == true)
            }
            await #expect(throws: SMTPError.self) { try await sender.send(Self.message(to: "Nguyễn <an@example.vn>")) }
            #expect(server.transcript.connections == 0)
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await FakeSMTPServer.run(.init(silent: true)) { server in
            let started = Date()
            let error = await #expect(throws: SMTPError.self) {
                try await Self.sender(port: server.port, timeout: .milliseconds(300)).send(Self.message())
            }
            #expect(error?.description.contains("no reply") == true)
            // The 300 ms timeout, not the 30 s default, ended it (loose: the suite runs tests in parallel on 2 cores).
            #expect(Date().timeIntervalSince(started) < 15)
        }
    }

    @Test func theTimeoutRunsOnlyWhileAReplyIsOwed() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(SMTPReplyDecoder(timeout: .seconds(1)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        // The greeting is owed from the moment of connecting.
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(900))
        try channel.writeInbound(ByteBuffer(string: "220 fake.example ESMTP\r\n"))
        #expect(try channel.readInbound(as: SMTPReply.self)?.code == 220)
        // Nothing is owed while the sender is slow to write its next command (a busy machine).
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        // A command starts the clock again, from when it was written.
        try channel.writeOutbound(ByteBuffer(string: "EHLO dichvucong.phutho.gov.vn\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(900))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(!channel.isActive)
        let error = #expect(throws: SMTPError.self) { try channel.throwIfErrorCaught() }
        #expect(error?.description.contains("no reply") == true)
    }

    @Test func refusedRecipientStaysInTheOutboxForRetry() async throws {
        try await FakeSMTPServer.run(.init(rejectRecipients: true)) { server in
            let direct = await #expect(throws: SMTPError.self) { try await Self.sender(port: server.port).send(Self.message()) }
            #expect(direct?.description.contains("RCPT TO refused: 550 5.1.1") == true)
            #expect(direct?.reply?.code == 550)
            // Refused, then QUIT: no DATA.
            #expect(server.transcript.commands == ["EHLO dichvucong.phutho.gov.vn", Self.plainAuth,
                                                   "MAIL FROM:<noreply@dichvucong.phutho.gov.vn>", "RCPT TO:<an.nguyen@example.vn>", "QUIT"])

            try await withApp { app async throws in
                app.messageSenders = [.email: try Self.sender(port: server.port), .sms: RecordingSender()]
                let officer = try await DossierTests.Official(app, "motcua.tinh")
                let withEmail = DossierTests.businessRegistration()
                    .replacingOccurrences(of: #""phone": "0912345678""#, with: #""phone": "0912345678", "email": "an.nguyen@example.vn""#)
                let code = try await officer.post("/api/v1/dossiers", withEmail).decode(DossierTests.DossierBody.self).code
                #expect(try await officer.act(code, "receive").status == .ok)
                let now = (app.clock as! TestClock).now()
                try await OutboxDispatcher.runOnce(app: app, now: now, limit: 1000)
                let rows = try await OutboxRow.query(on: app.db).filter(\.$dossierCode == code).all()
                let email = try #require(rows.first { $0.channel == "email" })
                #expect(email.sentAt == nil && email.failedAt == nil && email.attempts == 1)
                #expect(email.lastError?.contains("RCPT TO refused: 550 5.1.1") == true)
                #expect(email.nextAttemptAt == now.addingTimeInterval(60))
                // The SMS of the same action went out: one channel failing does not hold up the other.
                #expect(rows.first { $0.channel == "sms" }?.sentAt != nil)
            }
        }
    }
}

@Suite("SMS over an HTTP gateway")
struct SMSSenderTests {
    @Test func postsJSONWithBearerToken() async throws {
        try await FakeGateway.run(status: .ok) { gateway in
            let sender = HTTPSMSSender(configuration: .init(url: gateway.url, token: "bi-mat-123", brandname: "UBND PHUTHO"), client: gateway.client)
            try await sender.send(OutgoingMessage(channel: .sms, recipient: "0912 345 678", subject: "Hồ sơ",
                                                  body: "Hồ sơ H42.30-261118-0001 đã được tiếp nhận."))
            let request = try #require(gateway.requests.first)
            #expect(gateway.requests.count == 1)
            #expect(request.authorization == "Bearer bi-mat-123")
            #expect(request.contentType?.hasPrefix("application/json") == true)
            let json = try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: String]
            #expect(json == ["to": "84912345678", "message": "Hồ sơ H42.30-261118-0001 đã được tiếp nhận.", "brandname": "UBND PHUTHO"])
        }
    }

    @Test func gatewayErrorThrowsWithStatusAndBody() async throws {
        try await FakeGateway.run(status: .internalServerError, answer: #"{"error":"gateway overloaded"}"#) { gateway in
            let sender = HTTPSMSSender(configuration: .init(url: gateway.url, token: "t", brandname: "B"), client: gateway.client)
            let error = await #expect(throws: SMSGatewayError.self) {
                try await sender.send(OutgoingMessage(channel: .sms, recipient: "+84912345678", subject: "", body: "x"))
            }
            #expect(error?.description.contains("500") == true)
            #expect(error?.description.contains("gateway overloaded") == true)
            // A number that is not a Vietnamese mobile never reaches the gateway.
            await #expect(throws: SMSGatewayError.self) {
                try await sender.send(OutgoingMessage(channel: .sms, recipient: "024 3825 1234 ext 5", subject: "", body: "x"))
            }
            #expect(gateway.requests.count == 1)
        }
    }

    @Test func vietnamesePhoneNumbers() throws {
        for raw in ["0912345678", "0912 345 678", "+84 912-345-678", "0084912345678", "84912345678", "(091) 234.5678"] {
            #expect(try VietnamesePhone.international(raw) == "84912345678", "\(raw)")
        }
        for bad in ["", "091234567", "09123456789", "+1 415 555 0100", "0012345678", "091234567x"] {
            #expect(throws: SMSGatewayError.self, "\(bad)") { try VietnamesePhone.international(bad) }
        }
    }
}

@Suite("Messaging configuration")
struct MessagingConfigurationTests {
    @Test func settingsAreReadAndChecked() throws {
        let c = try AppConfig.load(from: [
            "TINHSO_SMTP_URL": "smtp://motcua%40phutho.gov.vn:p%40ss%3Aword@mail.phutho.gov.vn",
            "TINHSO_MAIL_FROM": "Cổng dịch vụ công <noreply@dichvucong.phutho.gov.vn>",
            "TINHSO_PUBLIC_URL": "https://dichvucong.phutho.gov.vn",
            "TINHSO_SMS_URL": "https://sms.example.vn/api/send", "TINHSO_SMS_TOKEN": "tok", "TINHSO_SMS_BRANDNAME": "UBND PHUTHO",
        ])
        let smtp = try #require(c.smtp)
        #expect(smtp.host == "mail.phutho.gov.vn" && smtp.port == 587 && smtp.security == .startTLS)
        #expect(smtp.credentials == .init(username: "motcua@phutho.gov.vn", password: "p@ss:word"))
        #expect(smtp.from == "noreply@dichvucong.phutho.gov.vn" && smtp.fromName == "Cổng dịch vụ công")
        #expect(smtp.heloName == "dichvucong.phutho.gov.vn")
        #expect(c.sms == .init(url: "https://sms.example.vn/api/send", token: "tok", brandname: "UBND PHUTHO"))

        let tls = try AppConfig.load(from: ["TINHSO_SMTP_URL": "smtps://u:p@mail.example.vn", "TINHSO_MAIL_FROM": "a@example.vn"])
        #expect(tls.smtp?.security == .implicitTLS && tls.smtp?.port == 465)
        let relay = try AppConfig.load(from: ["TINHSO_SMTP_URL": "smtp://localhost:25?starttls=false", "TINHSO_MAIL_FROM": "a@example.vn"])
        #expect(relay.smtp?.security == SMTPSender.Configuration.Security.none && relay.smtp?.credentials == nil)
        let none = try AppConfig.load(from: [:])
        #expect(none.smtp == nil && none.sms == nil)

        func refused(_ env: [String: String], saying words: String) {
            do {
                _ = try AppConfig.load(from: env)
                Issue.record("accepted \(env)")
            } catch {
                #expect(String(describing: error).contains(words), "\(error)")
                #expect(!String(describing: error).contains("s3cret"), "the password must not be echoed")
            }
        }
        refused(["TINHSO_SMTP_URL": "smtp://u:s3cret@mail.example.vn"], saying: "TINHSO_MAIL_FROM is required")
        refused(["TINHSO_MAIL_FROM": "a@example.vn"], saying: "TINHSO_SMTP_URL is not")
        refused(["TINHSO_SMTP_URL": "http://u:s3cret@mail.example.vn", "TINHSO_MAIL_FROM": "a@example.vn"], saying: "expected smtp://")
        refused(["TINHSO_SMTP_URL": "smtp://u:s3cret@mail.example.vn?starttls=false", "TINHSO_MAIL_FROM": "a@example.vn"], saying: "clear text")
        refused(["TINHSO_SMTP_URL": "smtps://u:s3cret@mail.example.vn?starttls=true", "TINHSO_MAIL_FROM": "a@example.vn"], saying: "smtps://")
        refused(["TINHSO_SMTP_URL": "smtp://u:s3cret@mail.example.vn?tls=1", "TINHSO_MAIL_FROM": "a@example.vn"], saying: "unknown option tls")
        refused(["TINHSO_SMTP_URL": "smtp://u@mail.example.vn", "TINHSO_MAIL_FROM": "a@example.vn"], saying: "without a password")
        refused(["TINHSO_SMTP_URL": "smtp://mail.example.vn", "TINHSO_MAIL_FROM": "không phải địa chỉ"], saying: "TINHSO_MAIL_FROM=")
        refused(["TINHSO_SMS_URL": "https://sms.example.vn/send", "TINHSO_SMS_BRANDNAME": "B"], saying: "TINHSO_SMS_TOKEN is required")
        refused(["TINHSO_SMS_URL": "https://sms.example.vn/send", "TINHSO_SMS_TOKEN": "t"], saying: "TINHSO_SMS_BRANDNAME is required")
        refused(["TINHSO_SMS_URL": "http://sms.example.vn/send", "TINHSO_SMS_TOKEN": "t", "TINHSO_SMS_BRANDNAME": "B"], saying: "https://")
        refused(["TINHSO_SMS_TOKEN": "t"], saying: "TINHSO_SMS_URL is not")
        #expect(AppConfig.documentation.map(\.name).filter { $0.contains("SMTP") || $0.contains("SMS") || $0.contains("MAIL") }.count == 5)
    }

    @Test func configureRegistersTheConfiguredSenders() async throws {
        let app = try await Application.make(.testing)
        do {
            let config = try AppConfig.load(from: [
                "TINHSO_DATA_DIR": NSTemporaryDirectory(), "TINHSO_SMTP_URL": "smtps://u:p@mail.example.vn", "TINHSO_MAIL_FROM": "a@example.vn",
                "TINHSO_SMS_URL": "https://sms.example.vn/send", "TINHSO_SMS_TOKEN": "t", "TINHSO_SMS_BRANDNAME": "B",
            ])
            try await configure(app, config: config)
            #expect(app.messageSenders[.email] is SMTPSender)
            #expect(app.messageSenders[.sms] is HTTPSMSSender)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

// MARK: - A fake SMTP server

/// What the fake server heard: commands (with whether they came over TLS) and messages.
final class SMTPTranscript: @unchecked Sendable {
    private let lock = NSLock()
    private var _commands: [(String, Bool)] = []
    private var _raw: [String] = []
    private var _connections = 0
    var commands: [String] { lock.withLock { _commands.map(\.0) } }
    var secure: [Bool] { lock.withLock { _commands.map(\.1) } }
    /// DATA as it came over the wire, dot-stuffed, lines joined with CRLF.
    var rawMessages: [String] { lock.withLock { _raw } }
    /// DATA with the stuffing removed, as the server would store it.
    var messages: [String] {
        rawMessages.map { raw in
            raw.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }.joined(separator: "\r\n")
        }
    }
    var connections: Int { lock.withLock { _connections } }
    func command(_ line: String, secure: Bool) { lock.withLock { _commands.append((line, secure)) } }
    func message(_ raw: String) { lock.withLock { _raw.append(raw) } }
    func connected() { lock.withLock { _connections += 1 } }
}

struct FakeSMTPServer {
    enum TLSMode: Sendable { case off, startTLS, implicit }
    struct Behaviour: Sendable {
        var auth = ["PLAIN", "LOGIN"]
        var tls = TLSMode.off
        var rejectRecipients = false
        var injectAfterStartTLS = false
        /// Accepts the connection and never says a word.
        var silent = false
    }

    let port: Int
    let transcript: SMTPTranscript

    static func run(_ behaviour: Behaviour = .init(), _ body: (FakeSMTPServer) async throws -> Void) async throws {
        let transcript = SMTPTranscript()
        let tls = behaviour.tls == .off ? nil : try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(TestCertificate.pem.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(TestCertificate.key.utf8), format: .pem))))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if behaviour.tls == .implicit, let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(FakeSMTPHandler(behaviour, transcript, tls: tls))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            try await body(FakeSMTPServer(port: channel.localAddress!.port!, transcript: transcript))
        } catch {
            try? await channel.close()
            throw error
        }
        try await channel.close()
    }
}

/// Speaks just enough SMTP for the sender: EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT.
final class FakeSMTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let behaviour: FakeSMTPServer.Behaviour
    let transcript: SMTPTranscript
    let tls: NIOSSLContext?
    private var buffer = ByteBuffer()
    private var secure: Bool
    private var data: [String]?
    private var loginStep = 0

    init(_ behaviour: FakeSMTPServer.Behaviour, _ transcript: SMTPTranscript, tls: NIOSSLContext?) {
        self.behaviour = behaviour; self.transcript = transcript; self.tls = tls
        secure = behaviour.tls == .implicit
    }

    func channelActive(context: ChannelHandlerContext) {
        transcript.connected()
        if !behaviour.silent { reply(context, "220 fake.example ESMTP") }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let crlf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let bytes = buffer.readBytes(length: crlf - buffer.readableBytesView.startIndex + 1)!
            handle(String(decoding: bytes.dropLast(2), as: UTF8.self), context)
        }
    }

    private func reply(_ context: ChannelHandlerContext, _ lines: String...) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: lines.map { $0 + "\r\n" }.joined())), promise: nil)
    }

    private func handle(_ line: String, _ context: ChannelHandlerContext) {
        if var lines = data {
            if line == "." {
                transcript.message(lines.joined(separator: "\r\n"))
                data = nil
                reply(context, "250 2.0.0 Ok: queued")
            } else {
                lines.append(line)
                data = lines
            }
            return
        }
        transcript.command(line, secure: secure)
        switch loginStep {
        case 1: loginStep = 2; return reply(context, "334 UGFzc3dvcmQ6")
        case 2: loginStep = 0; return reply(context, "235 2.7.0 Authentication successful")
        default: break
        }
        switch line.split(separator: " ").first?.uppercased() ?? "" {
        case "EHLO":
            var lines = ["250-fake.example"]
            if behaviour.tls == .startTLS && !secure { lines.append("250-STARTTLS") }
            if !behaviour.auth.isEmpty { lines.append("250-AUTH " + behaviour.auth.joined(separator: " ")) }
            lines.append("250 8BITMIME")
            reply(context, lines.joined(separator: "\r\n"))
        case "STARTTLS":
            if behaviour.injectAfterStartTLS {
                reply(context, "220 2.0.0 Ready to start TLS\r\n250 injected")
            } else {
                reply(context, "220 2.0.0 Ready to start TLS")
            }
            // In place before the client can answer: its next bytes are the TLS handshake.
            try! context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls!), position: .first)
            secure = true
        case "AUTH":
            if line.uppercased() == "AUTH LOGIN" {
                loginStep = 1
                reply(context, "334 VXNlcm5hbWU6")
            } else {
                reply(context, "235 2.7.0 Authentication successful")
            }
        case "MAIL": reply(context, "250 2.1.0 Ok")
        case "RCPT":
            reply(context, behaviour.rejectRecipients ? "550 5.1.1 <an.nguyen@example.vn>: Recipient address rejected: User unknown" : "250 2.1.5 Ok")
        case "DATA":
            data = []
            reply(context, "354 End data with <CR><LF>.<CR><LF>")
        case "QUIT":
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "221 2.0.0 Bye\r\n"))).whenComplete { _ in bound.value.close(promise: nil) }
        default:
            reply(context, "502 5.5.2 Error: command not recognized")
        }
    }
}

/// A received message split into headers and body, with the decoding a mail reader would do.
struct ParsedMail {
    var headers: [(String, String)] = []
    var body: String

    init(_ raw: String) throws {
        let parts = raw.components(separatedBy: "\r\n\r\n")
        body = parts.dropFirst().joined(separator: "\r\n\r\n")
        // Unfold: a line starting with white space continues the previous one.
        for line in parts[0].components(separatedBy: "\r\n") {
            if line.hasPrefix(" "), let last = headers.popLast() {
                headers.append((last.0, last.1 + line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
    }

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// RFC 2047 "B" words; white space between two encoded words is dropped.
    func decodedHeader(_ name: String) throws -> String {
        let value = try #require(header(name))
        var out = ""
        var bytes: [UInt8] = []
        for token in value.split(separator: " ") {
            if let m = token.wholeMatch(of: /=\?UTF-8\?B\?([A-Za-z0-9+\/=]*)\?=/) {
                bytes += try #require(Data(base64Encoded: String(m.1)))
            } else {
                if !bytes.isEmpty { out += String(decoding: bytes, as: UTF8.self); bytes = [] }
                out += " " + token
            }
        }
        if !bytes.isEmpty { out += String(decoding: bytes, as: UTF8.self) }
        return out
    }

    /// Quoted-printable: "=XX" bytes and "=" + CRLF soft breaks.
    func decodedBody() throws -> String {
        var out: [UInt8] = []
        let b = Array(body.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "=") {
                if i + 2 < b.count, b[i + 1] == 13, b[i + 2] == 10 { i += 3; continue }
                let hex = try #require(UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16))
                out.append(hex)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}


// MARK: - A fake SMS gateway

/// A Vapor app on a loopback port that records what it is sent and answers with a fixed status.
struct FakeGateway {
    struct Received: Sendable { var authorization: String?; var contentType: String?; var body: String }
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Received] = []
        var all: [Received] { lock.withLock { items } }
        func add(_ r: Received) { lock.withLock { items.append(r) } }
    }

    let url: String
    let client: any Client
    let log: Log
    var requests: [Received] { log.all }

    static func run(status: HTTPResponseStatus, answer: String = #"{"status":"queued"}"#, _ body: (FakeGateway) async throws -> Void) async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let log = Log()
        app.post("api", "sms") { req -> Response in
            log.add(Received(authorization: req.headers.first(name: .authorization), contentType: req.headers.first(name: .contentType),
                             body: req.body.string ?? ""))
            return Response(status: status, body: .init(string: answer))
        }
        do {
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            try await body(FakeGateway(url: "http://127.0.0.1:\(port)/api/sms", client: app.client, log: log))
        } catch {
            await app.server.shutdown()
            try? await app.asyncShutdown()
            throw error
        }
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}

/// The outbox columns these tests look at.
final class OutboxRow: Model, @unchecked Sendable {
    static let schema = "notification_outbox"
    @ID(key: .id) var id: UUID?
    @Field(key: "dossier_code") var dossierCode: String
    @Field(key: "channel") var channel: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    @OptionalField(key: "failed_at") var failedAt: Date?
    @OptionalField(key: "last_error") var lastError: String?
    init() {}
}
