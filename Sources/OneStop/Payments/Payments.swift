import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// Financial obligations: created by the appraisal (status 6), paid at the counter, by transfer or
/// online; online payments are confirmed when the payer comes back and re-checked in the
/// background when they do not.
public enum Payments {
    static func pending(dossierID: UUID, on db: any Database) async throws -> DossierPayment? {
        try await DossierPayment.query(on: db).filter(\.$dossierID == dossierID).filter(\.$status == DossierPayment.Status.pending.rawValue)
            .sort(\.$requestedAt, .descending).first()
    }

    public static func all(dossierID: UUID, on db: any Database) async throws -> [DossierPayment] {
        try await DossierPayment.query(on: db).filter(\.$dossierID == dossierID).sort(\.$requestedAt).all()
    }

    static func create(dossierID: UUID, items: [FeeItem], at now: Date, on db: any Database) async throws {
        let p = DossierPayment()
        p.dossierID = dossierID
        p.items = String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
        p.total = items.reduce(0) { $0 + $1.amount }
        p.status = DossierPayment.Status.pending.rawValue
        p.requestedAt = now
        try await p.create(on: db)
    }

    /// The applicant starts paying online; returns where to send them.
    public static func startOnline(code: String, by viewer: Viewer, on req: Request) async throws -> String {
        let dossier = try await DossierService.find(code, on: req.db)
        guard dossier.applicantUserID == viewer.userID else { throw OneStopError.notYourDossier }
        guard dossier.currentStatus == .paymentRequested, let payment = try await pending(dossierID: dossier.requireID(), on: req.db) else {
            throw OneStopError.actionNotAllowed(action: "Thanh toán trực tuyến", status: dossier.currentStatus.label)
        }
        let provider = req.application.paymentProvider
        // A fresh reference per attempt: an abandoned attempt must not be confirmed twice.
        let reference = "TS" + SecureToken.generate().prefix(20).uppercased().filter { $0.isLetter || $0.isNumber }
        payment.reference = reference
        payment.provider = provider.name
        payment.method = PaymentMethod.online.rawValue
        try await payment.save(on: req.db)
        return try await provider.start(reference: reference, amount: payment.total, description: "Phí, lệ phí hồ sơ \(dossier.code)",
                                        returnTo: SiteURL.dossierPayment(code: dossier.code).path, on: req.db)
    }

    /// Asks the platform about an online payment and records it when paid. Returns the outcome.
    @discardableResult
    public static func check(_ payment: DossierPayment, app: Application, now: Date) async throws -> PaymentOutcome {
        guard payment.currentStatus == .pending, let reference = payment.reference else { return .pending }
        let outcome = try await app.paymentProvider.status(reference: reference, on: app.db)
        payment.checkedAt = now
        switch outcome {
        case .pending:
            try await payment.save(on: app.db)
        case .failed:
            // The obligation stays; the applicant may try again.
            payment.reference = nil
            try await payment.save(on: app.db)
        case .paid(let receipt, let url, let at):
            let dossier = try await Dossier.find(payment.dossierID, on: app.db)
            guard let dossier, dossier.currentStatus == .paymentRequested else { return outcome }
            payment.status = DossierPayment.Status.paid.rawValue
            payment.receiptNumber = receipt
            payment.receiptURL = url
            payment.paidAt = at
            var change = DossierService.Change(dossier: dossier, from: .paymentRequested,
                                               comment: "Thanh toán trực tuyến \(payment.total.formatted()) đồng, mã giao dịch \(reference), biên lai \(receipt)")
            change.to = .processing
            change.payment = payment
            change.paidOnline = true
            try await DossierService.commit(change, action: .recordPayment, actorID: nil, actorName: "Nền tảng thanh toán (\(payment.provider ?? ""))",
                                            now: now, on: app)
        }
        return outcome
    }

    /// Re-checks online payments left unconfirmed for more than a minute.
    @discardableResult
    public static func recheck(app: Application, now: Date) async throws -> Int {
        let stale = try await DossierPayment.query(on: app.db).filter(\.$status == DossierPayment.Status.pending.rawValue)
            .filter(\.$reference != nil).limit(100).all()
            .filter { ($0.checkedAt ?? $0.requestedAt) < now.addingTimeInterval(-60) }
        var confirmed = 0
        for p in stale {
            if case .paid = try await check(p, app: app, now: now) { confirmed += 1 }
        }
        return confirmed
    }
}
