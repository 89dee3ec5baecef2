import App
import Directory
import Fluent
import Foundation
import Identity
import Kernel
import OneStop
import Procedures
import SQLKit
import Vapor
import WebUI

// Officer queues on 1,000,000 dossiers (issue 4: every queue page under 50 ms). Loads the
// dossiers by multi-row INSERTs, then times each queue of the demo one-stop officer and of the
// demo specialist, two searches and the whole queue page through the HTTP route (in process:
// the app's responder with its middleware, no socket). Baseline in the same run: the same
// queries when the database held 10,000 dossiers. SQLite by default; DATABASE_URL=postgres://…
// runs it on PostgreSQL (the database is emptied).
//   BENCH_QUEUE_DOSSIERS (default 1,000,000), BENCH_RUNS (default 50),
//   BENCH_KEEP=1 keeps the SQLite file and prints its path (to look at query plans).

Startup.useEventLoopsForConcurrency()  // as the server runs
let environment = ProcessInfo.processInfo.environment
let total = Int(environment["BENCH_QUEUE_DOSSIERS"] ?? "") ?? 1_000_000
let baselineSize = min(10_000, total)
let runs = Int(environment["BENCH_RUNS"] ?? "") ?? 50
let dir = NSTemporaryDirectory() + "tinhso-bench-\(UUID().uuidString.prefix(8))"
var env = Environment(name: "bench", arguments: ["queue-bench"])
try LoggingSystem.bootstrap(from: &env)
var config = try AppConfig.load(from: ["TINHSO_DATA_DIR": dir, "DATABASE_URL": environment["DATABASE_URL"] ?? ""])
config.bcryptCost = 8
let app = try await Application.make(env)
app.logger.logLevel = .warning
try await configure(app, config: config)

/// A deterministic generator, so every run loads the same dossiers.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes dossier rows shaped like a province's year: half received at the provincial desk
/// (Trung tâm Phục vụ hành chính công) and decided by a department, Sở Tài chính the busiest;
/// half received and decided by one of 24 communes. Most are returned; the running ones were
/// submitted in the last 30 days, some past their due date.
struct DossierGenerator {
    var rng = SplitMix(state: 2026)
    let now: Date
    let provincialDesk: String
    let departments: [String]  // weighted: repeated codes are picked more often
    let communes: [String]
    let procedures: [(code: String, name: String, field: String)]
    /// Daily sequence per receiving agency, as in a real dossier code.
    var sequences: [String: Int] = [:]
    let day: DateFormatter = {
        let f = DateFormatter()
        f.dateFormat = "yyMMdd"
        f.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        return f
    }()

    static let columns = [
        "id", "code", "procedure_code", "procedure_version", "procedure_name", "field_code", "channel", "status",
        "applicant_name", "applicant_identity", "applicant_phone", "applicant_email", "summary", "form_data",
        "receiving_agency", "deciding_agency", "processing_hours", "submitted_at", "received_at", "due_at",
        "finished_at", "returned_at", "refused_at", "revision", "source", "vneid_verified",
    ]
    // Status and share in ‰: what a year of a real one-stop looks like.
    static let statuses: [(DossierStatus, Int)] = [
        (.returned, 800), (.resolved, 40), (.processing, 60), (.received, 20), (.notReceived, 20),
        (.supplementRequested, 20), (.submitted, 15), (.stopped, 15), (.paymentRequested, 8), (.withdrawalRequested, 2),
    ]
    static let surnames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
    static let given = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Đức Huy", "Thị Lan", "Văn Nam", "Ngọc Mai", "Gia Bảo"]

    /// The CCCD of applicant `n` (of 400,000): province 025, distinct for every `n`.
    static func identity(_ n: Int) -> String { "0250" + String(format: "%08d", n * 7919 % 100_000_000) }

    mutating func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    /// The status and submission time of `count` dossiers, oldest first, as a real table grows
    /// (PostgreSQL's index-only scans look up each entry's table page in the visibility map:
    /// cheap when neighbours in the index are neighbours in the table).
    mutating func plan(_ count: Int) -> [(DossierStatus, Date)] {
        (0..<count).map { _ in
            var r = pick(1000), status = DossierStatus.returned
            for (s, share) in Self.statuses {
                if r < share { status = s; break }
                r -= share
            }
            let running = ![.returned, .notReceived, .stopped].contains(status)
            // At least a day old, so no code collides with today's demo dossiers.
            let age = 86_400 + Double(pick(running ? 30 * 86_400 : 364 * 86_400))
            return (status, now.addingTimeInterval(-age))
        }.sorted { $0.1 < $1.1 }
    }

