import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// Editing a procedure: the structured parts (documents, form, workflow, fees) are edited as
/// JSON, the rest as plain fields. Each save makes a new version.
struct ProcedureAdminPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped(RequireViewer.admin)
        admin.get(SiteURL.adminProcedure(code: ":code").route, use: edit)
        admin.post(SiteURL.adminProcedure(code: ":code").route, use: save)
    }

    struct Form: Content {
        var code: String?
        var name: String?
        var field: String?
        var levels: [String]?
        var receivingAgency: String?
        var decidingAgency: String?
        var workingDays: String?
        var workingHours: String?
        var processingNote: String?
        var onlineLevel: String?
        var applicants: String?
        var steps: String?
        var result: String?
        var legalBasis: String?
        var fees: String?
        var documents: String?
        var formFields: String?
        var workflow: String?
    }

    static let newCode = "moi"

    static func pretty<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes, .sortedKeys]
        return (try? String(decoding: e.encode(value), as: UTF8.self)) ?? ""
    }

    static func form(from d: ProcedureDefinition) -> Form {
        Form(code: d.code, name: d.name, field: d.field, levels: d.levels, receivingAgency: d.receivingAgency, decidingAgency: d.decidingAgency,
             workingDays: d.processingTime.workingDays.map { String($0) }, workingHours: d.processingTime.workingHours.map { String($0) },
             processingNote: d.processingNote, onlineLevel: d.onlineLevel.rawValue, applicants: d.applicants, steps: d.steps, result: d.result,
             legalBasis: d.legalBasis.joined(separator: "\n"), fees: pretty(d.fees), documents: pretty(d.documents),
             formFields: pretty(d.form), workflow: pretty(d.workflow))
    }

    @Sendable func edit(_ req: Request) async throws -> Response {
        let code = try req.pathParameter("code")
        if code == Self.newCode {
            return page(req, code: nil, form: Form(levels: ["province"], workingDays: "5", onlineLevel: "partial", fees: "[]", documents: "[]", formFields: "[]", workflow: "[]"), errors: [])
        }
        let p = try await ProcedureQueries.procedure(code: code, on: req.db)
        return page(req, code: code, form: Self.form(from: p.definition), errors: [], version: p.version)
    }

    func page(_ req: Request, code: String?, form f: Form, errors: [String], version: Int? = nil) -> Response {
        let levels = Set(f.levels ?? [])
        let main: HTML = """
        <h1>\(code == nil ? "Thêm thủ tục hành chính" : "Sửa thủ tục \(code ?? "")")</h1>
        \(if: version != nil, HTML("<p>Đang ở phiên bản \(version ?? 0). Lưu sẽ tạo phiên bản mới; hồ sơ đã nộp theo phiên bản cũ không thay đổi.</p>"))
        \(Components.errorSummary(errors))
        <form method="post" action="\(SiteURL.adminProcedure(code: code ?? Self.newCode).path)">
        \(Components.csrfField(req.csrfToken))
        \(if: code == nil, Components.field("Mã thủ tục", name: "code", value: f.code, required: true, hint: "Dạng d.dddddd, theo Cơ sở dữ liệu quốc gia về thủ tục hành chính"))
        \(Components.field("Tên thủ tục", name: "name", value: f.name, required: true))
        \(Components.field("Mã lĩnh vực", name: "field", value: f.field, required: true))
        <fieldset><legend>Cấp thực hiện</legend>
        <label><input type="checkbox" name="levels[]" value="province"\(if: levels.contains("province"), HTML(" checked"))> Cấp tỉnh</label>
        <label><input type="checkbox" name="levels[]" value="commune"\(if: levels.contains("commune"), HTML(" checked"))> Cấp xã</label>
        </fieldset>
        \(Components.field("Mã cơ quan tiếp nhận", name: "receivingAgency", value: f.receivingAgency, hint: "Để trống: UBND cấp xã nơi nộp hồ sơ"))
        \(Components.field("Mã cơ quan giải quyết", name: "decidingAgency", value: f.decidingAgency, hint: "Để trống: UBND cấp xã nơi nộp hồ sơ"))
        \(Components.field("Thời hạn (ngày làm việc)", name: "workingDays", value: f.workingDays, inputmode: "decimal"))
        \(Components.field("Hoặc thời hạn (giờ làm việc)", name: "workingHours", value: f.workingHours, inputmode: "numeric"))
        \(Components.field("Ghi chú thời hạn", name: "processingNote", value: f.processingNote))
        \(Components.select("Mức độ trực tuyến", name: "onlineLevel", options: ProcedureDefinition.OnlineLevel.allCases.map { ($0.rawValue, $0.label) }, selected: f.onlineLevel))
        \(Components.textArea("Đối tượng thực hiện", name: "applicants", value: f.applicants, rows: 2))
        \(Components.textArea("Trình tự thực hiện", name: "steps", value: f.steps, rows: 4))
        \(Components.textArea("Kết quả", name: "result", value: f.result, rows: 2))
        \(Components.textArea("Căn cứ pháp lý (mỗi dòng một văn bản)", name: "legalBasis", value: f.legalBasis, rows: 4))
        \(Components.textArea("Phí, lệ phí (JSON)", name: "fees", value: f.fees, hint: "[{\"name\": \"Lệ phí\", \"amount\": 50000, \"note\": null}]"))
        \(Components.textArea("Thành phần hồ sơ (JSON)", name: "documents", value: f.documents, rows: 10, hint: "[{\"name\", \"originals\", \"copies\", \"mandatory\", \"template\"}]"))
        \(Components.textArea("Trường biểu mẫu điện tử (JSON)", name: "formFields", value: f.formFields, rows: 10, hint: "type: text, number, date, choice, address, cccd, file"))
        \(Components.textArea("Quy trình xử lý (JSON)", name: "workflow", value: f.workflow, rows: 8, hint: "[{\"name\", \"role\", \"agency\": \"receiving\"|\"deciding\", \"workingHours\"}]"))
        <button type="submit">Lưu phiên bản mới</button>
        </form>
        """
        return Layout.page(req, title: "Sửa thủ tục", status: errors.isEmpty ? .ok : .badRequest, main: main)
    }

    @Sendable func save(_ req: Request) async throws -> Response {
        let pathCode = try req.pathParameter("code")
        let f = try req.content.decode(Form.self)
        let code = pathCode == Self.newCode ? (f.code ?? "").trimmingCharacters(in: .whitespaces) : pathCode
        if pathCode != Self.newCode { _ = try await ProcedureQueries.procedure(code: pathCode, on: req.db) }
        var errors: [String] = []
        func json<T: Decodable>(_ text: String?, _ label: String, _ type: T.Type) -> T? {
            do { return try JSONDecoder().decode(T.self, from: Data((text ?? "[]").utf8)) } catch {
                errors.append("\(label): JSON không hợp lệ.")
                return nil
            }
        }
        func clean(_ s: String?) -> String? { s.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 } }
        let fees = json(f.fees, "Phí, lệ phí", [ProcedureDefinition.Fee].self)
        let documents = json(f.documents, "Thành phần hồ sơ", [ProcedureDefinition.RequiredDocument].self)
        let formFields = json(f.formFields, "Trường biểu mẫu", [ProcedureDefinition.FormField].self)
        let workflow = json(f.workflow, "Quy trình xử lý", [ProcedureDefinition.WorkflowStep].self)
        let days = clean(f.workingDays).map { Double($0.replacingOccurrences(of: ",", with: ".")) }
        let hours = clean(f.workingHours).map { Int($0) }
        if case .some(.none) = days { errors.append("Thời hạn theo ngày phải là số.") }
        if case .some(.none) = hours { errors.append("Thời hạn theo giờ phải là số nguyên.") }
        guard let online = ProcedureDefinition.OnlineLevel(rawValue: f.onlineLevel ?? "") else {
            throw RequestError.badParameter(name: "onlineLevel", reason: "không hợp lệ")
        }
        if errors.isEmpty, let fees, let documents, let formFields, let workflow {
            let d = ProcedureDefinition(
                code: code, name: f.name ?? "", field: (f.field ?? "").uppercased(), levels: f.levels ?? [],
                receivingAgency: clean(f.receivingAgency)?.uppercased(), decidingAgency: clean(f.decidingAgency)?.uppercased(),
                processingTime: .init(workingDays: days ?? nil, workingHours: hours ?? nil), processingNote: clean(f.processingNote),
                fees: fees, legalBasis: (f.legalBasis ?? "").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                applicants: f.applicants ?? "", steps: f.steps ?? "", documents: documents, form: formFields,
                onlineLevel: online, result: f.result ?? "", workflow: workflow)
            if pathCode == Self.newCode, try await Procedure.query(on: req.db).filter(\.$code == code).count() > 0 {
                errors.append("Mã thủ tục “\(code)” đã có trong danh mục.")
            } else {
                do {
                    let (by, now) = (req.viewer?.userID, req.now)
                    _ = try await req.application.groupCommit.transaction { db in try await ProcedureCatalog.save(d, by: by, now: now, on: db) }
                    req.application.procedureDefinitions.forgetCurrent(code: code)
                    return req.redirect(to: SiteURL.procedure(code: code).path)
                } catch ProceduresError.invalid(let problems) {
                    errors += problems
                }
            }
        }
        return page(req, code: pathCode == Self.newCode ? nil : pathCode, form: f, errors: errors)
    }
}
