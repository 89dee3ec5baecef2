import Directory
import Fluent
import Foundation
import Kernel
import Vapor

/// The registry's changes, checked the same way whether an administrator makes them on the pages
/// or an integrator through the API: each throws `Registry.Invalid` with every problem, in Vietnamese.
extension Registry {
    public struct Invalid: DomainError {
        public var problems: [String]
        public var status: HTTPResponseStatus { .unprocessableEntity }
        public var code: String { "exchange.invalid" }
        public var message: String { problems.joined(separator: " ") }
    }

    public struct NewSystem: Content, Sendable {
        public var code: String?
        public var name: String?
        public var ownerAgency: String?
        public var purpose: String?
        public var securityLevel: Int?
        public var levelApproval: String?
        public var operatorContact: String?
        public var status: String?
        public var subsystem: String?
    }

    public static func addSystem(_ f: NewSystem, on db: any Database) async throws -> InformationSystem {
        var errors: [String] = []
        let code = (f.code ?? "").trimmingCharacters(in: .whitespaces)
        if code.isEmpty || code.count > 40 { errors.append("Mã hệ thống không được trống và tối đa 40 ký tự.") }
        if (f.name ?? "").trimmingCharacters(in: .whitespaces).isEmpty { errors.append("Cần tên hệ thống.") }
        let owner = (f.ownerAgency ?? "").trimmingCharacters(in: .whitespaces)
        if try await Agency.query(on: db).filter(\.$code == owner).first() == nil { errors.append("Không có cơ quan mã “\(owner)”.") }
        let subsystem = SubsystemID((f.subsystem ?? "").trimmingCharacters(in: .whitespaces))
        if subsystem == nil { errors.append("Định danh phải có dạng instance/loại/mã thành viên/mã hệ thống con, chỉ gồm chữ, số và ' ( ) + , - . = ?") }
        let level = f.securityLevel ?? 0
        if !(1...5).contains(level) { errors.append("Cấp độ an toàn từ 1 đến 5.") }
        if let a = f.levelApproval, InformationSystem.LevelApproval(rawValue: a) == nil { errors.append("Hồ sơ cấp độ là none, submitted hoặc approved.") }
        if let s = f.status, InformationSystem.Status(rawValue: s) == nil { errors.append("Trạng thái kết nối là planned, trial, official hoặc suspended.") }
        if try await InformationSystem.query(on: db).group(.or, { $0.filter(\.$code == code).filter(\.$subsystem == subsystem?.description ?? "") }).first() != nil {
            errors.append("Mã hệ thống hoặc định danh đã có.")
        }
        guard errors.isEmpty, let subsystem else { throw Invalid(problems: errors) }
        let s = InformationSystem()
        s.code = code
        s.name = String((f.name ?? "").prefix(300))
        s.ownerAgency = owner
        s.purpose = String((f.purpose ?? "").prefix(1000))
        s.securityLevel = level
        s.levelApproval = f.levelApproval.flatMap(InformationSystem.LevelApproval.init(rawValue:)) ?? .none
        s.operatorContact = String((f.operatorContact ?? "").prefix(300))
        s.status = f.status.flatMap(InformationSystem.Status.init(rawValue:)) ?? .planned
        s.subsystem = subsystem.description
        try await s.create(on: db)
        return s
    }

    /// The system with `code`, or not found.
    public static func system(code: String?, on db: any Database) async throws -> InformationSystem {
        guard let code, let s = try await InformationSystem.query(on: db).filter(\.$code == code).first() else {
            throw RequestError.notFound(what: "hệ thống thông tin")
        }
        return s
    }

    public static func setStatus(_ s: InformationSystem, to status: String?, on db: any Database) async throws {
        guard let status = status.flatMap(InformationSystem.Status.init(rawValue:)) else {
            throw Invalid(problems: ["Trạng thái kết nối là planned, trial, official hoặc suspended."])
        }
        s.status = status
        try await s.save(on: db)
    }

    /// Stops a key at once (also one being rotated out).
    public static func revoke(_ k: ExchangeCredential, at now: Date, on db: any Database) async throws {
        k.revokedAt = now
        try await k.save(on: db)
    }

    /// A rate (calls a second) and a daily quota; nil is no limit.
    public static func setLimits(_ s: InformationSystem, ratePerSecond: Int?, dailyQuota: Int?, on db: any Database) async throws {
        var errors: [String] = []
        if let r = ratePerSecond, !(1...1_000_000_000).contains(r) { errors.append("Giới hạn mỗi giây là số nguyên dương.") }
        if let q = dailyQuota, !(1...1_000_000_000).contains(q) { errors.append("Hạn mức mỗi ngày là số nguyên dương.") }
        guard errors.isEmpty else { throw Invalid(problems: errors) }
        (s.ratePerSecond, s.dailyQuota) = (ratePerSecond, dailyQuota)
        try await s.save(on: db)
    }

    public struct NewService: Content, Sendable {
        public var code: String?
        public var version: String?
        public var baseURL: String?
        public var classification: String?
        public var timeoutMilliseconds: Int?
        public var viaPeer: Bool?
        public var upstreamAuthorization: String?
        public var openAPI: String?
    }

