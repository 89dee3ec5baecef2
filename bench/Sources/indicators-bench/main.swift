import App
import Fluent
import Foundation
import Indicators
import Kernel
import OneStop
import SQLKit
import Vapor

// Statistics and the QĐ 766 index on a database the size of 10 million dossiers (issue 5:
// under 500 ms warm on SQLite, under 100 ms on PostgreSQL, read from the maintained aggregates),
// against the naive full scan of the dossiers' facts in the same run; and the import rate
// (target ≥ 20,000 dossiers a second) against decoding the same file and inserting bare rows, and
// against the database's own cost of writing the same rows (its ceiling).
//
// 1. Import: a synthetic year (SyntheticYear) written as JSON Lines, then `DossierImporter.run`
//    on it: every line decoded, checked, written with its audit trail, files, fees, fact and
//    buckets. Baseline: decode only + bare multi-row INSERT of the dossier rows.
// 2. Load to the full size: two synthetic years through the importer's checks and the
//    statistics' fact derivation, copied to six years; facts and buckets only (`Aggregates.append`):
//    the statistics read nothing else, and the naive baseline scans the facts.
// 3. Time, warm: the statistics of the province for last year and for this year so far, one
//    agency's, and the 766 index through its API route; the naive SQL scan for the same figures
//    (checked equal).
//   BENCH_DOSSIERS (default 10,000,000), BENCH_IMPORT (default 200,000), BENCH_RUNS (default 20);
//   DATABASE_URL=postgres://… for PostgreSQL (the database is emptied).

/// Each result line as soon as it is measured, also when the output goes to a file.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let environment = ProcessInfo.processInfo.environment
let total = Int(environment["BENCH_DOSSIERS"] ?? "") ?? 10_000_000
let importCount = min(total, Int(environment["BENCH_IMPORT"] ?? "") ?? 200_000)
let runs = Int(environment["BENCH_RUNS"] ?? "") ?? 20
let dir = NSTemporaryDirectory() + "tinhso-bench-\(UUID().uuidString.prefix(8))"
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
var env = Environment(name: "bench", arguments: ["indicators-bench"])
try LoggingSystem.bootstrap(from: &env)
var config = try AppConfig.load(from: ["TINHSO_DATA_DIR": dir, "DATABASE_URL": environment["DATABASE_URL"] ?? ""])
config.bcryptCost = 8
let app = try await Application.make(env)
app.logger.logLevel = .warning
try await configure(app, config: config)
let quiet = Logger(label: "bench")

/// User and system CPU time of the process so far, on all its threads.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ body: () async throws -> Void) async throws -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

struct Measured { var median: Double; var p95: Double }

func measure(_ n: Int = runs, _ body: () async throws -> Void) async throws -> Measured {
    for _ in 0..<2 { try await body() }
    var samples: [Double] = []
    for _ in 0..<n { samples.append(try await seconds(body) * 1000) }
    samples.sort()
    return Measured(median: samples[samples.count / 2], p95: samples[min(samples.count - 1, samples.count * 95 / 100)])
}

func rssMB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

/// The figures the naive scan computes, by one pass over every fact.
func naive(_ p: Period, on sql: any SQLDatabase) async throws -> [Figure: Int64] {
    let (a, b, s1) = (p.first, p.last, p.first - 1)
    let inRecv = "received_day BETWEEN \(a) AND \(b)", inEnd = "end_day BETWEEN \(a) AND \(b)"
    func openAt(_ t: Int) -> String { "received_day <= \(t) AND (end_day IS NULL OR end_day > \(t))" }
    let exprs: [(Figure, String)] = [
        (.received, inRecv), (.receivedOnline, "\(inRecv) AND channel = 2"), (.ended, "\(inEnd) AND end_kind IS NOT NULL"),
        (.early, "\(inEnd) AND timeliness = 'early'"), (.onTime, "\(inEnd) AND timeliness = 'on_time'"), (.late, "\(inEnd) AND timeliness = 'late'"),
        (.granted, "\(inEnd) AND end_kind = 'granted'"), (.returned, "returned_day BETWEEN \(a) AND \(b)"),
        (.carriedOver, openAt(s1)), (.open, openAt(b)),
        (.openLate, "\(openAt(b)) AND late_since_day <= \(b) AND (end_day IS NULL OR end_day > late_since_day)"),
        (.digitised, "\(inRecv) AND digitised"), (.paidOnline, "\(inRecv) AND paid_online"), (.unsatisfied, "\(inRecv) AND rating = 1"),
    ]
    let select = exprs.map { "CAST(SUM(CASE WHEN \($0.1) THEN 1 ELSE 0 END) AS BIGINT) AS \"\($0.0.rawValue)\"" }.joined(separator: ", ")
    guard let row = try await sql.raw("SELECT \(unsafeRaw: select) FROM dossier_facts").first() else { return [:] }
    var out: [Figure: Int64] = [:]
    for (f, _) in exprs { out[f] = try row.decode(column: f.rawValue, as: Int64?.self) ?? 0 }
    return out
}

