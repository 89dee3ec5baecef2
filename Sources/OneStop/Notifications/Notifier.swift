import Fluent
import Foundation
import Kernel
import NIOCore
import Vapor

/// A message as a sender sees it.
public struct OutgoingMessage: Sendable, Equatable {
    public enum Channel: String, Sendable { case email, sms }
    public var channel: Channel
    public var recipient: String
    public var subject: String
    public var body: String
    public init(channel: Channel, recipient: String, subject: String, body: String) {
        self.channel = channel; self.recipient = recipient; self.subject = subject; self.body = body
    }
}

/// Delivers messages: SMTP, an SMS gateway… Registered per channel on the application.
public protocol MessageSender: Sendable {
    func send(_ message: OutgoingMessage) async throws
}

/// The default: writes each message to the log, for installations with no mail or SMS gateway yet.
public struct LogSender: MessageSender {
    let logger: Logger
    public init(logger: Logger) { self.logger = logger }
    public func send(_ message: OutgoingMessage) async throws {
        logger.info("notification \(message.channel.rawValue) to \(message.recipient): \(message.subject)")
    }
}

extension Application {
    private struct SendersKey: StorageKey { typealias Value = [OutgoingMessage.Channel: any MessageSender] }
    /// The sender for each channel; a channel without one falls back to `LogSender`.
    public var messageSenders: [OutgoingMessage.Channel: any MessageSender] {
        get { storage[SendersKey.self] ?? [:] }
        set { storage[SendersKey.self] = newValue }
    }
}

/// What applicants are told, and when (receipt, supplement request, refusal, result ready).
enum Notifier {
    static func messages(for action: DossierAction, dossier d: Dossier, to status: DossierStatus, due: Date?, comment: String) -> [(subject: String, body: String)] {
        let code = d.code
        switch action {
        case .receive:
            return [("Hồ sơ \(code) đã được tiếp nhận",
                     "Hồ sơ \(code) (\(d.procedureName)) đã được tiếp nhận. Hẹn trả kết quả: \(VietnamTime.display(due)).")]
        case .requestSupplement:
            return [("Hồ sơ \(code) cần bổ sung", "Hồ sơ \(code) cần bổ sung: \(comment). Thời hạn được tính lại khi nhận đủ hồ sơ.")]
        case .refuse:
            return [("Hồ sơ \(code) không được tiếp nhận", "Hồ sơ \(code) không được tiếp nhận. Lý do: \(comment).")]
        case .apologize:
            return [("Hồ sơ \(code) được hẹn lại ngày trả kết quả",
                     "Cơ quan xin lỗi vì hồ sơ \(code) chưa giải quyết đúng hạn. Lý do: \(comment). Hẹn trả kết quả mới: \(VietnamTime.display(due)).")]
        case .approve where status == .resolved:
            return [("Hồ sơ \(code) đã có kết quả", "Hồ sơ \(code) (\(d.procedureName)) đã có kết quả. Mời ông/bà nhận kết quả theo hình thức đã đăng ký.")]
        case .requestPayment:
            return [("Hồ sơ \(code) cần nộp phí, lệ phí", "Hồ sơ \(code) cần thực hiện nghĩa vụ tài chính. Mời ông/bà nộp tại bộ phận một cửa hoặc thanh toán trực tuyến.")]
        case .stop:
            return [("Hồ sơ \(code) đã dừng xử lý", "Hồ sơ \(code) đã dừng xử lý. Lý do: \(comment).")]
        default:
            return []
        }
    }

    /// Queues the messages for an action, inside the caller's transaction.
    static func enqueue(_ action: DossierAction, dossier d: Dossier, to status: DossierStatus, due: Date?, comment: String, now: Date,
                        on db: any Database) async throws {
        for (subject, body) in messages(for: action, dossier: d, to: status, due: due, comment: comment) {
            var targets: [(String, String)] = []
            if !d.applicantEmail.isEmpty { targets.append(("email", d.applicantEmail)) }
            if !d.applicantPhone.isEmpty { targets.append(("sms", d.applicantPhone)) }
            for (channel, recipient) in targets {
                try await queue(code: d.code, channel: channel, recipient: recipient, subject: subject, body: body, now: now, on: db)
            }
        }
    }

    static func queue(code: String, channel: String, recipient: String, subject: String, body: String, now: Date, on db: any Database) async throws {
        let m = OutboxMessage()
        m.dossierCode = code
        m.channel = channel
        m.recipient = recipient
        m.subject = subject
        m.body = body
        m.createdAt = now
        m.attempts = 0
        m.nextAttemptAt = now
        try await m.create(on: db)
    }
}

/// Sends what is due in the outbox. Failures are retried with a growing delay (1 min, 2, 4, …
/// up to 6 h); after `maxAttempts` the message is marked failed and stays for the operator.
public enum OutboxDispatcher {
    public static let maxAttempts = 8

    /// When to try again after `attempts` failures: 1 min, 2, 4, … up to 6 h (both outboxes).
    static func retryAt(after attempts: Int, now: Date) -> Date {
        now.addingTimeInterval(min(6 * 3600, 60 * pow(2, Double(attempts - 1))))
    }

    /// One pass; returns how many messages were sent.
    @discardableResult
    public static func runOnce(app: Application, now: Date, limit: Int = 50) async throws -> Int {
        let due = try await OutboxMessage.query(on: app.db).filter(\.$sentAt == nil).filter(\.$failedAt == nil)
            .filter(\.$nextAttemptAt <= now).sort(\.$nextAttemptAt).limit(limit).all()
        var sent = 0
        for m in due {
            guard let channel = OutgoingMessage.Channel(rawValue: m.channel) else { continue }
            let sender = app.messageSenders[channel] ?? LogSender(logger: app.logger)
            do {
                try await sender.send(OutgoingMessage(channel: channel, recipient: m.recipient, subject: m.subject, body: m.body))
                m.sentAt = now
                sent += 1
            } catch {
                m.attempts += 1
                m.lastError = String(String(describing: error).prefix(500))
                if m.attempts >= maxAttempts {
                    m.failedAt = now
                } else {
                    m.nextAttemptAt = retryAt(after: m.attempts, now: now)
                }
            }
            try await m.save(on: app.db)
        }
        return sent
    }

}
