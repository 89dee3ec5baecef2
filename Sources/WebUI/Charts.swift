import Foundation

/// SVG charts drawn on the server: no script, readable by screen readers through their title,
/// description and a text label on every bar, and scaled to the width of a phone.
public enum Charts {
    public struct Bar: Sendable {
        public var label: String
        public var value: Double
        /// The bar's full length (a target, or the maximum points).
        public var scale: Double
        /// What is printed at the end of the bar.
        public var text: String
        public init(label: String, value: Double, scale: Double, text: String) {
            self.label = label; self.value = value; self.scale = scale; self.text = text
        }
    }

    /// Horizontal bars, each under its label and against its own scale (drawn as a light track);
    /// narrow enough to be read at full size on a phone.
    public static func bars(title: String, _ bars: [Bar]) -> HTML {
        let row = 42, barWidth = 320, width = 420
        let height = row * bars.count + 4
        let body = bars.enumerated().html { i, b in
            let y = i * row
            let fraction = b.scale > 0 ? max(0, min(1, b.value / b.scale)) : 0
            let length = Int((fraction * Double(barWidth)).rounded())
            return """
            <text x="0" y="\(y + 15)" class="chart-label">\(b.label)</text>
            <rect x="0" y="\(y + 21)" width="\(barWidth)" height="16" class="chart-track"/>
            <rect x="0" y="\(y + 21)" width="\(length)" height="16" class="chart-bar"/>
            <text x="\(barWidth + 8)" y="\(y + 34)" class="chart-value">\(b.text)</text>
            """
        }
        let id = "chart-\(abs(title.hashValue % 100_000))"
        return """
        <figure class="chart">
        <svg viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)" preserveAspectRatio="xMinYMin meet">
        <title id="\(id)">\(title)</title>
        \(body)
        </svg>
        <figcaption>\(title)</figcaption>
        </figure>
        """
    }

    /// A line over days (a trend), its vertical range fitted to the values (within 0…`maxValue`)
    /// so that a change of a point shows; the first and last values and the range are labelled.
    /// - Parameter digits: the decimals the values are told with (0 for counts).
    public static func line(title: String, points: [(label: String, value: Double)], maxValue: Double, digits: Int = 2) -> HTML {
        guard points.count > 1, maxValue > 0 else { return "<p class=\"muted\">\(title): chưa đủ số liệu để vẽ xu hướng.</p>" }
        let width = 420.0, height = 200.0, pad = 30.0
        let values = points.map(\.value)
        let low = max(0, (values.min() ?? 0) - 2), high = min(maxValue, (values.max() ?? maxValue) + 2)
        let span = max(high - low, 0.01)
        let step = (width - 2 * pad) / Double(points.count - 1)
        let coords = points.enumerated().map { i, p in
            (pad + Double(i) * step, height - pad - (height - 2 * pad) * max(0, min(1, (p.value - low) / span)))
        }
        let path = coords.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
        let first = points[0], last = points[points.count - 1]
        return """
        <figure class="chart">
        <svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(title): từ \(Components.decimal(first.value, digits)) (\(first.label)) đến \(Components.decimal(last.value, digits)) (\(last.label))">
        <line x1="\(Int(pad))" y1="\(Int(height - pad))" x2="\(Int(width - pad))" y2="\(Int(height - pad))" class="chart-axis"/>
        <text x="0" y="\(Int(height - pad))" class="chart-label">\(String(format: "%.0f", low))</text>
        <text x="0" y="\(Int(pad))" class="chart-label">\(String(format: "%.0f", high))</text>
        <polyline points="\(path)" class="chart-line"/>
        <text x="\(Int(pad))" y="\(Int(height - 8))" class="chart-label">\(first.label)</text>
        <text x="\(Int(width - pad))" y="\(Int(height - 8))" text-anchor="end" class="chart-label">\(last.label)</text>
        <text x="\(Int(width - pad))" y="\(String(format: "%.0f", max(12, coords[coords.count - 1].1 - 6)))" text-anchor="end" class="chart-value">\(Components.decimal(last.value, digits))</text>
        </svg>
        <figcaption>\(title)</figcaption>
        </figure>
        """
    }
}