extension DossierFact {
    /// The same dossier as another one, `days` later (earlier when negative), numbered `n`.
    func copy(n: Int, movedBy days: Int) -> DossierFact {
        var f = self
        f.dossierID = UUID()
        f.code = "BENCH-\(n)"
        for path in [\DossierFact.receivedDay, \.notReceivedDay, \.dueDay, \.endDay, \.returnedDay, \.lateSinceDay] {
            f[keyPath: path] = f[keyPath: path].map { $0 + days }
        }
        f.supplements = supplements.split(separator: ",").map { episode in
            episode.split(separator: "-", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : String(Int($0)! + days) }.joined(separator: "-")
        }.joined(separator: ",")
        return f
    }
}

/// Empty tables `floor_<name>` shaped like `tables`, with their indexes and (SQLite) triggers.
func makeCopies(of tables: [String], on sql: any SQLDatabase) async throws {
    if sql.dialect.name != "sqlite" {
        for t in tables { try await sql.raw("CREATE TABLE \(unsafeRaw: "floor_" + t) (LIKE \(unsafeRaw: t) INCLUDING ALL)").run() }
        return
    }
    struct Object: Decodable { var type: String; var name: String; var sql: String }
    let names = tables + ["dossier_search"]
    let list = names.map { "'\($0)'" }.joined(separator: ", ")
    let objects = try await sql.raw("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN (\(unsafeRaw: list)) AND sql IS NOT NULL ORDER BY type = 'table' DESC, type = 'index' DESC")
        .all(decoding: Object.self)
    for o in objects {
        var ddl = o.sql
        if o.type != "table" { ddl = ddl.replacingOccurrences(of: o.name, with: "floor_" + o.name) }
        for t in names { ddl = ddl.replacingOccurrences(of: "\\b\(t)\\b", with: "floor_" + t, options: .regularExpression) }
        // An index or trigger name already renamed above must not get a second prefix.
        ddl = ddl.replacingOccurrences(of: "floor_floor_", with: "floor_")
        try await sql.raw("\(unsafeRaw: ddl)").run()
    }
}

// BENCH_REUSE=1 with DATABASE_URL: time the queries on the database a previous run loaded.
let reuse = environment["BENCH_REUSE"] == "1" && environment["DATABASE_URL"] != nil

