import Directory
import Fluent
import Foundation
import Identity
import Kernel
import Procedures
import Vapor
import WebUI

/// The forms for the actions the viewer may take on a dossier, and reading them back into an
/// `ActionInput`. Field names carry the action's name so several forms can share a page.
enum ActionForms {
    /// The actions `viewer` may take now.
    static func available(_ d: Dossier, _ viewer: Viewer, steps: [DossierStep], ids: DossierService.AgencyIDs) -> [DossierAction] {
        let resume = d.resumeStatus.flatMap(DossierStatus.init(rawValue:))
        return DossierAction.allCases.filter { a in
            Lifecycle.next(from: d.currentStatus, a, resumeTo: resume) != nil
                && DossierService.may(a, viewer, d, ids, steps)
                && (a != .rate || d.rating == nil)
                && (a != .apologize || (d.originalDueAt == nil && d.dueAt != nil))
        }
    }

    static let needsReason: Set<DossierAction> = [.refuse, .requestSupplement, .stop, .apologize, .sendBack]

    static func render(_ actions: [DossierAction], dossier d: Dossier, steps: [DossierStep], ids: DossierService.AgencyIDs,
                       on req: Request) async throws -> HTML {
        var forms: [HTML] = []
        for a in actions {
            let n = a.rawValue
            var fields: HTML = .empty
            switch a {
            case _ where needsReason.contains(a):
                fields = Components.textArea("Lý do", name: "comment-\(n)", value: nil, rows: 2)
                if a == .apologize {
                    fields = "\(fields)\(Components.field("Ngày hẹn trả mới", name: "newDue-\(n)", type: "date", required: true, hint: "Trả trước 17:00 ngày này"))"
                }
            case .assign:
                let step = Processing.step(for: a, try req.requireViewer(), in: steps, agencyIDs: ids.byCode)
                let people = try await specialists(of: step.flatMap { ids.byCode[$0.agencyCode] }, on: req.db)
                fields = Components.select("Chuyên viên", name: "assignee-\(n)", options: people.map { ($0.0.uuidString, $0.1) }, selected: step?.assigneeID?.uuidString)
            case .propose:
                fields = """
                <fieldset><legend>Đề xuất</legend>\(Proposal.allCases.html { p in
                    "<label><input type=\"radio\" name=\"proposal-\(n)\" value=\"\(p.rawValue)\"\(if: p == .grant, HTML(" checked"))> \(p.label)</label> "
                })</fieldset>
                \(Components.textArea("Ý kiến thẩm định", name: "comment-\(n)", value: nil, rows: 3))
                """
            case .consult:
                let agencies = try await Agency.query(on: req.db).filter(\.$level == .province).sort(\.$name).all()
                fields = """
                \(Components.select("Đơn vị được lấy ý kiến", name: "agency-\(n)", options: agencies.map { ($0.code, $0.name) }, selected: nil))
                \(Components.field("Thời hạn trả lời (ngày làm việc)", name: "workingDays-\(n)", type: "number", value: "3", required: true))
                \(Components.textArea("Nội dung xin ý kiến", name: "comment-\(n)", value: nil, rows: 2))
                """
            case .reply:
                fields = Components.textArea("Ý kiến của đơn vị", name: "comment-\(n)", value: nil, rows: 3)
            case .requestPayment:
                let fees = try await ProcedureQueries.procedure(code: d.procedureCode, version: d.procedureVersion, on: req.db).definition.fees
                let rows = Array((fees.map { ($0.name, String($0.amount)) } + [("", ""), ("", "")]).prefix(4).enumerated())
                let inputs = rows.html { i, row -> HTML in
                    """
                    \(Components.field("Khoản \(i + 1)", name: "feeName\(i)-\(n)", value: row.0))
                    \(Components.field("Số tiền khoản \(i + 1)", name: "feeAmount\(i)-\(n)", type: "number", value: row.1, inputmode: "numeric"))
                    """
                }
                fields = "<fieldset><legend>Các khoản phí, lệ phí (đồng)</legend>\(inputs)</fieldset>"
            case .recordPayment:
                fields = """
                \(Components.select("Hình thức nộp", name: "paymentMethod-\(n)", options: [PaymentMethod.cash, .transfer].map { ($0.rawValue, $0.label) }, selected: nil))
                \(Components.field("Số biên lai", name: "receiptNumber-\(n)", required: true))
                """
            case .returnResult:
                fields = Components.select("Hình thức trả", name: "returnMethod-\(n)", options: ReturnMethod.allCases.map { ($0.rawValue, $0.label) }, selected: nil)
            case .rate:
                let radios = Rating.allCases.reversed().html { r -> HTML in
                    "<label><input type=\"radio\" name=\"rating-\(n)\" value=\"\(r.rawValue)\" required> \(r.label)</label> "
                }
                fields = "<fieldset><legend>Mức độ hài lòng</legend>\(radios)</fieldset>"
            case .approve:
                fields = Components.textArea("Ý kiến (nếu có)", name: "comment-\(n)", value: nil, rows: 2)
            default:
                break
            }
            forms.append("""
            <form method="post" action="\(SiteURL.dossierAction(code: d.code).path)" class="action" id="form-\(n)">
            \(Components.csrfField(req.csrfToken))<input type="hidden" name="action" value="\(n)">
            \(fields)
            <button type="submit">\(a.label)</button></form>
            """)
        }
        return forms.html { $0 }
    }

