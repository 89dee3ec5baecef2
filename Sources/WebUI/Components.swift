import Vapor

/// The pieces every page repeats: form fields with their errors, paging, badges.
public enum Components {
    public static func csrfField(_ token: String) -> HTML {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(token)\">"
    }

    /// A labelled input; `error` is shown next to it and linked by `aria-describedby`.
    public static func field(
        _ label: String, name: String, type: String = "text", value: String? = nil,
        error: String? = nil, required: Bool = false, autocomplete: String? = nil,
        hint: String? = nil, inputmode: String? = nil
    ) -> HTML {
        let described = [hint.map { _ in "\(name)-hint" }, error.map { _ in "\(name)-error" }]
            .compactMap { $0 }.joined(separator: " ")
        let attrs = HTML(unsafeRaw: [
            required ? " required" : "",
            autocomplete.map { " autocomplete=\"\(HTML.escape($0))\"" } ?? "",
            inputmode.map { " inputmode=\"\(HTML.escape($0))\"" } ?? "",
            described.isEmpty ? "" : " aria-describedby=\"\(described)\"",
            error == nil ? "" : " aria-invalid=\"true\"",
        ].joined())
        let valueAttr: HTML = type == "password" ? .empty : " value=\"\(value ?? "")\""
        return """
        <div class="field\(error == nil ? "" : " has-error")">
        <label for="\(name)">\(label)\(if: required, HTML(" <span class=\"req\" aria-hidden=\"true\">*</span>"))</label>
        \(if: hint != nil, HTML("<p class=\"hint\" id=\"\(name)-hint\">\(hint)</p>"))
        \(if: error != nil, HTML("<p class=\"error\" id=\"\(name)-error\">\(error)</p>"))
        <input id="\(name)" name="\(name)" type="\(type)"\(valueAttr)\(attrs)>
        </div>
        """
    }

    public static func textArea(_ label: String, name: String, value: String?, rows: Int = 6, error: String? = nil, hint: String? = nil) -> HTML {
        """
        <div class="field\(error == nil ? "" : " has-error")">
        <label for="\(name)">\(label)</label>
        \(if: hint != nil, HTML("<p class=\"hint\">\(hint)</p>"))
        \(if: error != nil, HTML("<p class=\"error\" id=\"\(name)-error\">\(error)</p>"))
        <textarea id="\(name)" name="\(name)" rows="\(rows)">\(value ?? "")</textarea>
        </div>
        """
    }

    /// A select; `options` are (value, label) pairs, the first with an empty value acts as "all".
    public static func select(_ label: String, name: String, options: [(String, String)], selected: String?) -> HTML {
        let opts = options.html { value, text in
            "<option value=\"\(value)\"\(if: value == (selected ?? ""), HTML(" selected"))>\(text)</option>"
        }
        return """
        <div class="field">
        <label for="\(name)">\(label)</label>
        <select id="\(name)" name="\(name)">\(opts)</select>
        </div>
        """
    }

    /// The message block at the top of a form that failed; screen readers announce it.
    public static func errorSummary(_ messages: [String]) -> HTML {
        guard !messages.isEmpty else { return .empty }
        return """
        <div class="error-summary" role="alert" tabindex="-1">
        <h2>Vui lòng kiểm tra lại</h2>
        <ul>\(messages.html { "<li>\($0)</li>" })</ul>
        </div>
        """
    }

    /// "Trang trước / Trang N / Trang sau" links that keep the other query parameters.
    public static func pagination(base: SiteURL, query: [(String, String?)], page: Int, pageCount: Int, total: Int) -> HTML {
        guard pageCount > 1 else { return "<p class=\"muted\">\(total) kết quả</p>" }
        func link(_ p: Int) -> String { base.with(query: query + [("page", p == 1 ? nil : String(p))]) }
        return """
        <nav class="pager" aria-label="Phân trang">
        <span>\(total) kết quả · trang \(page)/\(pageCount)</span>
        \(if: page > 1, HTML("<a rel=\"prev\" href=\"\(link(page - 1))\">← Trang trước</a>"))
        \(if: page < pageCount, HTML("<a rel=\"next\" href=\"\(link(page + 1))\">Trang sau →</a>"))
        </nav>
        """
    }

    public static func badge(_ text: String, tone: String = "neutral") -> HTML {
        "<span class=\"badge badge-\(tone)\">\(text)</span>"
    }

    /// A description list of label/value rows, skipping empty values.
    public static func facts(_ rows: [(String, HTML?)]) -> HTML {
        let present = rows.compactMap { label, value in value.map { (label, $0) } }
        return "<dl class=\"facts\">\(present.html { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" })</dl>"
    }

    /// Formats an amount of Vietnamese đồng: 1.000.000 đ.
    public static func money(_ amount: Int) -> String { count(amount) + " đ" }

    /// A number the Vietnamese way, thousands grouped by dots: 1.000.000.
    /// A decimal as Vietnamese writes it, with a comma before the fraction: 51,53 (a dot there reads as thousands).
    public static func decimal(_ x: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", x).replacingOccurrences(of: ".", with: ",")
    }

    public static func count(_ amount: Int) -> String {
        var digits = Array(String(abs(amount)))
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(String(digits), at: 0)
        return (amount < 0 ? "-" : "") + groups.joined(separator: ".")
    }
}
