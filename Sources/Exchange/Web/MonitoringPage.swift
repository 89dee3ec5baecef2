import Fluent
import Foundation
import Kernel
import SQLKit
import Vapor
import WebUI

/// Giám sát: calls, error rates and latency percentiles per service and per consumer, and the
/// calls hour by hour, from the message log (the newest `sample` exchanges of the window, so
/// that the page costs the same on a busy day).
struct MonitoringPage: RouteCollection {
    static let sample = 50_000

    func boot(routes: any RoutesBuilder) throws {
        routes.grouped(RequireViewer.admin).get(SiteURL.exchangeMonitoring.route, use: page)
    }

    struct Row: Decodable { var service: String; var client: String; var status: Int; var error_type: String; var duration_us: Int; var at: Date }

    struct Figures {
        var calls = 0, errors = 0
        var durations: [Int] = []
        func percentile(_ p: Double) -> Double {
            guard !durations.isEmpty else { return 0 }
            let sorted = durations.sorted()
            return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
        }
        mutating func add(_ r: Row) {
            calls += 1
            if r.status >= 400 { errors += 1 }
            durations.append(r.duration_us)
        }
    }

    @Sendable func page(_ req: Request) async throws -> Response {
        let hours = min(168, max(1, (try? req.query.get(Int.self, at: "gio")) ?? 24))
        let now = req.application.clock.now()
        let since = now.addingTimeInterval(-Double(hours) * 3600)
        guard let sql = req.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let rows = try await sql.select().columns("service", "client", "status", "error_type", "duration_us", "at").from(MessageRecord.schema)
            .where("at", .greaterThanOrEqual, SQLBind(since)).orderBy("seq", .descending).limit(Self.sample).all(decoding: Row.self)
        // Over time: by the hour, or by five minutes when the window is one hour.
        let step: TimeInterval = hours == 1 ? 300 : 3600
        let steps = Int(Double(hours) * 3600 / step)
        var byService: [String: Figures] = [:], byClient: [String: Figures] = [:]
        var overTime = Array(repeating: Figures(), count: steps)
        for r in rows {
            byService[r.service.isEmpty ? "—" : r.service, default: Figures()].add(r)
            byClient[r.client.isEmpty ? "—" : r.client, default: Figures()].add(r)
            let i = Int(now.timeIntervalSince(r.at) / step)
            if (0..<steps).contains(i) { overTime[steps - 1 - i].add(r) }
        }
        func table(_ title: String, _ figures: [String: Figures]) -> HTML {
            """
            <h2>\(title)</h2>
            <div class="table-wrap"><table><thead><tr><th scope="col"></th><th scope="col">Lời gọi</th><th scope="col">Lỗi</th>\
            <th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead>
            <tbody>\(figures.sorted { $0.value.calls > $1.value.calls }.html { name, f in
                """
                <tr><td><code>\(name)</code></td><td>\(Components.count(f.calls))</td>\
                <td>\(Components.decimal(f.calls == 0 ? 0 : Double(f.errors) * 100 / Double(f.calls), 1)) %</td>\
                <td>\(Components.decimal(f.percentile(0.5), 1)) ms</td><td>\(Components.decimal(f.percentile(0.95), 1)) ms</td>\
                <td>\(Components.decimal(f.percentile(0.99), 1)) ms</td></tr>
                """
            })</tbody></table></div>
            """
        }
        let labels = (0..<steps).map { i in VietnamTime.display(now.addingTimeInterval(-Double(steps - 1 - i) * step)) }
        func chart(_ title: String, digits: Int, _ value: (Figures) -> Double) -> HTML {
            let points = zip(labels, overTime).map { (label: $0, value: value($1)) }
            return Charts.line(title: title, points: points, maxValue: max(1, points.map(\.value).max() ?? 1), digits: digits)
        }
        let per = hours == 1 ? "mỗi 5 phút" : "mỗi giờ"
        let main: HTML = """
        <p><a href="\(SiteURL.exchange.path)">← LGSP</a></p>
        <h1>Giám sát trao đổi dữ liệu</h1>
        <form class="filters" method="get">\(Components.select("Khoảng thời gian", name: "gio",
            options: [("1", "1 giờ qua"), ("24", "24 giờ qua"), ("168", "7 ngày qua")], selected: String(hours)))
        <div class="field"><span aria-hidden="true">&nbsp;</span><button type="submit">Xem</button></div></form>
        <p>\(Components.count(rows.count)) lời gọi\(if: rows.count == Self.sample, HTML(" (mới nhất; khoảng thời gian có nhiều hơn)")) \
        trong \(hours) giờ qua. Lỗi là mọi câu trả lời từ 400 trở lên, của cổng hoặc của dịch vụ.</p>
        <div class="charts">
        \(chart("Lời gọi \(per)", digits: 0) { Double($0.calls) })
        \(chart("Tỷ lệ lỗi \(per) (%)", digits: 1) { $0.calls == 0 ? 0 : Double($0.errors) * 100 / Double($0.calls) })
        \(chart("Độ trễ p50 \(per) (ms)", digits: 1) { $0.percentile(0.5) })
        \(chart("Độ trễ p95 \(per) (ms)", digits: 1) { $0.percentile(0.95) })
        \(chart("Độ trễ p99 \(per) (ms)", digits: 1) { $0.percentile(0.99) })
        </div>
        \(table("Theo dịch vụ", byService))
        \(table("Theo hệ thống gọi", byClient))
        """
        return Layout.page(req, title: "Giám sát LGSP", main: main)
    }
}