do {
    if !reuse {
        try await app.autoRevert().get()
        try await Startup.migrate(app)
        try await DemoProvince.seed(on: app)
    }
    try await app.asyncBoot()
    guard let sql = app.db as? any SQLDatabase else { fatalError("SQL database required") }
    let now = Date()
    let thisYear = VietnamTime.civil(VietnamTime.dayNumber(now)).year
    say(reuse ? "indicators: the database a previous run loaded, \(config.database)"
        : "indicators: \(total) dossiers (\(importCount) through a full import), \(config.database)")

    if !reuse {
    // 1. Import a JSON Lines file.
    let lastYear = try await SyntheticYear.make(app: app, year: thisYear - 1, now: now)
    let file = dir + "/import.jsonl"
    FileManager.default.createFile(atPath: file, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
    let encoder = JSONEncoder.national
    for start in stride(from: 0, to: importCount, by: 10_000) {
        var chunk = Data()
        for n in start..<min(importCount, start + 10_000) { chunk.append(try encoder.encode(try lastYear.record(n, seed: 1))); chunk.append(0x0A) }
        try handle.write(contentsOf: chunk)
    }
    try handle.close()
    let importer = try await DossierImporter.make(app: app, agencyMap: [:])
    var report = ImportReport()
    let cpuBefore = cpuSeconds()
    let importSeconds = try await seconds { report = try await importer.run(path: file, app: app) }
    let importCPU = cpuSeconds() - cpuBefore
    // Baseline: the same file decoded, and its dossier rows inserted bare into a scratch table.
    try await sql.raw("CREATE TABLE bench_bare AS SELECT * FROM dossiers WHERE 1 = 0").run()
    let decoder = JSONDecoder.national
    let text = try Data(contentsOf: URL(fileURLWithPath: file))
    let bareSeconds = try await seconds {
        var rows: [[any Encodable & Sendable]] = []
        for line in text.split(separator: 0x0A) {
            let p = try decoder.decode(NationalDossierPayload.self, from: line)
            rows.append([UUID(), p.MaHoSo, p.MaTTHC, 1, p.TenTTHC, p.MaLinhVuc, p.KenhThucHien, p.TrangThaiHoSo, p.ChuHoSo, p.SoGiayToChuHoSo,
                         p.SoDienThoai, p.Email, p.TrichYeuHoSo, "{}", p.NoiNopHoSo, p.DonViXuLy, 24, p.NgayNopHoSo, p.NgayTiepNhan, p.NgayHenTra, 1,
                         "import", false])
            if rows.count == 1000 { try await bare(rows); rows = [] }
        }
        try await bare(rows)
    }
    func bare(_ rows: [[any Encodable & Sendable]]) async throws {
        guard !rows.isEmpty else { return }
        try await app.groupCommit.transaction { db in
            let insert = (db as! any SQLDatabase).insert(into: "bench_bare").columns(
                "id", "code", "procedure_code", "procedure_version", "procedure_name", "field_code", "channel", "status", "applicant_name",
                "applicant_identity", "applicant_phone", "applicant_email", "summary", "form_data", "receiving_agency", "deciding_agency",
                "processing_hours", "submitted_at", "received_at", "due_at", "revision", "source", "vneid_verified")
            for r in rows { insert.values(r.map { SQLBind($0) }) }
            try await insert.run()
        }
    }
    try await sql.raw("DROP TABLE bench_bare").run()
    let importRate = Double(report.imported) / importSeconds, bareRate = Double(importCount) / bareSeconds
    say(String(format: "import: %d dossiers (%d bad lines) in %.1f s = %.0f/s; bare decode + insert %.0f/s → %.2f×; target ≥ 20,000/s: %@",
                 report.imported, report.problems.count, importSeconds, importRate, bareRate, importRate / bareRate,
                 importRate >= 20_000 ? "met" : "NOT MET"))
    // Where the import's time went: the write queue is its critical path unless it waits for the
    // checks; the CPU a dossier took, on every core, bounds the rate on this machine.
    say(String(format: "import time: batches written %.1f s (%.0f%%), the write queue waiting for the next batch's checks %.1f s, catching up at the end %.1f s; CPU %.1f s on %d cores = %.0f µs a dossier (20,000/s allows %.0f)",
                 report.writing, 100 * report.writing / importSeconds, report.waitingForChecks, report.catchingUpTime, importCPU,
                 System.coreCount, 1e6 * importCPU / Double(max(1, report.imported)), 1e6 * Double(System.coreCount) / 20_000))
    // Ceiling: the database's own cost of the same rows. They are copied, set-based inside the
    // database (no driver, no binds), into empty copies of their tables with the same indexes and
    // triggers. No import that writes these rows can be faster than this.
    let copied = ["dossiers", "dossier_events", "dossier_attachments", "dossier_payments", "dossier_facts",
                  "stat_buckets", "stat_agency_buckets", "stat_procedure_buckets"]
    try await makeCopies(of: copied, on: sql)
    let floorSeconds = try await seconds {
        try await app.groupCommit.transaction { db in
            for t in copied { try await (db as! any SQLDatabase).raw("INSERT INTO \(unsafeRaw: "floor_" + t) SELECT * FROM \(unsafeRaw: t)").run() }
        }
    }
    for t in copied.reversed() { try await sql.raw("DROP TABLE \(unsafeRaw: "floor_" + t)").run() }
    if sql.dialect.name == "sqlite" { try await sql.raw("DROP TABLE floor_dossier_search").run() }
    let floorRate = Double(report.imported) / floorSeconds
    say(String(format: "import ceiling: the database alone writes the same rows (with their buckets) in %.1f s = %.0f dossiers/s; the import reaches %.0f%% of it",
                 floorSeconds, floorRate, 100 * importRate / floorRate))

    // 2. Load facts and buckets to the full size: five earlier years and this year so far. Two
    //    years are generated (the last full one and this one), their records checked by the
    //    importer and their facts derived as an import derives them; every year is then made of
    //    copies of one of these, moved to that year and spread by up to a week (new ids and codes),
    //    and written a million facts at a time with their buckets (`Aggregates.append`).
    let rest = total - importCount
    let years = [thisYear - 6, thisYear - 5, thisYear - 4, thisYear - 3, thisYear - 2, thisYear]
    let templateSize = min(200_000, max(1, rest / years.count))
    var loaded = 0
    let loadSeconds = try await seconds {
        func template(_ year: Int) async throws -> [DossierFact] {
            let synthetic = try await SyntheticYear.make(app: app, year: year, now: now)
            var facts: [DossierFact] = []
            for start in stride(from: 0, to: templateSize, by: 20_000) {
                let records = try (start..<min(templateSize, start + 20_000)).map { ($0 + 1, try synthetic.record($0, seed: UInt64(year))) }
                let (prepared, _) = await importer.prepare(records)
                facts += prepared.compactMap(FactDerivation.fact(of:))
            }
            return facts
        }
        let full = try await template(thisYear - 1), current = try await template(thisYear)
        var batch: [DossierFact] = []
        func flush() async throws {
            let facts = batch
            batch = []
            try await app.groupCommit.transaction { db in try await Aggregates.append(facts, on: db as! any SQLDatabase) }
        }
        for (i, year) in years.enumerated() {
            let (source, sourceYear) = year == thisYear ? (current, thisYear) : (full, thisYear - 1)
            let offset = VietnamTime.dayNumber(year: year, month: 1, day: 1) - VietnamTime.dayNumber(year: sourceYear, month: 1, day: 1)
            let share = i == years.count - 1 ? rest - loaded : rest / years.count
            for n in 0..<share {
                let copy = n / max(1, source.count)
                batch.append(source[n % source.count].copy(n: loaded, movedBy: offset - copy % 7))
                loaded += 1
                if batch.count == 1_000_000 { try await flush() }
            }
        }
        try await flush()
    }
    say(String(format: "load: %d more dossiers' facts (copies of %d generated for each of two years) in %.0f s", loaded, templateSize, loadSeconds))
    }
    struct Count: Decodable { var n: Int }
    let facts = try await sql.raw("SELECT COUNT(*) AS n FROM dossier_facts").first(decoding: Count.self)?.n ?? 0
    let buckets = try await sql.raw("SELECT COUNT(*) AS n FROM stat_buckets").first(decoding: Count.self)?.n ?? 0
    say(String(format: "%d facts, %d buckets (per agency and procedure)", facts, buckets))
    if sql.dialect.name == "postgresql" { try await sql.raw("VACUUM ANALYZE").run() } else { try await sql.raw("ANALYZE").run() }

    // 3. Queries.
    let target = sql.dialect.name == "sqlite" ? 500.0 : 100.0
    let today = VietnamTime.dayNumber(now)
    let periods = [try Period.parse(period: String(thisYear - 1), from: nil, to: nil, today: today),
                   try Period.parse(period: String(thisYear), from: nil, to: nil, today: today)]
    let finance = "H42.03"
    for period in periods {
        nonisolated(unsafe) var fast: StatisticsTable?
        let stats = try await measure { fast = try await StatisticsTable.load(period, filter: StatisticsFilter(), on: sql) }
        let agency = try await measure { _ = try await StatisticsTable.load(period, filter: StatisticsFilter(agencyCodes: [finance]), on: sql) }
        func route(_ path: String) async throws {
            let req = Request(application: app, method: .GET, url: URI(string: path), logger: quiet, on: app.eventLoopGroup.next())
            let res = try await app.responder.respond(to: req).get()
            guard res.status == .ok else { fatalError("\(path): \(res.status)") }
        }
        let index = try await measure { try await route("/api/v1/indicators/766?period=\(period.label)") }
        let ranking = try await measure(5) { try await route("/api/v1/indicators/766?period=\(period.label)&ranking=true") }
        var slow: [Figure: Int64] = [:]
        let scan = try await measure(3) { slow = try await naive(period, on: sql) }
        let total = fast?.total ?? Statistics()
        let mismatched = slow.filter { $0.value != $0.key.value(total) }.map(\.key.rawValue)
        let line = "%@: statistics median %.1f ms (p95 %.1f), one agency %.1f ms, 766 index via API %.1f ms (p95 %.1f); naive scan %.0f ms → %.0f× faster; target < %.0f ms: %@; figures %@; with the ranking of every unit %.0f ms"
        say(String(format: line, period.label, stats.median, stats.p95, agency.median, index.median, index.p95, scan.median,
                   scan.median / max(index.median, 0.001), target, max(stats.p95, index.p95) < target ? "met" : "NOT MET",
                   mismatched.isEmpty ? "equal to the scan's" : "DIFFER: \(mismatched.sorted())", ranking.median))
    }
    say("peak RSS \(rssMB()) MB")
    try await app.asyncShutdown()
    try? FileManager.default.removeItem(atPath: dir)
} catch {
    say("bench failed: \(String(reflecting: error))")
    try? await app.asyncShutdown()
    exit(1)
}
