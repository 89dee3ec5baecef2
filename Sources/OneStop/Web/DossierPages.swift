import Directory
import Fluent
import Foundation
import Identity
import Kernel
import Procedures
import Vapor
import WebUI

/// Citizens submit and follow their dossiers; officials work through their queues and act.
struct DossierPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.submit(procedure: ":code").route, use: submitForm)
        routes.on(.POST, SiteURL.submit(procedure: ":code").route, body: .collect(maxSize: "52mb"), use: submit)
        routes.get(SiteURL.myDossiers.route, use: mine)
        routes.get(SiteURL.dossier(code: ":code").route, use: detail)
        routes.post(SiteURL.dossierAction(code: ":code").route, use: act)
        routes.on(.POST, SiteURL.dossierFiles(code: ":code").route, body: .collect(maxSize: "12mb"), use: upload)
        routes.get(SiteURL.dossierFile(code: ":code", id: ":id").route, use: file)
        routes.grouped(RequireViewer.official).get(SiteURL.officerQueue.route, use: queue)
    }

    static func table(_ rows: [DossierRow], showApplicant: Bool) -> HTML {
        guard !rows.isEmpty else { return "<p role=\"status\">Không có hồ sơ.</p>" }
        return """
        <div class="table-wrap"><table><thead><tr><th scope="col">Mã hồ sơ</th><th scope="col">Thủ tục</th>\(if: showApplicant, HTML("<th scope=\"col\">Người nộp</th>"))<th scope="col">Trạng thái</th><th scope="col">Hạn trả</th></tr></thead>
        <tbody>\(rows.html { r in
            """
            <tr><td><a href="\(SiteURL.dossier(code: r.code).path)">\(r.code)</a></td><td>\(r.procedureName)</td>\(if: showApplicant, HTML("<td>\(r.applicantName)</td>"))<td>\(r.status.label)</td><td>\(VietnamTime.display(r.dueAt))</td></tr>
            """
        })</tbody></table></div>
        """
    }

    // MARK: Citizen

    @Sendable func submitForm(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let p = try await ProcedureQueries.procedure(code: req.pathParameter("code"), on: req.db)
        let user = try await User.find(viewer.userID, on: req.db)
        var applicant = Submission.Applicant(name: user?.fullName ?? "", identity: user?.identityNumber ?? "", phone: user?.phone ?? "", email: user?.email)
        var values: [String: String] = [:]
        var notice: HTML = .empty
        // What the state already holds is not asked again (Nghị định 47/2020): the population
        // database, through the LGSP, fills the applicant's details.
        let registry = req.application.nationalRegistry
        if let registry, applicant.identity.count == 12 {
            switch await registry.citizen(identity: applicant.identity, userID: "VN" + applicant.identity) {
            case .found(let c):
                applicant.name = c.fullName
                // The applicant, also as the representative a business form asks for (changed when it is someone else).
                let known = ["applicantFullName": c.fullName, "applicantId": c.identity, "applicantAddress": c.permanentAddress,
                             "applicantPhone": applicant.phone, "representativeName": c.fullName, "representativeId": c.identity]
                for f in p.definition.form { if let v = known[f.key], !v.isEmpty { values[f.key] = v } }
                notice = """
                <div class="notice" role="status"><p>Thông tin người nộp được lấy từ Cơ sở dữ liệu quốc gia về dân cư qua nền tảng \
                tích hợp, chia sẻ dữ liệu của tỉnh (mã tin <code>\(c.messageID)</code>): không cần nộp bản sao giấy tờ tuỳ thân.</p></div>
                """
            case .notFound:
                notice = "<div class=\"notice\" role=\"status\"><p>Không tìm thấy số định danh \(applicant.identity) trong Cơ sở dữ liệu quốc gia về dân cư; hãy kiểm tra lại thông tin người nộp.</p></div>"
            case .unavailable(let why):
                notice = "<div class=\"notice\" role=\"status\"><p>Chưa tra cứu được Cơ sở dữ liệu quốc gia về dân cư (\(why)); thông tin được điền từ tài khoản.</p></div>"
            case .notConnected:
                break
            }
        }
        // A business form's enterprise: a business account's own code, or the one asked for in the lookup above the form.
        let asked = try req.queryString(Self.taxCodeQuery, maxLength: 20)
        if let registry, p.definition.form.contains(where: { $0.key == "orgTaxCode" }),
           let code = asked ?? (viewer.kind == .business ? user?.identityNumber : nil) {
            let business = await Self.fillBusiness(code, from: registry, userID: "VN" + applicant.identity, into: &values, asked: asked != nil)
            notice = "\(notice)\(business)"
        }
        return try await submitPage(req, procedure: p, values: values, applicant: applicant, agency: nil, errors: [], notice: notice)
    }

    static let taxCodeQuery = "ma-so-doanh-nghiep"

    /// Fills the enterprise's fields from the business register; the notice says where they came from, or why not.
    static func fillBusiness(_ code: String, from registry: any NationalRegistry, userID: String, into values: inout [String: String], asked: Bool) async -> HTML {
        let digits = code.filter(\.isNumber)
        guard digits.count == 10 || digits.count == 13, code.allSatisfy({ $0.isNumber || $0 == "-" }) else {
            return "<div class=\"notice error\" role=\"alert\"><p>Mã số doanh nghiệp “\(code)” không đúng: gồm 10 chữ số (13 với đơn vị phụ thuộc, dạng 0101234567-001).</p></div>"
        }
        switch await registry.business(taxCode: code, userID: userID) {
        case .found(let b):
            for (key, value) in [("orgTaxCode", b.taxCode), ("orgName", b.name), ("orgAddress", b.headOffice)] { values[key] = value }
            let inactive: HTML = b.status == "Đang hoạt động" ? .empty
                : "<p><strong>Lưu ý: doanh nghiệp đang ở tình trạng “\(b.status)” trong Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp.</strong></p>"
            return """
            <div class="notice" role="status"><p>Thông tin doanh nghiệp \(b.taxCode) được lấy từ Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp \
            qua nền tảng tích hợp, chia sẻ dữ liệu của tỉnh (mã tin <code>\(b.messageID)</code>); người đại diện theo pháp luật: \(b.legalRepresentative).</p>\(inactive)</div>
            """
        case .notFound:
            return "<div class=\"notice error\" role=\"alert\"><p>Không có doanh nghiệp mã số \(code) trong Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp.</p></div>"
        case .unavailable(let why):
            return "<div class=\"notice\" role=\"status\"><p>Chưa tra cứu được Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp (\(why)); hãy nhập thông tin doanh nghiệp.</p></div>"
        case .notConnected:
            return asked ? "<div class=\"notice\" role=\"status\"><p>Tỉnh chưa kết nối Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp; hãy nhập thông tin doanh nghiệp.</p></div>" : .empty
        }
    }

    func submitPage(_ req: Request, procedure p: ProcedureDTO, values: [String: String], applicant: Submission.Applicant,
                    agency: String?, errors: [String], notice: HTML = .empty) async throws -> Response {
        let d = p.definition
        var communePicker: HTML = .empty
        if d.receivingAgency == nil {
            let communes = try await Agency.query(on: req.db).filter(\.$level == .commune).sort(\.$shortName).all()
            communePicker = Components.select("Nộp tại (UBND cấp xã)", name: "agency",
                                              options: [("", "— Chọn xã, phường —")] + communes.map { ($0.code, $0.shortName) }, selected: agency)
        }
        let store = try await PersonalStore.documents(of: req.requireViewer().userID, on: req.db)
        let documents = Self.documentSlots(d).enumerated().html { i, slot -> HTML in
            """
            <fieldset class="document"><legend>\(slot.label)\(if: slot.required, HTML(" <span class=\"req\">(bắt buộc)</span>"))</legend>
            <div class="field"><label for="upload_\(i)">Tải tệp lên (PDF, JPEG, PNG, DOCX, XLSX; tối đa 10 MB)</label>
            <input id="upload_\(i)" name="upload_\(i)" type="file" accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx"></div>
            \(if: !store.isEmpty, Components.select("hoặc dùng giấy tờ trong Kho", name: "kho_\(i)",
                                                    options: [("", "— Không dùng —")] + store.map { ($0.id!.uuidString, "\($0.name) (\($0.fileName))") },
                                                    selected: values["kho_\(i)"]))
            </fieldset>
            """
        }
        let fields = d.form.filter { $0.type != .file }.html { f -> HTML in
            switch f.type {
            case .choice:
                return Components.select(f.label, name: "f_\(f.key)", options: [("", "— Chọn —")] + (f.options ?? []).map { ($0, $0) }, selected: values[f.key])
            default:
                let type = switch f.type { case .date: "date"; case .number: "number"; default: "text" }
                return Components.field(f.label, name: "f_\(f.key)", type: type, value: values[f.key], required: f.required,
                                        inputmode: f.type == .cccd ? "numeric" : nil)
            }
        }
        // Without script: a form of its own that reloads this page with the enterprise's details filled in.
        let businessLookup: HTML = req.application.nationalRegistry != nil && d.form.contains(where: { $0.key == "orgTaxCode" }) ? """
            <form method="get" action="\(SiteURL.submit(procedure: d.code).path)" class="narrow"><fieldset><legend>Tra cứu doanh nghiệp</legend>
            \(Components.field("Mã số doanh nghiệp", name: Self.taxCodeQuery, value: values["orgTaxCode"], inputmode: "numeric"))
            <button type="submit">Tra cứu và điền thông tin doanh nghiệp</button></fieldset></form>
            """ : .empty
        let main: HTML = """
        <p><a href="\(SiteURL.procedure(code: d.code).path)">← \(d.name)</a></p>
        <h1>Nộp hồ sơ trực tuyến</h1>
        <p>\(d.name) · thời hạn \(d.processingTime.label)</p>
        \(notice)
        \(businessLookup)
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.submit(procedure: d.code).path)" class="narrow" enctype="multipart/form-data" novalidate>
        \(Components.csrfField(req.csrfToken))
        <fieldset><legend>Người nộp</legend>
        \(Components.field("Họ và tên", name: "applicantName", value: applicant.name, required: true))
        \(Components.field("Số CCCD hoặc mã số thuế", name: "applicantIdentity", value: applicant.identity, required: true, inputmode: "numeric"))
        \(Components.field("Điện thoại", name: "applicantPhone", type: "tel", value: applicant.phone, required: true))
        \(Components.field("Thư điện tử", name: "applicantEmail", type: "email", value: applicant.email))
        </fieldset>
        \(communePicker)
        <fieldset><legend>Thông tin hồ sơ</legend>\(fields)</fieldset>
        <h2>Thành phần hồ sơ</h2>
        \(documents)
        <button type="submit">Nộp hồ sơ</button>
        </form>
        """
        return Layout.page(req, title: "Nộp hồ sơ", status: errors.isEmpty ? .ok : .unprocessableEntity, main: main)
    }

    /// The documents a submission needs, in the order the form shows them: the procedure's
    /// documents, then its file fields.
    static func documentSlots(_ d: ProcedureDefinition) -> [(document: String, label: String, required: Bool)] {
        d.documents.map { ($0.name, $0.name, $0.mandatory) } + d.form.filter { $0.type == .file }.map { ($0.key, $0.label, $0.required) }
    }

    /// The submission form: text fields by name, and the uploaded files (`upload_N`).
    struct SubmitForm: Decodable {
        var values: [String: String] = [:]
        var uploads: [String: File] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for key in c.allKeys {
                if key.stringValue.hasPrefix("upload_") {
                    if let f = try? c.decode(File.self, forKey: key), f.data.readableBytes > 0 { uploads[key.stringValue] = f }
                } else if let v = try? c.decode(String.self, forKey: key) {
                    values[key.stringValue] = v
                }
            }
        }
    }

    @Sendable func submit(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let p = try await ProcedureQueries.procedure(code: req.pathParameter("code"), on: req.db)
        let form = try req.content.decode(SubmitForm.self)
        let raw = form.values
        var values: [String: String] = [:]
        for (k, v) in raw where k.hasPrefix("f_") { values[String(k.dropFirst(2))] = v }
        var files: [SubmittedFile] = []
        for (i, slot) in Self.documentSlots(p.definition).enumerated() {
            if let upload = form.uploads["upload_\(i)"] {
                files.append(SubmittedFile(document: slot.document, fileName: upload.filename, content: Data(buffer: upload.data)))
            } else if let id = raw["kho_\(i)"].flatMap(UUID.init(uuidString:)) {
                files.append(SubmittedFile(document: slot.document, fromStore: id))
            }
        }
        let applicant = Submission.Applicant(name: raw["applicantName"] ?? "", identity: raw["applicantIdentity"] ?? "",
                                             phone: raw["applicantPhone"] ?? "", email: raw["applicantEmail"])
        let agency = raw["agency"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            let dossier = try await DossierService.submit(
                Submission(procedure: p.definition.code, applicant: applicant, summary: nil, form: values, agency: agency, files: files),
                channel: .online, by: viewer, idempotencyKey: nil, on: req)
            return req.redirect(to: SiteURL.dossier(code: dossier.code).path + "?moi=1")
        } catch let e as OneStopError {
            let problems: [String] = if case .invalid(let list) = e { list } else { [e.message] }
            var shown = values
            for (k, v) in raw where k.hasPrefix("kho_") { shown[k] = v }
            return try await submitPage(req, procedure: p, values: shown, applicant: applicant, agency: agency, errors: problems)
        }
    }

    @Sendable func mine(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let page = try await DossierQueries.mine(viewer, page: Paging(from: req), on: req.db)
        let main: HTML = """
        <h1>Hồ sơ của tôi</h1>
        \(Self.table(page.items, showApplicant: false))
        \(Components.pagination(base: .myDossiers, query: [], page: page.page, pageCount: page.pageCount, total: page.total))
        """
        return Layout.page(req, title: "Hồ sơ của tôi", main: main)
    }

    // MARK: Both sides

    @Sendable func detail(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        // Steps and agencies are read once and serve both the permission check and the page.
        let d = try await DossierService.find(req.pathParameter("code"), on: req.db)
        let steps = try await Processing.steps(of: d.requireID(), on: req.db)
        let ids = try await DossierService.agencyIDs(d, steps: steps, on: req.db)
        guard DossierService.canView(d, viewer, agencyIDs: ids) else { throw OneStopError.notYourDossier }
        let dto = try await DossierDTO.make(d, on: req.db)
        let mine = ActionForms.available(d, viewer, steps: steps, ids: ids)
        let actions = try await ActionForms.render(mine, dossier: d, steps: steps, ids: ids, on: req)
        let payments = try await Payments.all(dossierID: d.requireID(), on: req.db)
        let isNew = (try? req.query.get(String.self, at: "moi")) != nil
        let main: HTML = """
        <h1>Hồ sơ \(d.code)</h1>
        \(Components.facts([
            ("Thủ tục", "\(d.procedureName)"),
            ("Trạng thái", Components.badge(d.currentStatus.label, tone: d.currentStatus == .returned ? "ok" : "neutral")),
            ("Người nộp", "\(d.applicantName)"),
            ("Kênh", "\(Channel(rawValue: d.channel)?.label ?? "")"),
            ("Nộp lúc", "\(VietnamTime.display(d.submittedAt))"),
            ("Tiếp nhận lúc", d.receivedAt.map { "\(VietnamTime.display($0))" }),
            ("Hẹn trả kết quả", d.dueAt.map { "\(VietnamTime.display($0))" }),
            ("Kết quả", d.outcome.flatMap(Proposal.init(rawValue:)).map { $0 == .grant ? "Giải quyết" : "Từ chối giải quyết" }),
            ("Đánh giá", d.rating.flatMap(Rating.init(rawValue:)).map { "\($0.label)" }),
        ]))
        \(DossierForms.links(for: d, events: dto.history.map(\.action)))
        \(if: !mine.isEmpty, HTML("<h2>Thao tác</h2>\(actions)"))
        \(PaymentPages.section(d, payments: payments, viewer: viewer, csrf: req.csrfToken))
        \(ActionForms.stepsTable(steps))
        \(try await Self.files(req, dossier: d, viewer: viewer, ids: ids))
        <h2>Quá trình xử lý</h2>
        <ol class="timeline">\(dto.history.html { e in
            "<li><strong>\(VietnamTime.display(e.at))</strong> — \(e.actor): \(Self.eventLabel(e.action))\(e.comment.isEmpty ? "" : " — \(e.comment)") → \(DossierStatus(rawValue: e.toStatus)?.label ?? "")</li>"
        })</ol>
        \(if: !dto.auditIntact, HTML("<p role=\"alert\" class=\"error\">Cảnh báo: nhật ký xử lý của hồ sơ đã bị thay đổi ngoài hệ thống.</p>"))
        """
        return Layout.page(req, title: "Hồ sơ \(d.code)", flash: isNew ? "Đã nộp hồ sơ. Mã hồ sơ: \(d.code)" : nil, main: main)
    }

    static func eventLabel(_ action: String) -> String {
        if let a = DossierAction(rawValue: action) { return a.label }
        return switch action {
        case "submit": "Nộp hồ sơ"
        case "enter": "Nhập hồ sơ tại bộ phận một cửa"
        case "attach": "Đính kèm tệp"
        case "warn-late": "Cảnh báo sắp quá hạn"
        default: action
        }
    }

    static func files(_ req: Request, dossier d: Dossier, viewer: Viewer, ids: DossierService.AgencyIDs) async throws -> HTML {
        let files = try await Attachments.list(d, on: req.db)
        let canAdd = ![.notReceived, .stopped, .returned].contains(d.currentStatus)
        let isOfficial = d.applicantUserID != viewer.userID
        let mayAddResult = isOfficial && [.processing, .resolved].contains(d.currentStatus)
        let documents = try await ProcedureQueries.procedure(code: d.procedureCode, version: d.procedureVersion, on: req.db).definition
        let options = documents.documents.map(\.name) + documents.form.filter { $0.type == .file }.map(\.label) + ["Giấy tờ khác"]
        return """
        <h2>Tệp đính kèm</h2>
        \(files.isEmpty ? "<p>Chưa có tệp.</p>" : "<ul>\(files.html { f in "<li>\(AttachmentPurpose(rawValue: f.purpose)?.label ?? "") — \(f.document): <a href=\"\(SiteURL.dossierFile(code: d.code, id: f.id!.uuidString).path)\">\(f.fileName)</a> (\(f.size / 1024 + 1) KB)\(f.electronicResult ? " · kết quả điện tử" : "")\(f.digitised ? " · bản số hoá" : "")\(f.reused ? " · lấy từ Kho" : "")</li>" })</ul>")
        \(if: canAdd, HTML("""
        <form method="post" action="\(SiteURL.dossierFiles(code: d.code).path)" enctype="multipart/form-data" class="narrow">
        \(Components.csrfField(req.csrfToken))
        \(Components.select("Giấy tờ", name: "document", options: (mayAddResult ? [documents.result] : []).map { ($0, "Kết quả: \($0)") } + options.map { ($0, $0) }, selected: nil))
        \(if: mayAddResult, HTML("<div class=\"field\"><label><input type=\"checkbox\" name=\"electronicResult\" value=\"1\"> Là kết quả điện tử (đã ký số, có giá trị như bản giấy)</label></div>"))
        <div class="field"><label for="file">Tệp (PDF, JPEG, PNG, DOCX, XLSX; tối đa 10 MB)</label><input id="file" name="file" type="file" required accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx"></div>
        <button type="submit" class="secondary">Tải tệp lên</button>
        </form>
        """))
        """
    }

    struct UploadForm: Content {
        var document: String?
        var file: File?
        var electronicResult: String?
    }

    @Sendable func upload(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let code = try req.pathParameter("code")
        let form = try req.content.decode(UploadForm.self)
        guard let file = form.file else { throw OneStopError.fileRejected("Chưa chọn tệp.") }
        let d = try await DossierService.view(code, by: viewer, on: req.db)
        let result = try await ProcedureQueries.procedure(code: d.procedureCode, version: d.procedureVersion, on: req.db).definition.result
        let isResult = d.applicantUserID != viewer.userID && form.document == result
        _ = try await Attachments.add(code: code, data: Data(buffer: file.data), fileName: file.filename, document: form.document ?? "",
                                      purpose: isResult ? .result : nil, electronicResult: isResult && form.electronicResult != nil,
                                      by: viewer, on: req)
        return req.redirect(to: SiteURL.dossier(code: code).path)
    }

    @Sendable func file(_ req: Request) async throws -> Response {
        guard let id = UUID(uuidString: try req.pathParameter("id")) else { throw OneStopError.attachmentNotFound }
        return try await Attachments.download(code: req.pathParameter("code"), id: id, by: req.requireViewer(), on: req)
    }

    @Sendable func act(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let code = try req.pathParameter("code")
        let raw = try req.content.decode([String: String].self)
        guard let action = DossierAction(rawValue: raw["action"] ?? "") else { throw OneStopError.unknownAction(raw["action"] ?? "") }
        _ = try await DossierService.perform(action, code: code, ActionForms.input(action, from: raw), by: viewer, on: req)
        return req.redirect(to: SiteURL.dossier(code: code).path)
    }

    // MARK: Officials

    @Sendable func queue(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let queue = try req.queryEnum(DossierQueries.Queue.self, "hang") ?? .toReceive
        let q = try req.queryString("q", maxLength: 60)
        let page = if let q {
            try await DossierQueries.search(q, for: viewer, page: Paging(from: req), on: req.db)
        } else {
            try await DossierQueries.queue(queue, for: viewer, now: req.now, page: Paging(from: req), on: req.db)
        }
        let tabs = DossierQueries.Queue.allCases.html { q in
            q == queue ? "<strong aria-current=\"page\">\(q.label)</strong>" : "<a href=\"\(SiteURL.officerQueue.with(query: [("hang", q.rawValue)]))\">\(q.label)</a>"
        }
        let main: HTML = """
        <h1>Hồ sơ — \(q.map { "tìm “\($0)”" } ?? queue.label)</h1>
        <form method="get" action="\(SiteURL.officerQueue.path)" role="search" class="search-row">
        <label class="visually-hidden" for="q">Tìm theo mã hồ sơ, số CCCD/mã số thuế hoặc mã thủ tục</label>
        <input id="q" name="q" type="search" value="\(q ?? "")" placeholder="Mã hồ sơ, số CCCD, mã thủ tục">
        <button type="submit">Tìm</button>
        </form>
        <nav class="pager" aria-label="Hàng hồ sơ">\(tabs)</nav>
        <p><a href="\(SiteURL.dossierRegisterPage.path)">Sổ theo dõi hồ sơ (Mẫu 07)</a></p>
        \(Self.table(page.items, showApplicant: true))
        \(Components.pagination(base: .officerQueue, query: [("hang", q == nil ? queue.rawValue : nil), ("q", q)], page: page.page, pageCount: page.pageCount, total: page.total))
        """
        return Layout.page(req, title: "Hồ sơ", main: main)
    }
}

