import Foundation
import NIOConcurrencyHelpers

/// Số đo vận hành: counters and latency histograms kept in memory and written in the Prometheus
/// text format (`/metrics`). Small on purpose: a name, fixed labels, no exemplars.
public final class Metrics: Sendable {
    /// Latency buckets in seconds, from 1 ms to 10 s.
    public static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

    struct Key: Hashable { var name: String; var labels: [String] }
    struct Histogram { var counts: [Int]; var sum: Double; var count: Int }
    private struct State {
        var help: [String: (kind: String, text: String, labelNames: [String])] = [:]
        var counters: [Key: Double] = [:]
        var histograms: [Key: Histogram] = [:]
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Declares a metric once, with its label names, so that it is listed even before it counts.
    public func describe(_ name: String, kind: String, help: String, labels: [String]) {
        state.withLockedValue { $0.help[name] = (kind, help, labels) }
    }

    public func increment(_ name: String, _ labels: [String] = [], by amount: Double = 1) {
        state.withLockedValue { $0.counters[Key(name: name, labels: labels), default: 0] += amount }
    }

    public func observe(_ name: String, _ labels: [String] = [], seconds: Double) {
        state.withLockedValue { s in
            var h = s.histograms[Key(name: name, labels: labels)] ?? Histogram(counts: Array(repeating: 0, count: Self.buckets.count), sum: 0, count: 0)
            for (i, bound) in Self.buckets.enumerated() where seconds <= bound { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.histograms[Key(name: name, labels: labels)] = h
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    public func exposition(extra: [(name: String, help: String, value: Double)] = []) -> String {
        let s = state.withLockedValue { $0 }
        var out = ""
        func labelText(_ names: [String], _ values: [String], extra: String? = nil) -> String {
            var parts = zip(names, values).map { "\($0)=\"\(Self.escape($1))\"" }
            if let extra { parts.append(extra) }
            return parts.isEmpty ? "" : "{" + parts.joined(separator: ",") + "}"
        }
        for (name, help) in s.help.sorted(by: { $0.key < $1.key }) {
            out += "# HELP \(name) \(help.text)\n# TYPE \(name) \(help.kind)\n"
            if help.kind == "histogram" {
                for (key, h) in s.histograms.filter({ $0.key.name == name }).sorted(by: { $0.key.labels.lexicographicallyPrecedes($1.key.labels) }) {
                    for (i, bound) in Self.buckets.enumerated() {
                        out += "\(name)_bucket\(labelText(help.labelNames, key.labels, extra: "le=\"\(bound)\"")) \(h.counts[i])\n"
                    }
                    out += "\(name)_bucket\(labelText(help.labelNames, key.labels, extra: "le=\"+Inf\"")) \(h.count)\n"
                    out += "\(name)_sum\(labelText(help.labelNames, key.labels)) \(h.sum)\n\(name)_count\(labelText(help.labelNames, key.labels)) \(h.count)\n"
                }
            } else {
                for (key, v) in s.counters.filter({ $0.key.name == name }).sorted(by: { $0.key.labels.lexicographicallyPrecedes($1.key.labels) }) {
                    out += "\(name)\(labelText(help.labelNames, key.labels)) \(v)\n"
                }
            }
        }
        for e in extra { out += "# HELP \(e.name) \(e.help)\n# TYPE \(e.name) gauge\n\(e.name) \(e.value)\n" }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}

import Vapor

extension Application {
    private struct MetricsKey: StorageKey { typealias Value = Metrics }
    /// The server's metrics (`/metrics`), shared by every module.
    public var metrics: Metrics {
        if let m = storage[MetricsKey.self] { return m }
        let m = Metrics()
        storage[MetricsKey.self] = m
        return m
    }
}
