import Vapor

/// CSV downloads that spreadsheet programs open correctly: UTF-8 with a byte-order mark, CRLF,
/// every field quoted, and a leading formula character neutralised so a cell never runs.
public enum CSV {
    public static func field(_ s: String) -> String {
        let safe = s.first.map { "=+-@".contains($0) } == true ? "'" + s : s
        return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func response(filename: String, header: [String], rows: [[String]]) -> Response {
        var csv = header.map(field).joined(separator: ",") + "\r\n"
        for r in rows { csv += r.map(field).joined(separator: ",") + "\r\n" }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"")
        return Response(status: .ok, headers: headers, body: .init(string: "\u{FEFF}" + csv))
    }
}
