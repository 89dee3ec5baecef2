import Directory
import Exchange
import Fluent
import Identity
import Kernel
import NIOCore
import NIOPosix
import SQLKit
import Vapor
import Indicators
import OneStop

/// Brings the database up to date without asking (safe to run in scripts and on every start).
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "revert", help: "Revert all migrations (deletes all data)")
        var revert: Bool
    }
    var help: String { "Create or update the database schema and load reference data" }

    func run(using context: CommandContext, signature: Signature) async throws {
        if signature.revert {
            try await context.application.autoRevert()
            context.console.print("Đã xóa toàn bộ lược đồ cơ sở dữ liệu.")
        } else {
            try await Startup.migrate(context.application)
            context.console.print("Cơ sở dữ liệu đã được cập nhật.")
        }
    }
}

/// Loads the demo province into an empty database, or starts over with `--reset`.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "reset", help: "Delete ALL data and load the demo province again")
        var reset: Bool
    }
    var help: String { "Load (or with --reset, reload) the Phú Thọ demo province" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        if signature.reset { try await app.autoRevert() }
        try await Startup.migrate(app)
        if try await DemoProvince.isSeeded(on: app.db) {
            context.console.print("Dữ liệu đã có sẵn; dùng `tinhso demo --reset` để nạp lại từ đầu (xóa toàn bộ dữ liệu).")
            return
        }
        try await DemoProvince.seed(on: app)
        context.console.print(DemoProvince.banner(url: app.config.publicURL, demoLoginsValid: true))
    }
}

/// Creates an official and grants a role: `tinhso user create --username a --name "…" --role admin`.
struct UserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "create")
        var action: String
        @Option(name: "username", help: "Login name (3–40: a–z, 0–9, . _ -)")
        var username: String?
        @Option(name: "name", help: "Full name")
        var name: String?
        @Option(name: "password", help: "Password (asked for when omitted)")
        var password: String?
        @Option(name: "role", help: "admin, agency-admin, one-stop-officer, specialist, leader, clerk")
        var role: String?
        @Option(name: "agency", help: "Electronic identifier of the agency the role is held in")
        var agency: String?
    }
    var help: String { "Create an official or administrator" }

    struct Failure: Error, CustomStringConvertible { var description: String }

    func run(using context: CommandContext, signature s: Signature) async throws {
        guard s.action == "create" else { throw Failure(description: "Chỉ hỗ trợ: tinhso user create …") }
        guard let username = s.username, let name = s.name else { throw Failure(description: "Cần --username và --name.") }
        guard let role = Role(rawValue: s.role ?? "admin") else {
            throw Failure(description: "Vai trò không hợp lệ: \(s.role ?? ""). Chọn: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let app = context.application
        try await Startup.migrate(app)
        let agencyID: UUID?
        if role != .admin {
            guard let code = s.agency, let agency = try await Agency.query(on: app.db).filter(\.$code == code).first() else {
                throw Failure(description: "Vai trò \(role.rawValue) cần --agency là mã định danh của một cơ quan có trong danh mục.")
            }
            agencyID = agency.id
        } else {
            agencyID = nil
        }
        let password = s.password ?? context.console.ask("Mật khẩu:", isSecure: true)
        let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).hash(password)
        do {
            try await app.groupCommit.transaction { db in
                let user = try await Accounts.createOfficial(username: username, fullName: name, password: password, hash: hash, on: db)
                try await Accounts.grant(role, to: user.requireID(), agencyID: agencyID, on: db)
            }
        } catch let e as IdentityError {
            throw Failure(description: e.message)
        }
        context.console.print("Đã tạo tài khoản \(username.lowercased()) (\(role.label)).")
    }
}

/// What every start does before serving.
public enum Startup {
    /// Makes the server's event loops run Swift concurrency's jobs too, before any job exists.
    /// A request then no longer hops from its connection's loop to the cooperative pool and back
    /// at every `await` on a database or the upstream: the gateway answered 20–30 % more calls
    /// (decision 0014). For the server only: a job started on a loop stays on that loop, so the
    /// batch commands (import, generate), which spread their work over both cores with task
    /// groups, keep the pool. Call it first thing, from the main thread.
    public static func useEventLoopsForConcurrency() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Whether the arguments start the server (`tinhso`, `tinhso serve …`), which seeds the demo
    /// first; asking for help never does.
    public static func serves(_ arguments: [String]) -> Bool {
        let rest = arguments.dropFirst()
        guard !rest.contains(where: { $0 == "--help" || $0 == "-h" }) else { return false }
        let command = rest.first { !$0.hasPrefix("-") }
        return command == nil || command == "serve"
    }

    /// A failed command's error as the operator reads it: the message of ours, not Swift's dump.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let e as CommandFailure: e.description
        case let e as any DomainError: e.message
        case let e as CommandError:
            switch e {
            case .unknownInput(let input): "không hiểu tham số “\(input)” (xem --help)"
            case .missingRequiredArgument(let name): "thiếu tham số \(name) (xem --help)"
            case .invalidArgumentType(let name, _), .invalidOptionType(let name, _): "giá trị của \(name) không hợp lệ (xem --help)"
            case .unknownCommand(let name, let available): "không có lệnh “\(name)”; các lệnh: \(available.sorted().joined(separator: ", "))"
            case .missingCommand: "thiếu lệnh (xem --help)"
            }
        case let e as AppConfig.Invalid: "cấu hình không hợp lệ: \(e.description)"
        default: String(describing: error)
        }
    }

    public static func migrate(_ app: Application) async throws {
        if let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" {
            // WAL lets readers go on while a write commits; the pages read far more than they write.
            try await sql.raw("PRAGMA journal_mode=WAL").run()
        }
        try await app.autoMigrate()
    }

    /// Migrates, seeds the demo province into an empty database when configured, and prints the banner.
    public static func prepareToServe(_ app: Application) async throws {
        try await migrate(app)
        var demoValid = false
        if app.config.seedDemo, try await !DemoProvince.isSeeded(on: app.db) {
            app.logger.info("Empty database: loading the Phú Thọ demo province")
            try await DemoProvince.seed(on: app)
            demoValid = true
        } else if let admin = try await User.query(on: app.db).filter(\.$username == "admin").first(), let hash = admin.passwordHash {
            demoValid = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).verify(DemoProvince.password, created: hash)
        }
        try await Indicators.repairAfterCutOffImports(app)
        BackgroundWork.register("index snapshots", on: app) { app, now in try await IndexSnapshots.runOnce(app: app, now: now) }
        Exchange.sealWhileServing(app)
        if let port = app.config.gatewayPort { Exchange.listen(app, host: app.config.host, port: port) }
        if let days = app.config.logRetentionDays {
            let directory = MessageLog.archiveDirectory(app.config.dataDir)
            BackgroundWork.register("message log archive", on: app) { app, now in
                try await MessageLog.archiveExpired(retentionDays: days, directory: directory, now: now, app: app)
            }
        }
        BackgroundWork.schedule(on: app)
        print(DemoProvince.banner(url: app.config.publicURL, demoLoginsValid: demoValid,
                                  gateway: app.config.gatewayPort.map { "http://\(app.config.host):\($0)/r1/…" }))
    }
}
