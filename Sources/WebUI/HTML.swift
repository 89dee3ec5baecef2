import Vapor

/// A fragment of HTML. Interpolated strings are escaped; interpolated `HTML` is inserted as is,
/// so markup can only enter a page through this type and user text cannot break out of it.
public struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var rendered: String

    public init(unsafeRaw: String) { rendered = unsafeRaw }
    public init(stringLiteral value: String) { rendered = value }
    public init(stringInterpolation: Interpolation) { rendered = stringInterpolation.output }
    public static let empty = HTML(unsafeRaw: "")
    public var description: String { rendered }

    public struct Interpolation: StringInterpolationProtocol {
        var output = ""
        public init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + interpolationCount * 16)
        }
        public mutating func appendLiteral(_ literal: String) { output += literal }
        public mutating func appendInterpolation(_ html: HTML) { output += html.rendered }
        public mutating func appendInterpolation(_ html: [HTML]) { for h in html { output += h.rendered } }
        public mutating func appendInterpolation(_ text: String) { output += HTML.escape(text) }
        public mutating func appendInterpolation(_ text: String?) { output += HTML.escape(text ?? "") }
        public mutating func appendInterpolation<N: BinaryInteger>(_ number: N) { output += String(number) }
        /// Inserts `html` only when `condition` holds.
        public mutating func appendInterpolation(if condition: Bool, _ html: HTML) {
            if condition { output += html.rendered }
        }
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    public static func join(_ parts: [HTML]) -> HTML { HTML(unsafeRaw: parts.map(\.rendered).joined()) }
}

extension Array where Element == HTML {
    public func joined() -> HTML { HTML.join(self) }
}

extension Sequence {
    /// Renders each element; reads as a loop inside a template.
    public func html(_ render: (Element) throws -> HTML) rethrows -> HTML {
        HTML.join(try map(render))
    }
}

extension HTML: AsyncResponseEncodable {
    public func encodeResponse(for request: Request) async throws -> Response {
        response(status: .ok)
    }

    public func response(status: HTTPResponseStatus) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: status, headers: headers, body: .init(string: rendered))
    }
}
