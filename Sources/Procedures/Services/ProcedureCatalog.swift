import Directory
import Fluent
import Foundation
import Kernel
import Vapor

/// Writes to the catalog. Every save validates the whole definition and appends a version.
public enum ProcedureCatalog {
    static var codePattern: Regex<Substring> { #/^[0-9]\.[0-9]{6}$/# }
    static var keyPattern: Regex<Substring> { #/^[A-Za-z][A-Za-z0-9_]{0,39}$/# }
    static let workflowRoles: Set<String> = ["one-stop-officer", "specialist", "leader", "clerk"]

    /// Every problem with a definition, in Vietnamese.
    public static func problems(_ d: ProcedureDefinition, on db: any Database) async throws -> [String] {
        var p: [String] = []
        if (try? codePattern.wholeMatch(in: d.code)) == nil { p.append("Mã thủ tục phải có dạng d.dddddd (ví dụ 1.001193).") }
        let name = d.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 500 { p.append("Tên thủ tục không được để trống (tối đa 500 ký tự).") }
        if try await ProcedureField.query(on: db).filter(\.$code == d.field).count() == 0 { p.append("Lĩnh vực “\(d.field)” không tồn tại.") }
        if d.levels.isEmpty || !d.levels.allSatisfy({ ["province", "commune"].contains($0) }) {
            p.append("Cấp thực hiện phải là province và/hoặc commune.")
        }
        for (label, code) in [("tiếp nhận", d.receivingAgency), ("giải quyết", d.decidingAgency)] {
            if let code, try await Agency.query(on: db).filter(\.$code == code).count() == 0 {
                p.append("Cơ quan \(label) “\(code)” không tồn tại.")
            }
        }
        let hours = d.processingTime.hours ?? 0
        if d.processingTime.workingDays != nil && d.processingTime.workingHours != nil {
            p.append("Chỉ ghi thời hạn theo ngày làm việc hoặc theo giờ làm việc, không ghi cả hai.")
        } else if hours <= 0 || hours > 365 * 8 {
            p.append("Thời hạn giải quyết phải lớn hơn 0 và không quá 365 ngày làm việc.")
        }
        for fee in d.fees where fee.amount < 0 || fee.name.isEmpty { p.append("Khoản phí “\(fee.name)” không hợp lệ.") }
        for doc in d.documents where doc.name.isEmpty || doc.originals < 0 || doc.copies < 0 {
            p.append("Thành phần hồ sơ “\(doc.name)” không hợp lệ.")
        }
        var keys = Set<String>()
        for f in d.form {
            if (try? keyPattern.wholeMatch(in: f.key)) == nil { p.append("Khóa trường “\(f.key)” không hợp lệ.") }
            if !keys.insert(f.key).inserted { p.append("Khóa trường “\(f.key)” bị trùng.") }
            if f.type == .choice && (f.options ?? []).isEmpty { p.append("Trường lựa chọn “\(f.label)” cần danh sách giá trị.") }
        }
        // Parallel steps share their group's time: the group takes as long as its longest step.
        var stepHours = 0.0, groupHours = 0.0
        for (i, s) in d.workflow.enumerated() {
            if !workflowRoles.contains(s.role) { p.append("Bước “\(s.name)”: vai trò “\(s.role)” không hợp lệ.") }
            if !["receiving", "deciding"].contains(s.agency), try await Agency.query(on: db).filter(\.$code == s.agency).count() == 0 {
                p.append("Bước “\(s.name)”: cơ quan phải là receiving, deciding hoặc mã một cơ quan có trong danh mục.")
            }
            if s.workingHours <= 0 { p.append("Bước “\(s.name)”: thời gian phải lớn hơn 0.") }
            if s.runsInParallel {
                if i == 0 || s.role == "one-stop-officer" { p.append("Bước “\(s.name)”: bước song song phải đi sau một bước xử lý khác.") }
                groupHours = max(groupHours, s.workingHours)
            } else {
                stepHours += groupHours
                groupHours = s.workingHours
            }
        }
        stepHours += groupHours
        if hours > 0 && stepHours > Double(hours) + 0.001 {
            p.append("Tổng thời gian các bước quy trình (\(stepHours) giờ) vượt thời hạn giải quyết (\(hours) giờ).")
        }
        return p
    }

    /// Creates the procedure or appends a new version; returns the version number.
    @discardableResult
    public static func save(_ d: ProcedureDefinition, by userID: UUID?, now: Date, on db: any Database) async throws -> Int {
        var trimmed = d
        trimmed.name = d.name.trimmingCharacters(in: .whitespaces)
        let d = trimmed
        let problems = try await problems(d, on: db)
        guard problems.isEmpty else { throw ProceduresError.invalid(problems) }
        let json = String(decoding: try JSONEncoder().encode(d), as: UTF8.self)
        return try await db.transaction { db in
            let procedure = try await Procedure.query(on: db).filter(\.$code == d.code).first() ?? Procedure()
            let version = procedure.id == nil ? 1 : procedure.currentVersion + 1
            procedure.code = d.code
            procedure.name = d.name
            procedure.nameFolded = VietnameseText.fold(d.name)
            procedure.fieldCode = d.field
            procedure.levels = d.levels.joined(separator: ",")
            procedure.onlineLevel = d.onlineLevel.rawValue
            procedure.receivingAgency = d.receivingAgency
            procedure.decidingAgency = d.decidingAgency
            procedure.processingHours = d.processingTime.hours ?? 0
            procedure.currentVersion = version
            procedure.updatedAt = now
            try await procedure.save(on: db)
            let v = ProcedureVersion()
            v.procedureID = try procedure.requireID()
            v.version = version
            v.definition = json
            v.createdAt = now
            v.createdBy = userID
            try await v.create(on: db)
            return version
        }
    }
}
