import Exchange
import Foundation
import Indicators
import Kernel
import NIOConcurrencyHelpers
import OneStop
import SQLKit
import Vapor

/// `tinhso demo` (load the demo province) and `tinhso demo generate` (a synthetic year).
struct DemoCommands: AsyncCommandGroup {
    var help: String { "Load the Phú Thọ demo province (`demo`), or generate a year of dossiers (`demo generate`)" }
    var commands: [String: any AnyAsyncCommand] { ["generate": GenerateCommand()] }
    var defaultCommand: (any AnyAsyncCommand)? { DemoCommand() }
}

/// `tinhso demo generate --dossiers 400000 --year 2026 [--seed 1] [--out FILE]`.
struct GenerateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "dossiers", help: "How many dossiers (default 10000)") var dossiers: Int?
        @Option(name: "year", help: "The year they are submitted in (default: this year)") var year: Int?
        @Option(name: "seed", help: "The same seed gives the same dossiers (default 1)") var seed: Int?
        @Option(name: "out", help: "Write JSON Lines (the import format) to this file instead of importing") var out: String?
    }
    var help: String { "Generate a realistic year of dossiers for the demo province (imported, or written as JSON Lines)" }

    func run(using context: CommandContext, signature s: Signature) async throws {
        let app = context.application
        try await Startup.migrate(app)
        if try await !DemoProvince.isSeeded(on: app.db) { try await DemoProvince.seed(on: app) }
        let now = app.clock.now()
        let count = s.dossiers ?? 10_000, seed = UInt64(max(0, s.seed ?? 1))
        let thisYear = VietnamTime.civil(VietnamTime.dayNumber(now)).year
        let year = s.year ?? thisYear
        guard (1...100_000_000).contains(count) else { throw CommandFailure("--dossiers phải từ 1 đến 100.000.000") }
        guard (2000...thisYear).contains(year) else { throw CommandFailure("--year phải từ 2000 đến năm nay") }
        let synthetic = try await SyntheticYear.make(app: app, year: year, now: now)
        let bar = ProgressBar(total: Int64(count), unit: "hồ sơ")
        let started = Date()
        if let out = s.out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
                throw CommandFailure("Không tạo được tệp \(out)")
            }
            defer { try? file.close() }
            let encoder = JSONEncoder.national
            for start in stride(from: 0, to: count, by: 5000) {
                var chunk = Data()
                for n in start..<min(count, start + 5000) {
                    chunk.append(try encoder.encode(try synthetic.record(n, seed: seed)))
                    chunk.append(0x0A)
                }
                try file.write(contentsOf: chunk)
                bar.update(Int64(min(count, start + 5000)))
            }
            bar.finish()
            context.console.print("Đã ghi \(count) hồ sơ vào \(out) trong \(String(format: "%.1f", Date().timeIntervalSince(started))) giây.")
            return
        }
        let importer = try await DossierImporter.make(app: app, agencyMap: [:])
        var report = ImportReport()
        var seen = Set<UInt64>()
        for start in stride(from: 0, to: count, by: 2000) {
            let records = try (start..<min(count, start + 2000)).map { ($0 + 1, try synthetic.record($0, seed: seed)) }
            let (prepared, problems) = await importer.prepare(records)
            report.lines += records.count
            report.problems += problems
            try await importer.store(prepared, seen: &seen, report: &report, app: app)
            bar.update(Int64(report.lines))
        }
        bar.finish()
        for p in report.problems.prefix(20) { context.console.print("hồ sơ \(p.line)\(p.code.map { " (\($0))" } ?? ""): \(p.reason)") }
        ImportCommand.summary(report, seconds: Date().timeIntervalSince(started), console: context.console)
    }
}

/// `tinhso import dossiers FILE [--agency-map FILE.csv]`.
struct ImportCommands: AsyncCommandGroup {
    var help: String { "Import data from another system: `import dossiers FILE`" }
    var commands: [String: any AnyAsyncCommand] { ["dossiers": ImportCommand()] }
}