    mutating func row(_ status: DossierStatus, submitted: Date) -> [any Encodable & Sendable] {
        let provincial = pick(2) == 0
        let receiving = provincial ? provincialDesk : communes[pick(communes.count)]
        let deciding = provincial ? departments[pick(departments.count)] : receiving
        let key = receiving + day.string(from: submitted)
        let seq = (sequences[key] ?? 0) + 1
        sequences[key] = seq
        let code = "\(receiving)-\(day.string(from: submitted))-\(String(format: "%04d", seq))"
        let procedure = procedures[pick(procedures.count)]
        let days = 3 + pick(40)
        let received: Date? = status == .submitted || status == .notReceived ? nil : submitted.addingTimeInterval(Double(pick(86_400)))
        let due = received?.addingTimeInterval(Double(days) * 86_400)
        let finished: Date? = [.resolved, .returned].contains(status) ? received?.addingTimeInterval(Double(pick(days)) * 86_400) : nil
        let person = pick(400_000)
        let name = "\(Self.surnames[person % 10]) \(Self.given[person / 10 % 10])"
        return [
            UUID(), code, procedure.code, 1, procedure.name, procedure.field, 1 + pick(3), status.rawValue,
            name, Self.identity(person), "09\(String(format: "%08d", person))", "", procedure.name, "{}",
            receiving, deciding, days * 8, submitted, received, due,
            finished, status == .returned ? finished : nil, status == .notReceived ? submitted.addingTimeInterval(3_600) : nil,
            1, provincial ? "portal" : "counter", false,
        ]
    }
}

/// Inserts `count` dossiers, oldest first, 1,000 rows a statement, 100,000 a transaction.
func load(_ count: Int, with generator: inout DossierGenerator) async throws {
    let plan = generator.plan(count)
    for start in stride(from: 0, to: count, by: 100_000) {
        let rows = plan[start..<min(start + 100_000, count)].map { generator.row($0.0, submitted: $0.1) }
        try await app.db.transaction { db in
            let sql = db as! any SQLDatabase
            for chunk in stride(from: 0, to: rows.count, by: 1_000) {
                var insert = sql.insert(into: Dossier.schema).columns(DossierGenerator.columns)
                for row in rows[chunk..<min(chunk + 1_000, rows.count)] { insert = insert.values(row) }
                try await insert.run()
            }
        }
    }
    // PostgreSQL: what autovacuum would have done by now (statistics, and the visibility map that
    // index-only scans need), and the load's write-back done before the timings (CHECKPOINT needs
    // superuser or pg_checkpoint). The app never runs ANALYZE on SQLite, so neither does this.
    let sql = app.db as! any SQLDatabase
    if sql.dialect.name != "sqlite" {
        try await sql.raw("VACUUM ANALYZE dossiers").run()
        try? await sql.raw("CHECKPOINT").run()
    }
}

/// Requests log at info; thousands of lines would bury the results.
let quiet: Logger = {
    var logger = Logger(label: "queue-bench")
    logger.logLevel = .warning
    return logger
}()

/// An officer's browser: signs in through the login form, then keeps the cookies.
final class Browser: @unchecked Sendable {
    var cookies: [String: String] = [:]

    func send(_ method: HTTPMethod, _ path: String, form: String? = nil) async throws -> Response {
        var headers = HTTPHeaders()
        if !cookies.isEmpty { headers.add(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if form != nil { headers.contentType = .urlEncodedForm }
        let req = Request(application: app, method: method, url: URI(string: path), headers: headers,
                          collectedBody: form.map { ByteBuffer(string: $0) }, logger: quiet, on: app.eventLoopGroup.next())
        let res = try await app.responder.respond(to: req).get()
        for header in res.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[String(pair[0])] = String(pair[1]) }
        }
        return res
    }

    func signIn(_ login: String) async throws {
        _ = try await send(.GET, "/")
        let res = try await send(.POST, "/dang-nhap", form: "login=\(login)&password=\(DemoProvince.password)&_csrf=\(cookies["tinhso_csrf"] ?? "")")
        guard res.status == .seeOther || res.status == .found, cookies["tinhso_session"] != nil else { fatalError("sign-in of \(login) failed: \(res.status)") }
    }
}

struct Measured {
    var median: Double
    var p95: Double
    var total: Int
}

