import Fluent
import Foundation
import Identity
import Kernel
import OneStop
import Procedures
import Testing
import TestSupport
import Vapor
import WebUI

/// Drives dossiers through the real lifecycle at instants the test chooses.
struct World {
    let app: Application
    let req: Request
    let citizen: Viewer, desk: Viewer, specialist: Viewer, leader: Viewer

    static let pdf = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    /// Thành lập chi nhánh (Sở Tài chính, 3 working days, full online); the demo has no dossier of it.
    static let procedure = "2.002020"

    init(_ app: Application) async throws {
        self.app = app
        req = Request(application: app, on: app.eventLoopGroup.next())
        func viewer(_ login: String) async throws -> Viewer {
            let user = try #require(try await User.query(on: app.db).group(.or) { $0.filter(\.$username == login).filter(\.$identityNumber == login) }.first())
            return try #require(try await Identity.viewer(userID: user.requireID(), on: app.db))
        }
        citizen = try await viewer("025090000001")
        desk = try await viewer("motcua.tinh")
        specialist = try await viewer("chuyenvien.taichinh")
        leader = try await viewer("lanhdao.taichinh")
    }

    /// 09:00 (or `hour`) in Vietnam on a day of 2027.
    static func at(_ month: Int, _ day: Int, _ hour: Int = 9, _ minute: Int = 0) -> Date {
        VietnamTime.startOfDay(String(format: "2027-%02d-%02d", month, day))!.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
    }

    func set(_ date: Date) { app.clock = TestClock(date) }

    /// A valid submission of the procedure with every mandatory document uploaded.
    func submit(channel: DossierChannel, at date: Date) async throws -> String {
        set(date)
        let d = try await app.procedureDefinitions.current(code: Self.procedure, on: app.db).definition
        var form: [String: String] = [:]
        for f in d.form where f.type != .file {
            form[f.key] = switch f.type {
            case .cccd: "025090000001"
            case .number: "3"
            case .date: "2027-01-15"
            case .choice: f.options?.first ?? ""
            default: f.key == "orgTaxCode" ? "2600123456" : "Giá trị \(f.key)"
            }
        }
        let files = d.documents.filter(\.mandatory).map { SubmittedFile(document: $0.name, fileName: "tep.pdf", content: Self.pdf) }
        let s = Submission(procedure: Self.procedure, applicant: .init(name: "Nguyễn Văn An", identity: "025090000001", phone: "0912345678", email: nil),
                           summary: nil, form: form, agency: nil, files: files)
        return try await DossierService.submit(s, channel: channel, by: channel == .online ? citizen : desk, idempotencyKey: nil, on: req).code
    }

    /// Submitted online at `date`, received ten minutes later and handed over ten minutes after that.
    func inProcessing(submittedAt date: Date) async throws -> String {
        let code = try await submit(channel: .online, at: date)
        try await act(.receive, code, at: date.addingTimeInterval(600))
        try await act(.startProcessing, code, at: date.addingTimeInterval(1200))
        return code
    }

    @discardableResult
    func act(_ action: DossierAction, _ code: String, at date: Date, _ input: ActionInput = ActionInput()) async throws -> Dossier {
        set(date)
        var input = input
        if input.comment.isEmpty, [.refuse, .requestSupplement, .stop, .apologize, .propose].contains(action) { input.comment = "Lý do \(action.rawValue)" }
        if action == .propose, input.proposal == nil { input.proposal = .grant }
        if action == .returnResult, input.returnMethod == nil { input.returnMethod = .counter }
        let actor: Viewer = switch action.actor {
        case .specialist: specialist
        case .leader: leader
        case .applicant: citizen
        case .oneStopOfficer: desk
        }
        return try await DossierService.perform(action, code: code, input, by: actor, on: req)
    }

    func attachResult(_ code: String, at date: Date) async throws {
        set(date)
        _ = try await Attachments.add(code: code, data: Self.pdf, fileName: "ket-qua.pdf", document: "Giấy chứng nhận", purpose: .result,
                                      electronicResult: true, by: specialist, on: req)
    }

    func due(_ code: String) async throws -> Date {
        try #require(try await DossierService.find(code, on: app.db).dueAt)
    }
}
