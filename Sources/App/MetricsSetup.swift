import Foundation
import Kernel
import Vapor

/// Every request, by method, route pattern and status, and its duration: the whole server's
/// share of `/metrics` (the gateway adds its exchanges).
struct MetricsMiddleware: AsyncMiddleware {
    let metrics: Metrics

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        var status = "500"
        defer {
            // The pattern, not the path: one series per route, not one per dossier code.
            let route = req.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
            metrics.increment("tinhso_http_requests_total", [req.method.rawValue, route, status])
            metrics.observe("tinhso_http_request_duration_seconds", [route], seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        let response = try await next.respond(to: req)
        status = String(response.status.code)
        return response
    }
}

enum MetricsSetup {
    static func use(on app: Application, token: String?) {
        let m = app.metrics
        m.describe("tinhso_http_requests_total", kind: "counter", help: "HTTP requests by method, route and status.", labels: ["method", "route", "status"])
        m.describe("tinhso_http_request_duration_seconds", kind: "histogram", help: "HTTP request duration by route.", labels: ["route"])
        app.middleware.use(MetricsMiddleware(metrics: m))
        let started = Date()
        // For the monitoring system: from this machine, or with TINHSO_METRICS_TOKEN as a bearer token.
        app.get("metrics") { req -> Response in
            let loopback = ["127.0.0.1", "::1"].contains(req.remoteAddress?.ipAddress ?? "")
            let authorised = token.map { !$0.isEmpty && req.headers.bearerAuthorization?.token == $0 } ?? false
            guard loopback || authorised else { throw Abort(.forbidden, reason: "metrics are served to this machine or with TINHSO_METRICS_TOKEN") }
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
            let text = m.exposition(extra: [
                ("tinhso_process_resident_memory_bytes", "Resident memory of the server.", Double(residentBytes())),
                ("tinhso_process_uptime_seconds", "Seconds since the server started.", Date().timeIntervalSince(started)),
            ])
            return Response(status: .ok, headers: headers, body: .init(string: text))
        }
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}