    /// The specialists of an agency, as (user id, name).
    static func specialists(of agencyID: UUID?, on db: any Database) async throws -> [(UUID, String)] {
        guard let agencyID else { return [] }
        return try await Accounts.holders(of: Role.specialist, in: agencyID, on: db)
    }

    /// The submitted form, read as the input of `action`.
    static func input(_ action: DossierAction, from raw: [String: String]) throws -> ActionInput {
        let n = action.rawValue
        func value(_ key: String) -> String? { raw["\(key)-\(n)"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
        var input = ActionInput(comment: value("comment") ?? "")
        input.rating = value("rating").flatMap { Int($0) }
        if let day = value("newDue") { input.newDue = try DossierForms.day(day, "newDue").addingTimeInterval(17 * 3600) }
        input.assignee = value("assignee").flatMap(UUID.init(uuidString:))
        input.proposal = value("proposal").flatMap(Proposal.init(rawValue:))
        input.agency = value("agency")
        input.workingDays = value("workingDays").flatMap { Int($0) }
        input.paymentMethod = value("paymentMethod").flatMap(PaymentMethod.init(rawValue:))
        input.receiptNumber = value("receiptNumber")
        input.returnMethod = value("returnMethod").flatMap(ReturnMethod.init(rawValue:))
        if action == .requestPayment {
            input.fees = try (0..<4).compactMap { i -> FeeItem? in
                guard let name = value("feeName\(i)") else { return nil }
                guard let amount = value("feeAmount\(i)").flatMap({ Int($0.filter(\.isNumber)) }) else {
                    throw OneStopError.invalid(["Khoản “\(name)” cần số tiền."])
                }
                return FeeItem(name: name, amount: amount)
            }
        }
        return input
    }

    /// The steps of the processing, as the officials and the applicant follow them.
    static func stepsTable(_ steps: [DossierStep]) -> HTML {
        guard !steps.isEmpty else { return .empty }
        return """
        <h2>Các bước xử lý</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Bước</th><th scope="col">Đơn vị</th><th scope="col">Người xử lý</th><th scope="col">Trạng thái</th><th scope="col">Hạn</th><th scope="col">Ý kiến</th></tr></thead>
        <tbody>\(steps.html { s in
            """
            <tr><td>\(s.name)\(if: s.currentKind == .process && !s.lead, HTML(" (phối hợp)"))\(if: s.question != nil, HTML(": \(s.question ?? "")"))</td><td>\(s.agencyName)</td><td>\(s.finishedBy ?? s.assigneeName ?? "—")</td><td>\(s.currentStatus.label)</td><td>\(VietnamTime.display(s.dueAt))</td><td>\(s.proposal.flatMap(Proposal.init(rawValue:)).map { "\($0.label): " } ?? "")\(s.opinion)</td></tr>
            """
        })</tbody></table></div>
        """
    }
}
