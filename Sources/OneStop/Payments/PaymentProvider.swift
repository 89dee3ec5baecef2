import Fluent
import Foundation
import Vapor
import WebUI

/// A payment platform (the national portal's payment platform, a bank's gateway…). The one-stop
/// sends the payer to it and asks it later whether the payment went through.
public protocol PaymentProvider: Sendable {
    var name: String { get }
    /// Opens a transaction and returns where to send the payer.
    func start(reference: String, amount: Int, description: String, returnTo: String, on db: any Database) async throws -> String
    /// What the platform knows about the transaction now.
    func status(reference: String, on db: any Database) async throws -> PaymentOutcome
}

public enum PaymentOutcome: Sendable, Equatable {
    case pending
    case paid(receiptNumber: String, receiptURL: String?, at: Date)
    case failed
}

extension Application {
    private struct ProviderKey: StorageKey { typealias Value = any PaymentProvider }
    /// The configured payment platform; the sandbox unless one is set.
    public var paymentProvider: any PaymentProvider {
        get { storage[ProviderKey.self] ?? SandboxPaymentProvider() }
        set { storage[ProviderKey.self] = newValue }
    }
}

/// A payment platform inside tinhso for demos and tests: its page lets the payer confirm or
/// cancel, and it answers status queries like a real platform would. Its transactions are kept
/// in the database, so a payment confirmed while the server restarts is still found by the re-check.
public struct SandboxPaymentProvider: PaymentProvider {
    public init() {}
    public var name: String { "sandbox" }

    public func start(reference: String, amount: Int, description: String, returnTo: String, on db: any Database) async throws -> String {
        let t = SandboxTransaction()
        t.id = reference
        t.amount = amount
        t.description = description
        t.state = SandboxTransaction.State.pending.rawValue
        t.returnURL = returnTo
        t.createdAt = Date()
        try await t.create(on: db)
        return SiteURL.paymentSandbox(reference: reference).path
    }

    public func status(reference: String, on db: any Database) async throws -> PaymentOutcome {
        guard let t = try await SandboxTransaction.find(reference, on: db) else { return .failed }
        switch SandboxTransaction.State(rawValue: t.state) {
        case .paid: return .paid(receiptNumber: "BL-" + reference.suffix(8).uppercased(), receiptURL: nil, at: t.createdAt)
        case .cancelled: return .failed
        default: return .pending
        }
    }
}

final class SandboxTransaction: Model, @unchecked Sendable {
    static let schema = "payment_sandbox"
    @ID(custom: "reference", generatedBy: .user) var id: String?
    @Field(key: "amount") var amount: Int
    @Field(key: "description") var description: String
    @Field(key: "state") var state: String
    @Field(key: "return_url") var returnURL: String
    @Field(key: "created_at") var createdAt: Date
    init() {}

    enum State: String { case pending, paid, cancelled }
}
