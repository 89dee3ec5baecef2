import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// `/quan-tri/lgsp/tin-cay`: this platform's public key, to give to a peer, and the peers this
/// gateway trusts (`TrustedPeer`), added from the key each publishes and removable.
struct TrustPage: RouteCollection {
    struct TrustForm: Content {
        var action: String?
        var name: String?
        var instance: String?
        var publicKey: String?
        var peer: UUID?
    }

    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped(RequireViewer.admin)
        admin.get(SiteURL.exchangeTrust.route, use: show)
        admin.post(SiteURL.exchangeTrust.route, use: change)
    }

    @Sendable func show(_ req: Request) async throws -> Response {
        try await page(req, form: TrustForm(), errors: [])
    }

    @Sendable func change(_ req: Request) async throws -> Response {
        let f = try req.content.decode(TrustForm.self)
        switch f.action {
        case "add":
            let errors = try await Registry.trust(name: f.name ?? "", instance: f.instance ?? "", publicKey: f.publicKey ?? "", at: req.now, on: req.db)
            guard errors.isEmpty else { return try await page(req, form: f, errors: errors) }
            req.application.exchangeDirectory.forgetEverything()
            return try await page(req, form: TrustForm(), errors: [], flash: "Đã thêm \(f.name ?? "") vào danh sách tin cậy.")
        case "remove":
            guard let id = f.peer, let peer = try await TrustedPeer.find(id, on: req.db) else { throw RequestError.notFound(what: "nền tảng tin cậy") }
            try await peer.delete(on: req.db)
            req.application.exchangeDirectory.forgetEverything()
            return try await page(req, form: TrustForm(), errors: [], flash: "Đã bỏ \(peer.name) khỏi danh sách tin cậy.")
        default:
            throw RequestError.badParameter(name: "action", reason: "thao tác không hợp lệ")
        }
    }

    func page(_ req: Request, form: TrustForm, errors: [String], flash: String? = nil) async throws -> Response {
        let peers = try await TrustedPeer.query(on: req.db).sort(\.$name).all()
        let own = req.application.platformKey.map(AccessToken.jwk)
        let main: HTML = """
        <h1>Nền tảng tin cậy (liên kết giữa các LGSP)</h1>
        <p>Cổng của một nền tảng tin cậy được gọi dịch vụ ở đây thay cho các hệ thống thuộc instance X-Road của nó đã đăng ký ở đây, \
        theo quyền đã cấp cho từng hệ thống; mỗi bên ghi nhật ký của mình với cùng mã X-Road-Id. Hai bên trao đổi khoá công khai cho nhau.</p>
        <h2>Khoá công khai của nền tảng này</h2>
        \(Components.facts([("Mã khoá (kid)", HTML("<code>\(own?["kid"] ?? "—")</code>")), ("Khoá (x, base64url)", HTML("<code>\(own?["x"] ?? "—")</code>"))]))
        <p>Cũng công bố tại <a href="/api/v1/exchange/keys"><code>/api/v1/exchange/keys</code></a>.</p>
        <h2>Danh sách tin cậy</h2>
        \(peers.isEmpty ? HTML("<p>Chưa có nền tảng nào.</p>") : HTML("""
        <div class="table-wrap"><table><thead><tr><th scope="col">Nền tảng</th><th scope="col">Instance</th><th scope="col">Mã khoá</th>\
        <th scope="col">Thêm lúc</th><th scope="col"><span class="visually-hidden">Thao tác</span></th></tr></thead>
        <tbody>\(peers.html { p in
            """
            <tr><td>\(p.name)</td><td><code>\(p.instance)</code></td><td><code>\(p.keyID)</code></td><td>\(VietnamTime.display(p.createdAt))</td>\
            <td><form method="post" class="inline">\(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="remove">\
            <input type="hidden" name="peer" value="\(p.id?.uuidString ?? "")"><button type="submit">Bỏ tin cậy</button></form></td></tr>
            """
        })</tbody></table></div>
        """))
        <h2 id="them">Thêm nền tảng</h2>
        \(Components.errorSummary(errors))
        <form method="post">
        \(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="add">
        \(Components.field("Tên nền tảng", name: "name", value: form.name, required: true, hint: "Ví dụ: Nền tảng NDXP quốc gia"))
        \(Components.field("Instance X-Road của nền tảng", name: "instance", value: form.instance, required: true, hint: "Ví dụ: VN-HUB"))
        \(Components.field("Khoá công khai (giá trị x trong khoá JWK của nền tảng đó)", name: "publicKey", value: form.publicKey, required: true))
        <button type="submit">Thêm vào danh sách tin cậy</button>
        </form>
        """
        return Layout.page(req, title: "Nền tảng tin cậy", status: errors.isEmpty ? .ok : .badRequest, flash: flash, main: main)
    }
}
