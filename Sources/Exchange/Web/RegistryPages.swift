import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// The registry's admin pages: the systems connected to the LGSP ("connected N of M"), their
/// services, keys and access rights, and the message log with its verification.
struct RegistryPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped(RequireViewer.admin)
        admin.get(SiteURL.exchange.route, use: overview)
        admin.post(SiteURL.exchange.route, use: createSystem)
        admin.get(SiteURL.exchangeSystem(code: ":code").route, use: system)
        admin.post(SiteURL.exchangeSystem(code: ":code").route, use: changeSystem)
        admin.get(SiteURL.exchangeLog.route, use: log)
    }

    static let statusLabels: [InformationSystem.Status: String] = [
        .planned: "Kế hoạch", .trial: "Thử nghiệm", .official: "Chính thức", .suspended: "Tạm dừng",
    ]
    static let approvalLabels: [InformationSystem.LevelApproval: String] = [.none: "Chưa lập hồ sơ", .submitted: "Đã trình", .approved: "Đã phê duyệt"]
    static let classificationLabels: [ExchangeService.Classification: String] = [
        .open: "Công khai", .internalUse: "Nội bộ", .restricted: "Hạn chế", .secret: "Mật",
    ]

    static func badge(_ s: InformationSystem.Status) -> HTML {
        Components.badge(statusLabels[s] ?? s.rawValue, tone: s == .official ? "ok" : s == .suspended ? "warn" : "neutral")
    }

    struct SystemForm: Content {
        var code: String?
        var name: String?
        var ownerAgency: String?
        var purpose: String?
        var securityLevel: String?
        var levelApproval: String?
        var operatorContact: String?
        var status: String?
        var subsystem: String?
    }

    @Sendable func overview(_ req: Request) async throws -> Response {
        try await overviewPage(req, form: SystemForm(), errors: [])
    }

    func overviewPage(_ req: Request, form: SystemForm, errors: [String]) async throws -> Response {
        let systems = try await InformationSystem.query(on: req.db).sort(\.$code).all()
        let services = try await ExchangeService.query(on: req.db).all()
        let perSystem = Dictionary(grouping: services, by: { $0.$system.id })
        let counts = Registry.connectionCounts(systems)
        let total = systems.count
        let bars = InformationSystem.Status.allCases.map { s in
            Charts.Bar(label: Self.statusLabels[s] ?? s.rawValue, value: Double(counts[s] ?? 0), scale: Double(max(total, 1)),
                       text: "\(counts[s] ?? 0)/\(total)")
        }
        let main: HTML = """
        <h1>Nền tảng tích hợp, chia sẻ dữ liệu (LGSP)</h1>
        <p class="lead">Đã kết nối chính thức <strong>\(counts[.official] ?? 0)/\(total)</strong> hệ thống thông tin, \
        <strong>\(counts[.trial] ?? 0)</strong> đang thử nghiệm, \(counts[.planned] ?? 0) trong kế hoạch, \(counts[.suspended] ?? 0) tạm dừng.</p>
        \(Charts.bars(title: "Hệ thống theo trạng thái kết nối", bars))
        <p><a href="\(SiteURL.exchangeLog.path)">Nhật ký trao đổi dữ liệu</a> · <a href="\(SiteURL.exchangeMonitoring.path)">Giám sát</a> \
        · <a href="\(SiteURL.exchangeTrust.path)">Nền tảng tin cậy (liên kết)</a></p>
        <h2>Hệ thống thông tin</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Mã</th><th scope="col">Tên</th><th scope="col">Cơ quan chủ quản</th>\
        <th scope="col">Định danh</th><th scope="col">Cấp độ</th><th scope="col">Dịch vụ</th><th scope="col">Kết nối</th></tr></thead>
        <tbody>\(systems.html { s in
            """
            <tr><td><code>\(s.code)</code></td><td><a href="\(SiteURL.exchangeSystem(code: s.code).path)">\(s.name)</a></td>\
            <td>\(s.ownerAgency)</td><td><code>\(s.subsystem)</code></td>\
            <td>\(s.securityLevel) (\(Self.approvalLabels[s.levelApproval] ?? ""))</td><td>\(s.id.flatMap { perSystem[$0] }?.count ?? 0)</td><td>\(Self.badge(s.status))</td></tr>
            """
        })</tbody></table></div>
        <h2 id="them">Thêm hệ thống</h2>
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.exchange.path)">
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Mã hệ thống", name: "code", value: form.code, required: true, hint: "Ví dụ: MOTCUA"))
        \(Components.field("Tên hệ thống", name: "name", value: form.name, required: true))
        \(Components.field("Mã cơ quan chủ quản", name: "ownerAgency", value: form.ownerAgency, required: true, hint: "Ví dụ: H42.01"))
        \(Components.field("Mục đích", name: "purpose", value: form.purpose))
        \(Components.field("Định danh (instance/loại/mã thành viên/mã hệ thống con)", name: "subsystem", value: form.subsystem, required: true,
                           hint: "Ví dụ: VN/GOV/000.00.00.H42/MOTCUA"))
        \(Components.select("Cấp độ an toàn", name: "securityLevel", options: (1...5).map { (String($0), "Cấp độ \($0)") }, selected: form.securityLevel))
        \(Components.select("Hồ sơ cấp độ", name: "levelApproval", options: InformationSystem.LevelApproval.allCases.map { ($0.rawValue, Self.approvalLabels[$0] ?? "") },
                            selected: form.levelApproval))
        \(Components.field("Liên hệ đơn vị vận hành", name: "operatorContact", value: form.operatorContact))
        \(Components.select("Trạng thái kết nối", name: "status", options: InformationSystem.Status.allCases.map { ($0.rawValue, Self.statusLabels[$0] ?? "") },
                            selected: form.status ?? "planned"))
        <button type="submit">Thêm hệ thống</button>
        </form>
        """
        return Layout.page(req, title: "LGSP", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    @Sendable func createSystem(_ req: Request) async throws -> Response {
        let f = try req.content.decode(SystemForm.self)
        let input = Registry.NewSystem(code: f.code, name: f.name, ownerAgency: f.ownerAgency, purpose: f.purpose, securityLevel: Int(f.securityLevel ?? ""),
                                       levelApproval: f.levelApproval, operatorContact: f.operatorContact, status: f.status, subsystem: f.subsystem)
        do {
            let s = try await Registry.addSystem(input, on: req.db)
            return req.redirect(to: SiteURL.exchangeSystem(code: s.code).path)
        } catch let invalid as Registry.Invalid {
            return try await overviewPage(req, form: f, errors: invalid.problems)
        }
    }

    func find(_ req: Request) async throws -> InformationSystem { try await Registry.system(code: req.parameters.get("code"), on: req.db) }

    @Sendable func system(_ req: Request) async throws -> Response {
        try await systemPage(req, try await find(req), errors: [], newKey: nil)
    }

    func systemPage(_ req: Request, _ s: InformationSystem, errors: [String], newKey: Registry.IssuedKey?, flash: String? = nil) async throws -> Response {
        let now = req.now
        let id = try s.requireID()
        let services = try await ExchangeService.query(on: req.db).filter(\.$system.$id == id).sort(\.$code).all()
        let keys = try await ExchangeCredential.query(on: req.db).filter(\.$system.$id == id).sort(\.$createdAt, .descending).all()
        let rights = services.isEmpty ? [] : try await AccessRight.query(on: req.db).filter(\.$service.$id ~~ services.compactMap(\.id)).with(\.$consumer).all()
        let serviceCode = Dictionary(uniqueKeysWithValues: services.compactMap { s in s.id.map { ($0, s.code) } })
        let main: HTML = """
        <p><a href="\(SiteURL.exchange.path)">← Các hệ thống</a></p>
        <h1>\(s.name)</h1>
        \(Components.facts([("Mã", HTML("<code>\(s.code)</code>")), ("Định danh", HTML("<code>\(s.subsystem)</code>")),
                            ("Cơ quan chủ quản", "\(s.ownerAgency)"), ("Mục đích", "\(s.purpose)"),
                            ("Cấp độ an toàn", HTML("\(s.securityLevel) — \(Self.approvalLabels[s.levelApproval] ?? "")")),
                            ("Đơn vị vận hành", "\(s.operatorContact)"), ("Kết nối", Self.badge(s.status))]))
        \(Components.errorSummary(errors))
        \(if: newKey != nil, HTML("""
        <div class="notice" role="status"><p><strong>Khoá truy cập mới</strong> (chỉ hiện một lần, hãy lưu lại ngay):</p>\
        <p><code>\(newKey?.key ?? "")</code></p><p>Gửi kèm mỗi lời gọi trong tiêu đề <code>Authorization: Bearer …</code> cùng <code>X-Road-Client: \(s.subsystem)</code>.</p>\
        <p>Hoặc dùng OAuth 2.0 (client credentials): <code>client_id</code> là <code>\(newKey?.id.uuidString ?? "")</code>, <code>client_secret</code> là khoá trên; \
        đổi lấy mã truy cập 5 phút tại <code>POST /api/v1/exchange/token</code> rồi gửi mã đó thay cho khoá.</p></div>
        """))
        <form method="post" class="inline">
        \(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="status">
        \(Components.select("Trạng thái kết nối", name: "status", options: InformationSystem.Status.allCases.map { ($0.rawValue, Self.statusLabels[$0] ?? "") },
                            selected: s.status.rawValue))
        <button type="submit">Cập nhật trạng thái</button>
        </form>
        <form method="post">
        \(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="limits">
        \(Components.field("Giới hạn lời gọi mỗi giây khi hệ thống này gọi dịch vụ (bỏ trống: không giới hạn)", name: "ratePerSecond", type: "number",
                           value: s.ratePerSecond.map(String.init), inputmode: "numeric"))
        \(Components.field("Hạn mức lời gọi mỗi ngày (bỏ trống: không giới hạn)", name: "dailyQuota", type: "number",
                           value: s.dailyQuota.map(String.init), inputmode: "numeric"))
        <button type="submit">Lưu giới hạn</button>
        </form>
        <h2>Dịch vụ cung cấp</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Mã</th><th scope="col">Phiên bản</th><th scope="col">Địa chỉ gọi qua LGSP</th>\
        <th scope="col">Máy chủ dịch vụ, thời gian chờ</th><th scope="col">Phân loại</th><th scope="col"></th></tr></thead>
        <tbody>\(services.html { v in
            """
            <tr><td><code>\(v.code)</code></td><td>\(v.version)</td><td><code>/r1/\(s.subsystem)/\(v.code)</code></td>\
            <td><form method="post" class="inline">\(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="move-service">\
            <input type="hidden" name="service" value="\(v.id?.uuidString ?? "")">\
            <label>Địa chỉ <input name="baseURL" type="url" value="\(v.baseURL)"></label> \
            <label>ms <input name="timeout" type="number" inputmode="numeric" value="\(v.timeoutMilliseconds)"></label> \
            <button type="submit">Lưu</button></form></td><td>\(Self.classificationLabels[v.classification] ?? "")</td>\
            <td><form method="post" class="inline">\(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="remove-service">\
            <input type="hidden" name="service" value="\(v.id?.uuidString ?? "")"><button type="submit">Gỡ dịch vụ và các quyền gọi</button></form></td></tr>
            """
        })</tbody></table></div>
        <form method="post">
        \(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="service">
        \(Components.field("Mã dịch vụ", name: "serviceCode", required: true, hint: "Ví dụ: tra-cuu-cong-dan"))
        \(Components.field("Phiên bản", name: "version", value: "v1"))
        \(Components.field("Địa chỉ máy chủ dịch vụ (http:// hoặc https://)", name: "baseURL", type: "url", required: true))
        \(Components.select("Phân loại dữ liệu", name: "classification", options: ExchangeService.Classification.allCases.map { ($0.rawValue, Self.classificationLabels[$0] ?? "") },
                            selected: "restricted"))
        \(Components.field("Thời gian chờ tối đa (ms)", name: "timeout", type: "number", value: "5000", inputmode: "numeric"))
        \(Components.field("Tiêu đề Authorization cổng gửi tới máy chủ dịch vụ (không bắt buộc)", name: "upstreamAuthorization",
                           hint: "Khoá của chính máy chủ dịch vụ cấp cho LGSP, ví dụ Bearer …; không hiển thị lại sau khi lưu"))
        <p><label><input type="checkbox" name="viaPeer" value="1"> Dịch vụ của nền tảng tin cậy khác: địa chỉ là cổng <code>/r1/…</code> của nền tảng đó, \
        lời gọi được ký bằng khoá của nền tảng này</label></p>
        \(Components.textArea("Tài liệu OpenAPI (JSON hoặc YAML, không bắt buộc)", name: "openAPI", value: nil, rows: 4,
                              hint: "Bên gọi lấy qua dịch vụ siêu dữ liệu getOpenAPI"))
        <button type="submit">Thêm dịch vụ</button>
        </form>
        <h2>Quyền gọi dịch vụ của hệ thống này</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Hệ thống được phép gọi</th><th scope="col">Dịch vụ</th><th scope="col">Phương thức</th><th scope="col">Đường dẫn</th><th scope="col"></th></tr></thead>
        <tbody>\(rights.html { r in
            """
            <tr><td><code>\(r.consumer.subsystem)</code></td><td><code>\(serviceCode[r.$service.id] ?? "")</code></td><td>\(r.method ?? "Tất cả")</td><td>\(r.path ?? "Tất cả")</td>\
            <td><form method="post" class="inline">\(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="withdraw">\
            <input type="hidden" name="right" value="\(r.id?.uuidString ?? "")"><button type="submit">Thu hồi quyền</button></form></td></tr>
            """
        })</tbody></table></div>
        <form method="post">
        \(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="grant">
        \(Components.field("Mã hệ thống được cấp quyền", name: "consumer", required: true, hint: "Mã của hệ thống sẽ gọi, ví dụ MOTCUA"))
        \(Components.select("Dịch vụ", name: "serviceCode", options: services.map { ($0.code, $0.code) }, selected: nil))
        \(Components.field("Chỉ phương thức (bỏ trống: tất cả)", name: "method", hint: "GET, POST…"))
        \(Components.field("Chỉ đường dẫn (bỏ trống: tất cả)", name: "path", hint: "Ví dụ /cong-dan/* — dấu * ở cuối khớp phần còn lại"))
        <button type="submit">Cấp quyền</button>
        </form>
        <h2>Khoá truy cập của hệ thống này</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Khoá</th><th scope="col">Cấp lúc</th><th scope="col">Trạng thái</th><th scope="col"></th></tr></thead>
        <tbody>\(keys.html { k in
            """
            <tr><td><code>\(k.keyPrefix)…</code></td><td>\(VietnamTime.display(k.createdAt))</td>\
            <td>\(k.revokedAt == nil ? Components.badge("Đang dùng", tone: "ok")
                : k.isValid(at: now) ? Components.badge("Dùng đến \(VietnamTime.display(k.revokedAt!))", tone: "neutral")
                : Components.badge("Đã thu hồi", tone: "warn"))</td>\
            <td>\(if: k.isValid(at: now), HTML("""
            <form method="post" class="inline">\(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="revoke">\
            <input type="hidden" name="key" value="\(k.id?.uuidString ?? "")"><button type="submit">Thu hồi ngay</button></form>
            """))\(if: k.revokedAt == nil, HTML("""
             <form method="post" class="inline">\(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="rotate">\
            <input type="hidden" name="key" value="\(k.id?.uuidString ?? "")"><button type="submit">Đổi khoá (khoá này dùng thêm 24 giờ)</button></form>
            """))</td></tr>
            """
        })</tbody></table></div>
        <form method="post">\(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="key"><button type="submit">Cấp khoá mới</button></form>
        """
        return Layout.page(req, title: s.name, status: errors.isEmpty ? .ok : .badRequest, flash: flash, main: main)
    }

    struct ChangeForm: Content {
        var action: String
        var status: String?
        var serviceCode: String?
        var version: String?
        var baseURL: String?
        var classification: String?
        var timeout: String?
        var viaPeer: String?
        var upstreamAuthorization: String?
        var consumer: String?
        var method: String?
        var path: String?
        var key: UUID?
        var right: UUID?
        var service: UUID?
        var ratePerSecond: String?
        var dailyQuota: String?
        var openAPI: String?
    }

    /// A form's limit: nil when empty (no limit); text that is not a whole number reads as -1, which `setLimits` refuses.
    static func number(_ text: String?) -> Int? {
        let t = (text ?? "").trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : Int(t) ?? -1
    }

    @Sendable func changeSystem(_ req: Request) async throws -> Response {
        let s = try await find(req)
        let f = try req.content.decode(ChangeForm.self)
        let id = try s.requireID()
        let now = req.application.clock.now()
        switch f.action {
        case "status":
            do { try await Registry.setStatus(s, to: f.status, on: req.db) } catch let invalid as Registry.Invalid {
                return try await systemPage(req, s, errors: invalid.problems, newKey: nil)
            }
            req.application.exchangeDirectory.forgetEverything()
            return try await systemPage(req, s, errors: [], newKey: nil, flash: "Đã cập nhật trạng thái kết nối.")
        case "limits":
            let (rate, quota) = (Self.number(f.ratePerSecond), Self.number(f.dailyQuota))
            do {
                try await Registry.setLimits(s, ratePerSecond: rate, dailyQuota: quota, on: req.db)
            } catch let invalid as Registry.Invalid {
                return try await systemPage(req, s, errors: invalid.problems, newKey: nil)
            }
            req.application.exchangeDirectory.forgetEverything()
            return try await systemPage(req, s, errors: [], newKey: nil, flash: "Đã lưu giới hạn lời gọi.")
        case "service":
            let input = Registry.NewService(code: f.serviceCode, version: f.version, baseURL: f.baseURL, classification: f.classification,
                                            timeoutMilliseconds: f.timeout.flatMap { Int($0) ?? -1 }, viaPeer: f.viaPeer == "1",
                                            upstreamAuthorization: f.upstreamAuthorization, openAPI: f.openAPI)
            do {
                let v = try await Registry.addService(input, to: s, on: req.db)
                return try await systemPage(req, s, errors: [], newKey: nil, flash: "Đã thêm dịch vụ \(v.code).")
            } catch let invalid as Registry.Invalid {
                return try await systemPage(req, s, errors: invalid.problems, newKey: nil)
            }
        case "grant":
            do {
                _ = try await Registry.grant(consumerCode: f.consumer ?? "", serviceCode: f.serviceCode ?? "", of: s, method: f.method, path: f.path, on: req.db)
            } catch let invalid as Registry.Invalid {
                return try await systemPage(req, s, errors: invalid.problems, newKey: nil)
            }
            req.application.exchangeDirectory.forgetEverything()
            return try await systemPage(req, s, errors: [], newKey: nil, flash: "Đã cấp quyền cho \((f.consumer ?? "").trimmingCharacters(in: .whitespaces)).")
        case "move-service", "remove-service":
            guard let serviceID = f.service, let v = try await Registry.service(serviceID, of: s, on: req.db) else { throw RequestError.notFound(what: "dịch vụ") }
            if f.action == "remove-service" {
                try await Registry.removeService(v, on: req.db)
            } else {
                do { try await Registry.moveService(v, baseURL: f.baseURL, timeoutMilliseconds: f.timeout.flatMap { Int($0) ?? -1 }, on: req.db) }
                catch let invalid as Registry.Invalid { return try await systemPage(req, s, errors: invalid.problems, newKey: nil) }
            }
            req.application.exchangeDirectory.forgetEverything()
            return try await systemPage(req, s, errors: [], newKey: nil, flash: f.action == "remove-service" ? "Đã gỡ dịch vụ \(v.code)." : "Đã lưu dịch vụ \(v.code).")
        case "withdraw":
            guard let rightID = f.right, let r = try await Registry.right(rightID, of: s, on: req.db) else { throw RequestError.notFound(what: "quyền gọi") }
            try await r.delete(on: req.db)
            req.application.exchangeDirectory.forgetEverything()
            return try await systemPage(req, s, errors: [], newKey: nil, flash: "Đã thu hồi quyền gọi.")
        case "key":
            let key = try await Registry.issueKey(for: s, at: now, on: req.db)
            return try await systemPage(req, s, errors: [], newKey: key)
        case "rotate":
            guard let keyID = f.key, let k = try await ExchangeCredential.query(on: req.db).filter(\.$id == keyID).filter(\.$system.$id == id).first(),
                  k.revokedAt == nil else {
                throw RequestError.notFound(what: "khoá truy cập đang dùng")
            }
            let issued = try await Registry.rotate(k, at: now, on: req.db)
            req.application.exchangeDirectory.forgetEverything()
            return try await systemPage(req, s, errors: [], newKey: issued, flash: "Khoá \(k.keyPrefix)… dùng được đến \(VietnamTime.display(k.revokedAt ?? now)).")
        case "revoke":
            guard let keyID = f.key, let k = try await ExchangeCredential.query(on: req.db).filter(\.$id == keyID).filter(\.$system.$id == id).first() else {
                throw RequestError.notFound(what: "khoá truy cập")
            }
            try await Registry.revoke(k, at: now, on: req.db)
            req.application.exchangeDirectory.forgetEverything()
            return try await systemPage(req, s, errors: [], newKey: nil, flash: "Đã thu hồi khoá \(k.keyPrefix)….")
        default:
            throw RequestError.badParameter(name: "action", reason: "thao tác không hợp lệ")
        }
    }

    @Sendable func log(_ req: Request) async throws -> Response {
        // An error's `detail` is its message id: the caller (or the operator) finds the record by it.
        let messageID = try req.queryString("ma-tin", maxLength: 200), client = try req.queryString("ben-goi", maxLength: 200)
        var query = MessageRecord.query(on: req.db)
        if let messageID { query = query.filter(\.$messageID == messageID) }
        if let client { query = query.filter(\.$client == client) }
        let page = try await query.sort(\.$seq, .descending).limit(100).all()
        var verification: HTML = .empty
        if req.query[String.self, at: "kiem-tra"] == "1", let key = req.application.platformKey {
            let v = try await MessageLog.verify(keys: key.verifying, on: req.db)
            verification = v.firstBroken.map { broken in
                HTML("<div class=\"notice error\" role=\"alert\"><p>Nhật ký bị thay đổi tại bản ghi <strong>\(broken)</strong>: \(v.reason ?? ""). Đã kiểm \(v.checked) bản ghi nguyên vẹn trước đó.</p></div>")
            } ?? HTML("<div class=\"notice\" role=\"status\"><p>Nhật ký nguyên vẹn: \(v.checked) bản ghi; niêm phong đến bản ghi \(v.sealedThrough.map(String.init) ?? "—") (\(v.seals) dấu).</p></div>")
        }
        let main: HTML = """
        <p><a href="\(SiteURL.exchange.path)">← LGSP</a></p>
        <h1>Nhật ký trao đổi dữ liệu</h1>
        <p>Mỗi lần gọi qua cổng có một bản ghi, nối chuỗi bằng SHA-256 và được niêm phong mỗi giây bằng chữ ký Ed25519 của nền tảng \
        (khoá <code>\(req.application.platformKey?.keyID ?? "—")</code>).</p>
        <p><a href="\(SiteURL.exchangeLog.with(query: [("kiem-tra", "1")]))">Kiểm tra toàn bộ nhật ký</a></p>
        \(verification)
        <form class="filters" method="get">\(Components.field("Mã tin (X-Road-Id)", name: "ma-tin", value: messageID))\
        \(Components.field("Bên gọi", name: "ben-goi", value: client, hint: "Ví dụ VN/GOV/000.00.00.H42/MOTCUA"))
        <div class="field"><span aria-hidden="true">&nbsp;</span><button type="submit">Tìm</button></div></form>
        <p>\(messageID == nil && client == nil ? "100 bản ghi mới nhất." : "\(page.count) bản ghi khớp\(page.count == 100 ? " (100 mới nhất)" : "").")</p>
        <div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">Thời điểm</th><th scope="col">Mã tin</th><th scope="col">Bên gọi</th><th scope="col">Dịch vụ</th>\
        <th scope="col">Kết quả</th><th scope="col">Thời gian</th></tr></thead>
        <tbody>\(page.html { r in
            """
            <tr><td>\(r.seq)</td><td>\(VietnamTime.display(r.at))</td><td><code>\(r.messageID)</code></td><td><code>\(r.client)</code></td><td><code>\(r.method) \(r.service)\(r.path == "/" ? "" : r.path)\(r.query.isEmpty ? "" : "?" + r.query)</code></td>\
            <td>\(r.status)\(if: !r.errorType.isEmpty, HTML(" <code>\(r.errorType)</code>"))</td><td>\(Components.decimal(Double(r.durationMicroseconds) / 1000, 1)) ms</td></tr>
            """
        })</tbody></table></div>
        """
        return Layout.page(req, title: "Nhật ký trao đổi", main: main)
    }
}
