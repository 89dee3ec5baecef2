import Directory
import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// The printable forms of TT 03/2025/TT-VPCP: Mẫu 01 receipt and appointment, 02 supplement
/// request, 03 refusal, 04 apology and new appointment, 05 stop notice, 06 process-control sheet,
/// and 07 the register (sổ theo dõi hồ sơ) as a printable page and as CSV.
struct DossierForms: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.dossierForm(code: ":code", number: ":number").route, use: form)
        routes.grouped(RequireViewer.official).get(SiteURL.dossierRegister.route, use: register)
        routes.grouped(RequireViewer.official).get(SiteURL.dossierRegisterPage.route, use: registerPage)
    }

    enum Form: String, CaseIterable {
        case receipt = "01", supplement = "02", refusal = "03", apology = "04", stop = "05", control = "06"

        var title: String {
            switch self {
            case .receipt: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
            case .supplement: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
            case .refusal: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
            case .stop: "THÔNG BÁO VỀ VIỆC DỪNG GIẢI QUYẾT HỒ SƠ"
            case .apology: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
            case .control: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
            }
        }

        /// The audit action after which the form exists.
        var action: String {
            switch self {
            case .receipt, .control: "receive"
            case .supplement: DossierAction.requestSupplement.rawValue
            case .refusal: DossierAction.refuse.rawValue
            case .stop: DossierAction.stop.rawValue
            case .apology: DossierAction.apologize.rawValue
            }
        }
    }

    static func links(for d: Dossier, events: [String]) -> HTML {
        let available = Form.allCases.filter { events.contains($0.action) || ([.receipt, .control].contains($0) && d.receivedAt != nil) }
        guard !available.isEmpty else { return .empty }
        return "<ul>\(available.html { f in "<li><a href=\"\(SiteURL.dossierForm(code: d.code, number: f.rawValue).path)\">\(f.title.capitalizedFirst) (Mẫu \(f.rawValue))</a></li>" })</ul>"
    }

    @Sendable func form(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let d = try await DossierService.view(req.pathParameter("code"), by: viewer, on: req.db)
        guard let form = Form(rawValue: try req.pathParameter("number")) else { throw RequestError.notFound(what: "mẫu phiếu") }
        let event = try await DossierEvent.query(on: req.db).filter(\.$dossierID == d.requireID()).filter(\.$action == form.action)
            .sort(\.$seq, .descending).first()
        guard [.receipt, .control].contains(form) ? d.receivedAt != nil : event != nil else {
            throw OneStopError.actionNotAllowed(action: "In \(form.title.lowercased())", status: d.currentStatus.label)
        }
        let agency = try await Agency.query(on: req.db).filter(\.$code == d.receivingAgency).first()
        let agencyName = agency?.name ?? d.receivingAgency
        let lookupURL = req.application.lookupBaseURL + SiteURL.lookup.with(query: [("ma", d.code)])
        let body: HTML
        switch form {
        case .receipt:
            let qr = (try? QRCode(lookupURL))?.svg(moduleSize: 3, title: "Mã QR tra cứu hồ sơ \(d.code)") ?? ""
            body = """
            <p>Thời gian nhận hồ sơ: \(VietnamTime.display(d.receivedAt))</p>
            <p>Thời gian trả kết quả giải quyết hồ sơ: <strong>\(VietnamTime.display(d.dueAt))</strong></p>
            <p>Đăng ký nhận kết quả tại: \(agencyName)</p>
            <div class="qr">\(HTML(unsafeRaw: qr))<p>Tra cứu tình trạng hồ sơ: \(lookupURL)</p></div>
            """
        case .supplement:
            body = """
            <p>Hồ sơ cần bổ sung, hoàn thiện các nội dung sau:</p>
            <p><strong>\(event?.comment ?? "")</strong></p>
            <p>Lý do: hồ sơ chưa đầy đủ, hợp lệ theo quy định. Thời hạn giải quyết được tính lại từ khi nhận đủ hồ sơ.</p>
            <p>Ngày yêu cầu: \(VietnamTime.display(event?.at))</p>
            """
        case .apology:
            body = """
            <p>Hẹn trả kết quả ban đầu: \(VietnamTime.display(d.originalDueAt))</p>
            <p>Hồ sơ chưa được giải quyết đúng hạn. Lý do: <strong>\(event?.comment ?? "")</strong></p>
            <p>Cơ quan xin lỗi ông/bà và hẹn lại thời gian trả kết quả: <strong>\(VietnamTime.display(d.dueAt))</strong></p>
            """
        case .stop:
            body = """
            <p>Theo đề nghị của người nộp hồ sơ, cơ quan dừng giải quyết hồ sơ với nội dung:</p>
            <p><strong>\(event?.comment ?? "")</strong></p>
            <p>Ngày dừng giải quyết: \(VietnamTime.display(event?.at))</p>
            """
        case .control:
            // Each handover as it happened, and each processing step against its own deadline.
            let events = try await DossierEvent.query(on: req.db).filter(\.$dossierID == d.requireID()).sort(\.$seq).all()
            let steps = try await Processing.steps(of: d.requireID(), on: req.db).filter { $0.currentKind == .process && $0.startedAt != nil }
            body = """
            <table class="bordered"><thead><tr><th scope="col">Thời gian</th><th scope="col">Người thực hiện</th><th scope="col">Nội dung</th><th scope="col">Trạng thái sau</th></tr></thead>
            <tbody>\(events.html { e in
                "<tr><td>\(VietnamTime.display(e.at))</td><td>\(e.actorName)</td><td>\(DossierPages.eventLabel(e.action))\(e.comment.isEmpty ? "" : ": \(e.comment)")</td><td>\(DossierStatus(rawValue: e.toStatus)?.label ?? "")</td></tr>"
            })</tbody></table>
            <table class="bordered"><thead><tr><th scope="col">Bước</th><th scope="col">Đơn vị</th><th scope="col">Nhận lúc</th><th scope="col">Hạn</th><th scope="col">Xong lúc</th><th scope="col">Kết quả</th></tr></thead>
            <tbody>\(steps.html { s in
                let timely = s.finishedAt.map { f in s.dueAt.map { f <= $0 ? "Đúng hạn" : "Quá hạn" } ?? "" } ?? ((s.dueAt ?? .distantFuture) < req.now ? "Đang quá hạn" : "Đang xử lý")
                return "<tr><td>\(s.name)</td><td>\(s.agencyName)</td><td>\(VietnamTime.display(s.startedAt))</td><td>\(VietnamTime.display(s.dueAt))</td><td>\(VietnamTime.display(s.finishedAt))</td><td>\(timely)</td></tr>"
            })</tbody></table>
            """
        case .refusal:
            body = """
            <p>Sau khi xem xét, đối chiếu thành phần hồ sơ, cơ quan tiếp nhận từ chối tiếp nhận hồ sơ với lý do:</p>
            <p><strong>\(event?.comment ?? "")</strong></p>
            <p>Ngày từ chối: \(VietnamTime.display(event?.at))</p>
            """
        }
        let main: HTML = """
        <article class="form-print">
        <p class="center"><strong>\(agencyName.uppercased())</strong></p>
        <p class="center"><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br>Độc lập - Tự do - Hạnh phúc</p>
        <h1 class="center">\(form.title)</h1>
        <p class="center">Mẫu \(form.rawValue) · Mã hồ sơ: <strong>\(d.code)</strong></p>
        <p>\(agencyName) \(form == .receipt ? "tiếp nhận" : "đã nhận") hồ sơ của: <strong>\(d.applicantName)</strong> — số giấy tờ: \(d.applicantIdentity) — điện thoại: \(d.applicantPhone)</p>
        <p>Nội dung yêu cầu giải quyết: \(d.procedureName)</p>
        \(body)
        </article>
        <p class="no-print"><a href="\(SiteURL.dossier(code: d.code).path)">← Hồ sơ \(d.code)</a></p>
        """
        return Layout.page(req, title: "Mẫu \(form.rawValue) · \(d.code)", main: main)
    }

    /// Sổ theo dõi hồ sơ (Mẫu 07): the dossiers of the viewer's agencies submitted in [from, to] (Vietnam dates).
    static func registerRows(_ req: Request) async throws -> (from: Date, to: Date, rows: [[String]]) {
        let viewer = try req.requireViewer()
        let from = try req.queryString("from").map { try Self.day($0, "from") } ?? req.now.addingTimeInterval(-30 * 86_400)
        let to = try req.queryString("to").map { try Self.day($0, "to").addingTimeInterval(86_400) } ?? req.now.addingTimeInterval(86_400)
        let agencyIDs = Set(viewer.grants.compactMap(\.agencyID))
        let codes = agencyIDs.isEmpty ? [] : try await Agency.query(on: req.db).filter(\.$id ~~ agencyIDs).all().map(\.code)
        let dossiers = try await Dossier.query(on: req.db)
            .group(.or) { $0.filter(\.$receivingAgency ~~ codes).filter(\.$decidingAgency ~~ codes) }
            .filter(\.$submittedAt >= from).filter(\.$submittedAt < to)
            .sort(\.$submittedAt).limit(10_000).all()
        let rows = dossiers.enumerated().map { i, d in
            [String(i + 1), d.code, d.procedureName, d.applicantName, d.applicantIdentity, d.applicantPhone,
             Channel(rawValue: d.channel)?.label ?? "", VietnamTime.display(d.submittedAt), VietnamTime.display(d.receivedAt),
             VietnamTime.display(d.dueAt), VietnamTime.display(d.finishedAt), VietnamTime.display(d.returnedAt), d.currentStatus.label]
        }
        return (from, to, rows)
    }

    static let registerColumns = ["STT", "Mã hồ sơ", "Tên thủ tục", "Người nộp", "Số giấy tờ", "Điện thoại", "Kênh", "Ngày nộp", "Ngày tiếp nhận",
                                  "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả", "Trạng thái"]

    @Sendable func register(_ req: Request) async throws -> Response {
        CSV.response(filename: "so-theo-doi-ho-so.csv", header: Self.registerColumns, rows: try await Self.registerRows(req).rows)
    }

    /// The register as a printable A4 page (Mẫu 07), with the same period filter as the CSV.
    @Sendable func registerPage(_ req: Request) async throws -> Response {
        let (from, to, rows) = try await Self.registerRows(req)
        let query: [(String, String?)] = [("from", try req.queryString("from")), ("to", try req.queryString("to"))]
        let main: HTML = """
        <article class="form-print wide">
        <h1 class="center">SỔ THEO DÕI HỒ SƠ</h1>
        <p class="center">Mẫu 07 · từ \(VietnamTime.display(from)) đến \(VietnamTime.display(to.addingTimeInterval(-1)))</p>
        <form method="get" action="\(SiteURL.dossierRegisterPage.path)" class="search-row no-print">
        \(Components.field("Từ ngày", name: "from", type: "date", value: try req.queryString("from")))
        \(Components.field("Đến ngày", name: "to", type: "date", value: try req.queryString("to")))
        <button type="submit">Xem</button></form>
        <p class="no-print"><a href="\(SiteURL.dossierRegister.with(query: query))">Tải về CSV</a></p>
        <div class="table-wrap"><table class="bordered"><thead><tr>\(Self.registerColumns.html { "<th scope=\"col\">\($0)</th>" })</tr></thead>
        <tbody>\(rows.html { r in "<tr>\(r.html { "<td>\($0)</td>" })</tr>" })</tbody></table></div>
        </article>
        """
        return Layout.page(req, title: "Sổ theo dõi hồ sơ", main: main)
    }

    static func day(_ text: String, _ name: String) throws -> Date {
        guard let d = VietnamTime.startOfDay(text) else { throw RequestError.badParameter(name: name, reason: "cần ngày dạng YYYY-MM-DD") }
        return d
    }
}

extension String {
    /// "GIẤY TIẾP NHẬN" → "Giấy tiếp nhận".
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst().lowercased() }
}

extension Application {
    private struct LookupBaseKey: StorageKey { typealias Value = String }
    /// Where the public lookup is reached from outside (the printed QR code points there).
    public var lookupBaseURL: String {
        get { storage[LookupBaseKey.self] ?? "" }
        set { storage[LookupBaseKey.self] = newValue }
    }
}
