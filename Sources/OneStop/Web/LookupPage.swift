import Foundation
import Kernel
import Vapor
import WebUI

/// Tra cứu hồ sơ: anyone with a dossier code sees its procedure, status and due date — nothing
/// about the applicant.
struct LookupPage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.lookup.route, use: lookup)
    }

    @Sendable func lookup(_ req: Request) async throws -> Response {
        let code = try req.queryString("ma", maxLength: 60)
        var result: HTML = .empty
        var status = HTTPResponseStatus.ok
        if let code {
            do {
                let d = try await DossierService.find(code.uppercased(), on: req.db)
                let due = d.dueAt.map { VietnamTime.display($0) }
                result = Components.facts([
                    ("Mã hồ sơ", "\(d.code)"),
                    ("Thủ tục", "\(d.procedureName)"),
                    ("Trạng thái", Components.badge(d.currentStatus.label, tone: d.currentStatus == .returned ? "ok" : "neutral")),
                    ("Hẹn trả kết quả", due.map { "\($0)" }),
                ])
            } catch let e as OneStopError {
                status = e.status
                result = Components.errorSummary([e.message])
            }
        }
        let main: HTML = """
        <h1>Tra cứu hồ sơ</h1>
        <form method="get" action="\(SiteURL.lookup.path)" role="search" class="narrow">
        \(Components.field("Mã hồ sơ", name: "ma", value: code, required: true, hint: "In trên giấy tiếp nhận, ví dụ H42.30-260310-0007"))
        <button type="submit">Tra cứu</button>
        </form>
        \(result)
        """
        return Layout.page(req, title: "Tra cứu hồ sơ", status: status, main: main)
    }
}
