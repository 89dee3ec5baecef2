import App
import Directory
import Fluent
import Foundation
import Kernel
import Procedures
import Vapor

// Procedure search on a catalog of 2,000 procedures (issue 2: "fast on 2,000 procedures"),
// against a baseline measured in the same run: loading every procedure and filtering in Swift.
// SQLite by default; DATABASE_URL=postgres://… runs it on PostgreSQL (the database is emptied).

Startup.useEventLoopsForConcurrency()  // as the server runs
let size = Int(ProcessInfo.processInfo.environment["BENCH_PROCEDURES"] ?? "") ?? 2_000
let dir = NSTemporaryDirectory() + "tinhso-bench-\(UUID().uuidString.prefix(8))"
var env = Environment(name: "bench", arguments: ["catalog-bench"])
try LoggingSystem.bootstrap(from: &env)
var config = try AppConfig.load(from: ["TINHSO_DATA_DIR": dir, "DATABASE_URL": ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""])
config.bcryptCost = 8
let app = try await Application.make(env)
app.logger.logLevel = .warning
try await configure(app, config: config)

do {
    try await app.autoRevert().get()  // `.get()`: at top level the bare call resolves to the future-returning overload and is not awaited
    try await Startup.migrate(app)
    try await DemoProvince.seed(on: app)
    // Grow the demo catalog to `size` by variants of its procedures under new codes.
    let demo = try await ProcedureQueries.search(.init(), page: Paging(page: 1, per: 100), on: app.db).items
    let definitions = try await demo.asyncMap { try await ProcedureQueries.procedure(code: $0.code, on: app.db).definition }
    let suffixes = ["cấp tỉnh", "trực tuyến", "đối với hộ gia đình", "cho tổ chức", "trường hợp đặc biệt", "có yếu tố nước ngoài"]
    var n = 0
    while demo.count + n < size {
        var d = definitions[n % definitions.count]
        d.code = String(format: "9.%06d", n)
        d.name += " " + suffixes[n % suffixes.count] + " (biến thể \(n / definitions.count + 1))"
        try await ProcedureCatalog.save(d, by: nil, now: Date(), on: app.db)
        n += 1
    }
    let total: Int = try await Procedure.query(on: app.db).count()
    print("catalog: \(total) procedures, \(config.database)")

    let queries: [ProcedureQueries.Filter] = [
        .init(q: "dang ky khai sinh"), .init(q: "Đăng ký kết hôn"), .init(q: "giay phep xay dung"), .init(q: "chung thuc"),
        .init(q: "doanh nghiep", level: "province"), .init(q: "ho kinh doanh", online: .full), .init(field: "HOTICH"),
        .init(q: "khong co ket qua nao"), .init(q: "1.001193"), .init(),
    ]
    func time(_ rounds: Int, _ body: () async throws -> Int) async throws -> [Double] {
        var samples: [Double] = []
        for _ in 0..<rounds {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try await body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return samples.sorted()
    }
    func report(_ label: String, _ s: [Double]) {
        print(String(format: "%@: p50 %.2f ms, p95 %.2f ms (%d searches)", label, s[s.count / 2], s[s.count * 95 / 100], s.count))
    }
    // Warm up, then measure each query 30 times.
    for q in queries { _ = try await ProcedureQueries.search(q, page: Paging(), on: app.db) }
    var indexed: [Double] = [], naive: [Double] = []
    for q in queries {
        indexed += try await time(30) { try await ProcedureQueries.search(q, page: Paging(), on: app.db).total }
        naive += try await time(30) {
            // Baseline: every row to Swift, fold and filter there.
            let tokens = VietnameseText.searchTokens(q.q ?? "")
            return try await Procedure.query(on: app.db).all().filter { p in
                tokens.allSatisfy { p.nameFolded.contains($0) || p.code.contains($0) }
                    && (q.field.map { $0 == p.fieldCode } ?? true) && (q.level.map { p.levels.contains($0) } ?? true)
                    && (q.online.map { $0.rawValue == p.onlineLevel } ?? true)
            }.count
        }
    }
    indexed.sort(); naive.sort()
    report("search (SQL, one page)", indexed)
    report("baseline (load all, filter in Swift)", naive)
    print(String(format: "ratio to baseline at p50: %.1f×", naive[naive.count / 2] / indexed[indexed.count / 2]))
    print("target p95 < 50 ms: \(indexed[indexed.count * 95 / 100] < 50 ? "met" : "NOT MET")")
} catch {
    print("catalog-bench failed: \(error)")
}
try await app.asyncShutdown()
try? FileManager.default.removeItem(atPath: dir)

extension Array {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
