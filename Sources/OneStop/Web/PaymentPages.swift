import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// The applicant pays a financial obligation online; the sandbox platform's own page.
struct PaymentPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post(SiteURL.dossierPayment(code: ":code").route, use: pay)
        routes.get(SiteURL.dossierPayment(code: ":code").route, use: back)
        routes.get(SiteURL.paymentSandbox(reference: ":ref").route, use: sandbox)
        routes.post(SiteURL.paymentSandbox(reference: ":ref").route, use: sandboxDecide)
    }

    /// The dossier page's payment block: what is owed, what was paid, and the button to pay online.
    static func section(_ d: Dossier, payments: [DossierPayment], viewer: Viewer, csrf: String) -> HTML {
        guard !payments.isEmpty else { return .empty }
        let canPay = d.applicantUserID == viewer.userID && d.currentStatus == .paymentRequested
        return """
        <h2>Phí, lệ phí</h2>
        \(payments.html { p in
            """
            <ul>\(p.feeItems.html { "<li>\($0.name): \(Components.money($0.amount))</li>" })</ul>
            <p>Tổng: <strong>\(Components.money(p.total))</strong> — \(p.currentStatus == .paid
                ? "đã nộp (\(PaymentMethod(rawValue: p.method ?? "")?.label ?? ""), biên lai \(p.receiptNumber ?? ""), \(VietnamTime.display(p.paidAt)))"
                : p.reference != nil ? "đang chờ xác nhận thanh toán trực tuyến" : "chưa nộp")</p>
            """
        })
        \(if: canPay, HTML("""
        <form method="post" action="\(SiteURL.dossierPayment(code: d.code).path)">\(Components.csrfField(csrf))
        <button type="submit">Thanh toán trực tuyến</button></form>
        """))
        """
    }

    @Sendable func pay(_ req: Request) async throws -> Response {
        let target = try await Payments.startOnline(code: req.pathParameter("code"), by: req.requireViewer(), on: req)
        return req.redirect(to: target)
    }

    /// Where the platform sends the payer back: ask it, record the payment if it went through.
    @Sendable func back(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let d = try await DossierService.view(req.pathParameter("code"), by: viewer, on: req.db)
        if let p = try await Payments.pending(dossierID: d.requireID(), on: req.db) {
            try await Payments.check(p, app: req.application, now: req.now)
        }
        return req.redirect(to: SiteURL.dossier(code: d.code).path)
    }

    @Sendable func sandbox(_ req: Request) async throws -> Response {
        guard let t = try await SandboxTransaction.find(req.pathParameter("ref"), on: req.db) else { throw Abort(.notFound) }
        let main: HTML = """
        <h1>Cổng thanh toán thử nghiệm</h1>
        <p class="hint">Môi trường thử nghiệm: không có giao dịch tiền thật.</p>
        \(Components.facts([("Mã giao dịch", "\(t.id ?? "")"), ("Nội dung", "\(t.description)"), ("Số tiền", "\(Components.money(t.amount))"),
                            ("Trạng thái", "\(t.state)")]))
        \(if: t.state == SandboxTransaction.State.pending.rawValue, HTML("""
        <form method="post" action="\(SiteURL.paymentSandbox(reference: t.id ?? "").path)">\(Components.csrfField(req.csrfToken))
        <button type="submit" name="decision" value="pay">Xác nhận thanh toán</button>
        <button type="submit" name="decision" value="cancel" class="secondary">Huỷ giao dịch</button></form>
        """))
        """
        return Layout.page(req, title: "Thanh toán thử nghiệm", main: main)
    }

    @Sendable func sandboxDecide(_ req: Request) async throws -> Response {
        guard let t = try await SandboxTransaction.find(req.pathParameter("ref"), on: req.db) else { throw Abort(.notFound) }
        let decision = try req.content.get(String.self, at: "decision")
        if t.state == SandboxTransaction.State.pending.rawValue {
            t.state = (decision == "pay" ? SandboxTransaction.State.paid : .cancelled).rawValue
            try await t.save(on: req.db)
        }
        return req.redirect(to: t.returnURL)
    }
}
