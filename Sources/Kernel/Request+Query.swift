import Vapor

extension Request {
    /// A trimmed, non-empty query string value.
    public func queryString(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let raw = try? query.get(String.self, at: name) else { return nil }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { return nil }
        guard value.count <= maxLength else {
            throw RequestError.badParameter(name: name, reason: "dài quá \(maxLength) ký tự")
        }
        return value
    }

    /// A query value that must be one of an enum's raw values.
    public func queryEnum<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ name: String) throws -> T? where T.RawValue == String {
        guard let raw = try queryString(name) else { return nil }
        guard let value = T(rawValue: raw) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw RequestError.badParameter(name: name, reason: "phải là một trong: \(allowed)")
        }
        return value
    }

    /// A required path parameter.
    public func pathParameter(_ name: String) throws -> String {
        guard let value = parameters.get(name), !value.isEmpty else {
            throw RequestError.badParameter(name: name, reason: "thiếu giá trị")
        }
        return value
    }
}