/// Warms up, then times `runs` calls; returns milliseconds and the total the page showed.
func measure(_ body: () async throws -> Int) async throws -> Measured {
    var shown = 0
    for _ in 0..<3 { shown = try await body() }
    var samples: [Double] = []
    for _ in 0..<runs {
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try await body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    samples.sort()
    return Measured(median: samples[samples.count / 2], p95: samples[min(samples.count - 1, samples.count * 95 / 100)], total: shown)
}

do {
    try await app.autoRevert().get()
    try await Startup.migrate(app)
    try await DemoProvince.seed(on: app)
    try await app.asyncBoot()

    func viewer(_ login: String) async throws -> Viewer {
        let userRow: User? = try await User.query(on: app.db).filter(\.$username == login).first()
        guard let user = userRow, let v = try await Identity.viewer(userID: user.requireID(), on: app.db) else { fatalError("demo user \(login) missing") }
        return v
    }
    func agencyCode(of v: Viewer) async throws -> String {
        let row: Agency? = try await Agency.find(v.grants.compactMap(\.agencyID).first, on: app.db)
        return row!.code
    }
    let desk = try await viewer("motcua.tinh"), specialist = try await viewer("chuyenvien.taichinh")
    let deskAgency = try await agencyCode(of: desk), financeAgency = try await agencyCode(of: specialist)
    let provincial: [Agency] = try await Agency.query(on: app.db).filter(\.$level == .province).filter(\.$code != deskAgency).sort(\.$code).all()
    let communes: [Agency] = try await Agency.query(on: app.db).filter(\.$level == .commune).sort(\.$code).range(..<24).all()
    let procedures: [Procedure] = try await Procedure.query(on: app.db).sort(\.$code).range(..<200).all()
    // Sở Tài chính (business registration) decides about a third of the provincial dossiers.
    let departments = provincial.map(\.code) + Array(repeating: financeAgency, count: provincial.count / 2)
    var generator = DossierGenerator(now: Date(), provincialDesk: deskAgency, departments: departments, communes: communes.map(\.code),
                                     procedures: procedures.map { ($0.code, $0.name, $0.fieldCode) })
    print("queues: \(provincial.count + 1 + communes.count) agencies, \(procedures.count) procedures, \(config.database)")

    let deskBrowser = Browser(), specialistBrowser = Browser()
    try await deskBrowser.signIn("motcua.tinh")
    try await specialistBrowser.signIn("chuyenvien.taichinh")

    // What is timed, as (label, call returning the total the page shows).
    var cases: [(String, () async throws -> Int)] = []
    for (login, v) in [("motcua.tinh", desk), ("chuyenvien.taichinh", specialist)] {
        for q in DossierQueries.Queue.allCases {
            cases.append(("\(login) \(q.rawValue)", { try await DossierQueries.queue(q, for: v, now: Date(), page: Paging(), on: app.db).total }))
        }
    }
    // Searches: a day-and-sequence fragment of a code (what an officer types from a receipt) and
    // a full CCCD, both picked among the desk's dossiers once the database is loaded.
    final class Needles { var code = "", identity = "" }
    let needles = Needles()
    func pickNeedles() async throws {
        let sample: Dossier? = try await Dossier.query(on: app.db).filter(\.$receivingAgency == deskAgency).sort(\.$code).first()
        needles.code = String(sample!.code.suffix(11))
        needles.identity = sample!.applicantIdentity
    }
    cases.append(("motcua.tinh search code fragment", { try await DossierQueries.search(needles.code, for: desk, page: Paging(), on: app.db).total }))
    cases.append(("motcua.tinh search CCCD", { try await DossierQueries.search(needles.identity, for: desk, page: Paging(), on: app.db).total }))
    for (login, browser, q) in [("motcua.tinh", deskBrowser, DossierQueries.Queue.inProgress), ("chuyenvien.taichinh", specialistBrowser, .overdue)] {
        cases.append(("HTTP page /can-bo/ho-so?hang=\(q.rawValue) \(login)", {
            let res = try await browser.send(.GET, "/can-bo/ho-so?hang=\(q.rawValue)")
            guard res.status == .ok else { fatalError("queue page: \(res.status)") }
            return -1
        }))
    }
    cases.append(("HTTP page search CCCD motcua.tinh", {
        let res = try await deskBrowser.send(.GET, "/can-bo/ho-so?q=\(needles.identity)")
        guard res.status == .ok else { fatalError("search page: \(res.status)") }
        return -1
    }))

    var t0 = DispatchTime.now().uptimeNanoseconds
    try await load(baselineSize, with: &generator)
    print(String(format: "loaded %d dossiers in %.1f s", baselineSize, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
    try await pickNeedles()
    var baseline: [Measured] = []
    for (_, body) in cases { baseline.append(try await measure(body)) }

    t0 = DispatchTime.now().uptimeNanoseconds
    try await load(total - baselineSize, with: &generator)
    let count: Int = try await Dossier.query(on: app.db).count()
    print(String(format: "loaded %d more in %.1f s: %d dossiers", total - baselineSize, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, count))
    try await pickNeedles()
    print("search needles: code fragment \(needles.code), CCCD \(needles.identity); \(runs) runs each after 3 warm-up runs; page 1, 20 rows")
    var allMet = true
    for ((label, body), base) in zip(cases, baseline) {
        let m = try await measure(body)
        let met = m.p95 < 50
        allMet = allMet && met
        print(String(format: "%@%@: median %.2f ms, p95 %.2f ms; at %d dossiers %.2f ms → %.1f×; target < 50 ms: %@",
                     label, m.total >= 0 ? " (\(m.total) found)" : "", m.median, m.p95, baselineSize, base.median, m.median / base.median, met ? "met" : "NOT MET"))
    }
    print("all queue pages under 50 ms (p95) at \(count) dossiers: \(allMet ? "met" : "NOT MET") (\(config.database))")
} catch {
    print("queue-bench failed: \(String(reflecting: error))")
}
try await app.asyncShutdown()
if environment["BENCH_KEEP"] == "1" { print("kept \(dir)") } else { try? FileManager.default.removeItem(atPath: dir) }