struct ImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "JSON Lines, one dossier a line, in the national sync shape") var file: String
        @Option(name: "agency-map", help: "CSV of old agency code,new agency code (a merged province's agencies)") var agencyMap: String?
    }
    var help: String { "Import historical dossiers (JSON Lines in the national sync shape); safe to run again" }

    func run(using context: CommandContext, signature s: Signature) async throws {
        let app = context.application
        try await Startup.migrate(app)
        var map: [String: String] = [:]
        if let path = s.agencyMap {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure("Không đọc được \(path)") }
            for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let cols = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\""))) }
                guard cols.count >= 2, !cols[0].isEmpty, !cols[1].isEmpty else { throw CommandFailure("\(path) dòng \(n + 1): cần “mã cũ,mã mới”") }
                map[cols[0]] = cols[1]
            }
        }
        // An import cut off earlier is repaired here rather than by the run's start, which cannot
        // retake the daily 766 snapshots taken while its dossiers were missing from the statistics.
        try await Indicators.repairAfterCutOffImports(app)
        let importer = try await DossierImporter.make(app: app, agencyMap: map)
        let started = Date()
        let bar = ProgressBar(total: 0, unit: "dòng")
        let printed = NIOLockedValueBox(0)
        let console = context.console
        let report = try await importer.run(path: s.file, app: app) { r in
            if r.catchingUp {
                bar.interrupt { console.print("Đã ghi hết các dòng; đang cộng số liệu thống kê của các hồ sơ vừa nhập…") }
                return
            }
            bar.update(r.bytesRead, of: r.bytesTotal, count: Int64(r.lines))
            // Bad lines are shown as they are met, not only at the end.
            printed.withLockedValue { shown in
                for p in r.problems.dropFirst(shown).prefix(max(0, 200 - shown)) {
                    bar.interrupt { console.print("dòng \(p.line)\(p.code.map { " (\($0))" } ?? ""): \(p.reason)") }
                }
                shown = r.problems.count
            }
        }
        bar.finish()
        Self.summary(report, seconds: Date().timeIntervalSince(started), console: console)
        if report.imported > 0 {
            let days = try await IndexSnapshots.retake(app: app, now: app.clock.now())
            console.print("Đã tính lại điểm QĐ 766 hằng ngày của \(days) ngày gần nhất theo số liệu vừa nhập.")
        }
        // A script running the migration must see that some lines did not go in.
        if !report.problems.isEmpty { throw CommandFailure("\(report.problems.count) dòng không nhập được (các dòng khác đã nhập; sửa rồi chạy lại tệp)") }
    }

    static func summary(_ r: ImportReport, seconds: Double, console: any Console) {
        console.print("""
        Đọc \(r.lines) dòng: nhập \(r.imported) hồ sơ, \(r.alreadyThere) hồ sơ đã có từ lần nhập trước, \(r.problems.count) dòng lỗi \
        (\(String(format: "%.1f", seconds)) giây, \(Int(Double(r.imported + r.alreadyThere) / max(seconds, 0.001))) hồ sơ/giây).
        """)
        if r.problems.count > 200 { console.print("(Chỉ hiện 200 dòng lỗi đầu tiên.)") }
    }
}

/// `tinhso statistics rebuild`: derives every fact and aggregate anew from the dossiers.
struct StatisticsCommands: AsyncCommandGroup {
    var help: String { "Statistics maintenance: `statistics rebuild`" }
    var commands: [String: any AnyAsyncCommand] { ["rebuild": RebuildStatisticsCommand()] }
}

struct RebuildStatisticsCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Recompute the statistics' facts and aggregates from the dossiers (after restoring a backup, say)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Startup.migrate(app)
        let started = Date()
        try await app.groupCommit.transaction { db in
            guard let sql = db as? any SQLDatabase else { throw CommandFailure("Cần cơ sở dữ liệu SQL") }
            let running = try await Indicators.importsUnderWay(on: sql)
            guard running == 0 else {
                throw CommandFailure("Đang có \(running) lần nhập hồ sơ chạy: chờ nhập xong rồi tính lại, kẻo số liệu của lần nhập bị cộng hai lần.")
            }
            try await Aggregates.rebuild(on: sql)
            try await Indicators.forgetCutOffImports(on: sql)
        }
        try await IndexSnapshots.retake(app: app, now: app.clock.now())
        context.console.print("Đã tính lại số liệu thống kê trong \(String(format: "%.1f", Date().timeIntervalSince(started))) giây.")
    }
}

/// `tinhso exchange verify|archive|verify-archive`: the gateway's message log chain, its archives.
struct ExchangeCommands: AsyncCommandGroup {
    var help: String { "Exchange (LGSP) maintenance: `exchange verify`, `exchange archive`, `exchange verify-archive`" }
    var commands: [String: any AnyAsyncCommand] {
        ["verify": VerifyMessageLogCommand(), "archive": ArchiveMessageLogCommand(), "verify-archive": VerifyArchiveCommand()]
    }
}