    public static func addService(_ f: NewService, to s: InformationSystem, on db: any Database) async throws -> ExchangeService {
        var errors: [String] = []
        let id = try s.requireID()
        let code = (f.code ?? "").trimmingCharacters(in: .whitespaces)
        if code.isEmpty || !SubsystemID.isAllowed(code) { errors.append("Mã dịch vụ chỉ gồm chữ, số và ' ( ) + , - . = ?") }
        if MetadataService(rawValue: code) != nil { errors.append("Mã “\(code)” là dịch vụ siêu dữ liệu của cổng, không dùng được cho dịch vụ.") }
        let base = (f.baseURL ?? "").trimmingCharacters(in: .whitespaces)
        let timeout = f.timeoutMilliseconds ?? 5000
        errors += Self.upstreamProblems(base: base, timeout: timeout)
        if let c = f.classification, ExchangeService.Classification(rawValue: c) == nil { errors.append("Phân loại dữ liệu là open, internal, restricted hoặc secret.") }
        if try await ExchangeService.query(on: db).filter(\.$system.$id == id).filter(\.$code == code).first() != nil {
            errors.append("Hệ thống đã có dịch vụ mã “\(code)”.")
        }
        guard errors.isEmpty else { throw Invalid(problems: errors) }
        let v = ExchangeService()
        v.$system.id = id
        v.code = code
        v.version = String((f.version.flatMap { $0.isEmpty ? nil : $0 } ?? "v1").prefix(20))
        v.baseURL = base
        v.classification = f.classification.flatMap(ExchangeService.Classification.init(rawValue:)) ?? .restricted
        v.timeoutMilliseconds = timeout
        v.viaPeer = f.viaPeer ?? false
        v.upstreamAuthorization = f.upstreamAuthorization.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : String($0.prefix(4000)) }
        v.openAPI = f.openAPI.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        try await v.create(on: db)
        return v
    }

    /// What is wrong with a service's upstream address and timeout.
    static func upstreamProblems(base: String, timeout: Int) -> [String] {
        var errors: [String] = []
        if let url = URLComponents(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false {
            // The caller's path and query are appended to it.
            if url.query != nil || url.fragment != nil { errors.append("Địa chỉ máy chủ dịch vụ không có phần ?truy-vấn hay #: đường dẫn và truy vấn của bên gọi được nối vào sau.") }
        } else {
            errors.append("Địa chỉ máy chủ dịch vụ phải bắt đầu bằng http:// hoặc https://.")
        }
        if !ExchangeService.timeoutRange.contains(timeout) { errors.append("Thời gian chờ từ 100 đến 120.000 ms.") }
        return errors
    }

    /// The service `id` of `provider`, to change or remove it.
    public static func service(_ id: UUID, of provider: InformationSystem, on db: any Database) async throws -> ExchangeService? {
        try await ExchangeService.query(on: db).filter(\.$id == id).filter(\.$system.$id == provider.requireID()).first()
    }

    /// The upstream moved, or answers slower: its address and timeout change; its code and rights stay.
    public static func moveService(_ v: ExchangeService, baseURL: String?, timeoutMilliseconds: Int?, on db: any Database) async throws {
        let base = (baseURL ?? "").trimmingCharacters(in: .whitespaces), timeout = timeoutMilliseconds ?? v.timeoutMilliseconds
        let errors = upstreamProblems(base: base, timeout: timeout)
        guard errors.isEmpty else { throw Invalid(problems: errors) }
        (v.baseURL, v.timeoutMilliseconds) = (base, timeout)
        try await v.save(on: db)
    }

    /// The service and the rights on it; its exchanges stay in the message log, which names it by code.
    public static func removeService(_ v: ExchangeService, on db: any Database) async throws {
        try await db.transaction { db in
            try await AccessRight.query(on: db).filter(\.$service.$id == v.requireID()).delete()
            try await v.delete(on: db)
        }
    }

    /// A right on one of `provider`'s services, to withdraw it.
    public static func right(_ id: UUID, of provider: InformationSystem, on db: any Database) async throws -> AccessRight? {
        guard let r = try await AccessRight.find(id, on: db),
              try await ExchangeService.query(on: db).filter(\.$id == r.$service.id).filter(\.$system.$id == provider.requireID()).first() != nil
        else { return nil }
        return r
    }

    /// Lets the system `consumerCode` call `serviceCode` of `provider`, optionally only `method` and paths under `path`.
    public static func grant(consumerCode: String, serviceCode: String, of provider: InformationSystem, method: String?, path: String?,
                             on db: any Database) async throws -> AccessRight {
        let consumerCode = consumerCode.trimmingCharacters(in: .whitespaces)
        guard let consumer = try await InformationSystem.query(on: db).filter(\.$code == consumerCode).first() else {
            throw Invalid(problems: ["Không có hệ thống mã “\(consumerCode)”."])
        }
        guard let service = try await ExchangeService.query(on: db).filter(\.$system.$id == provider.requireID()).filter(\.$code == serviceCode).first() else {
            throw Invalid(problems: ["Chọn một dịch vụ của hệ thống này."])
        }
        let method = (method ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        let path = (path ?? "").trimmingCharacters(in: .whitespaces)
        var errors: [String] = []
        if !method.isEmpty && !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) { errors.append("Phương thức là GET, POST, PUT, PATCH hoặc DELETE.") }
        if !path.isEmpty && !path.hasPrefix("/") { errors.append("Đường dẫn bắt đầu bằng /.") }
        let granted = try await AccessRight.query(on: db).filter(\.$consumer.$id == consumer.requireID()).filter(\.$service.$id == service.requireID()).all()
        if granted.contains(where: { $0.method == (method.isEmpty ? nil : method) && $0.path == (path.isEmpty ? nil : path) }) {
            errors.append("Hệ thống \(consumerCode) đã có đúng quyền này với dịch vụ \(serviceCode).")
        }
        guard errors.isEmpty else { throw Invalid(problems: errors) }
        let r = AccessRight()
        r.$consumer.id = try consumer.requireID()
        r.$service.id = try service.requireID()
        r.method = method.isEmpty ? nil : method
        r.path = path.isEmpty ? nil : path
        try await r.create(on: db)
        return r
    }
}