struct ArchiveMessageLogCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "before", help: "Archive the sealed records older than this day (YYYY-MM-DD, Vietnam time)") var before: String?
    }
    var help: String { "Move sealed message log records older than a day into a signed file under DATA_DIR/archives" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Startup.migrate(app)
        guard let key = app.platformKey else { throw CommandFailure("chưa có khoá của nền tảng") }
        let dataDir = app.config.dataDir
        guard let day = signature.before else { throw CommandFailure("cần --before NNNN-TT-NN (ngày theo giờ Việt Nam)") }
        guard let before = VietnamTime.startOfDay(day) else { throw CommandFailure("--before \(day): không phải một ngày có thật dạng NNNN-TT-NN") }
        guard let a = try await MessageLog.archive(before: before, directory: MessageLog.archiveDirectory(dataDir), key: key, app: app) else {
            context.console.print("Không có bản ghi đã niêm phong nào trước \(day) để lưu trữ.")
            return
        }
        context.console.print("Đã lưu trữ \(a.records) bản ghi (\(a.firstSeq)–\(a.lastSeq)) vào \(MessageLog.archiveDirectory(dataDir))/\(a.fileName).")
    }
}

struct VerifyArchiveCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "An archive file (message-log-FIRST-LAST.jsonl), next to its .manifest.json") var file: String
    }
    var help: String { "Check an archive file of the message log: its signed manifest, its hash, its chain and its seals" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let key = context.application.platformKey else { throw CommandFailure("chưa có khoá của nền tảng") }
        let v = try MessageLog.verifyFile(signature.file, keys: key.verifying)
        if let problem = v.problem {
            throw CommandFailure("tệp lưu trữ không nguyên vẹn: \(problem)")
        }
        context.console.print("Tệp lưu trữ nguyên vẹn: \(v.records) bản ghi, \(v.seals) dấu niêm phong.")
    }
}

struct VerifyMessageLogCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "from", help: "First record (default 1)") var from: Int?
        @Option(name: "through", help: "Last record (default the newest)") var through: Int?
    }
    var help: String { "Check that the message log's records are intact and chained, and name the first that is not" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Startup.migrate(app)
        guard let key = app.platformKey else { throw CommandFailure("chưa có khoá của nền tảng") }
        let v = try await MessageLog.verify(from: signature.from ?? 1, through: signature.through, keys: key.verifying, on: app.db)
        if let broken = v.firstBroken {
            throw CommandFailure("nhật ký trao đổi bị thay đổi tại bản ghi \(broken): \(v.reason ?? "") (đã kiểm \(v.checked) bản ghi nguyên vẹn trước đó)")
        }
        let sealed = v.sealedThrough.map { "niêm phong đến bản ghi \($0) (\(v.seals) dấu)" } ?? "chưa có dấu niêm phong"
        let archived = v.archivedThrough.map { "; bản ghi 1–\($0) đã lưu trữ ra tệp (kiểm bằng exchange verify-archive)" } ?? ""
        context.console.print("Nhật ký trao đổi nguyên vẹn: \(v.checked) bản ghi, \(sealed)\(archived).")
    }
}

/// A command that cannot do what it was asked: `description` (Vietnamese) is printed once and the
/// process exits with status 1.
public struct CommandFailure: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// A one-line progress bar on standard error, redrawn at most five times a second; only on a
/// terminal (redirected to a file, the redraws would be noise).
final class ProgressBar: Sendable {
    private let onTerminal = isatty(STDERR_FILENO) == 1
    private let state: NIOLockedValueBox<(last: Date, drawn: Bool)>
    private let total: Int64
    private let unit: String
    private let started = Date()

    init(total: Int64, unit: String) {
        self.total = total; self.unit = unit
        state = NIOLockedValueBox((Date.distantPast, false))
    }

    func update(_ done: Int64) { update(done, of: total, count: done) }

    func update(_ done: Int64, of total: Int64, count: Int64) {
        state.withLockedValue { s in
            guard onTerminal, Date().timeIntervalSince(s.last) > 0.2 else { return }
            s.last = Date()
            s.drawn = true
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
            let filled = Int(fraction * 30)
            let rate = Double(count) / max(0.001, Date().timeIntervalSince(started))
            let line = "\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: 30 - filled))] \(Int(fraction * 100))% · \(count) \(unit) · \(Int(rate))/giây"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Prints something on its own line without tearing the bar.
    func interrupt(_ print: () -> Void) {
        state.withLockedValue { s in
            if s.drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            print()
            s.last = .distantPast
        }
    }

    func finish() {
        state.withLockedValue { s in if s.drawn { FileHandle.standardError.write(Data("\n".utf8)) } }
    }
}
