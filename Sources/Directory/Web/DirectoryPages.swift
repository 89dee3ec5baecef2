import Fluent
import Kernel
import Vapor
import WebUI

/// Public pages of the shared catalogs: agencies, fields, administrative units, address conversion.
struct DirectoryPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.agencies.route, use: agencies)
        routes.get(SiteURL.agency(code: ":code").route, use: agency)
        routes.get(SiteURL.fields.route, use: fields)
        routes.get(SiteURL.adminUnits.route, use: provinces)
        routes.get(SiteURL.province(code: ":code").route, use: province)
        routes.get(SiteURL.addressConversion.route, use: conversion)
    }

    @Sendable func agencies(_ req: Request) async throws -> Response {
        let q = try req.queryString("q")
        let level = try req.queryEnum(Agency.Level.self, "level")
        let page = try await DirectoryQueries.agencies(.init(q: q, level: level), page: Paging(from: req, defaultPer: 30), on: req.db)
        let rows = page.items.html { a in
            """
            <tr><td><a href="\(SiteURL.agency(code: a.code).path)">\(a.name)</a></td>
            <td><code>\(a.code)</code></td><td>\(a.level == "province" ? "Cấp tỉnh" : "Cấp xã")</td><td>\(a.phone)</td></tr>
            """
        }
        let main: HTML = """
        <h1>Cơ quan, đơn vị</h1>
        <form class="filters" method="get" action="\(SiteURL.agencies.path)" role="search">
        \(Components.field("Tên hoặc mã cơ quan", name: "q", type: "search", value: q))
        \(Components.select("Cấp", name: "level", options: [("", "Tất cả"), ("province", "Cấp tỉnh"), ("commune", "Cấp xã")], selected: level?.rawValue))
        <div class="field"><span aria-hidden="true">&nbsp;</span><button type="submit">Lọc</button></div>
        </form>
        <div class="table-wrap"><table>
        <caption class="muted">Mã định danh theo Quyết định 20/2020/QĐ-TTg</caption>
        <thead><tr><th scope="col">Tên cơ quan</th><th scope="col">Mã định danh</th><th scope="col">Cấp</th><th scope="col">Điện thoại</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        \(Components.pagination(base: .agencies, query: [("q", q), ("level", level?.rawValue)], page: page.page, pageCount: page.pageCount, total: page.total))
        """
        return Layout.page(req, title: "Cơ quan, đơn vị", main: main)
    }

    @Sendable func agency(_ req: Request) async throws -> Response {
        let a = try await DirectoryQueries.agency(code: req.pathParameter("code"), on: req.db)
        let children = try await DirectoryQueries.agencies(.init(parentCode: a.code), page: Paging(page: 1, per: 100), on: req.db)
        let parent: HTML? = a.parentCode.map { "<a href=\"\(SiteURL.agency(code: $0).path)\">\($0)</a>" }
        let main: HTML = """
        <h1>\(a.name)</h1>
        \(Components.facts([
            ("Mã định danh", "<code>\(a.code)</code>"),
            ("Cấp", HTML(stringLiteral: a.level == "province" ? "Cấp tỉnh" : "Cấp xã")),
            ("Cơ quan cấp trên", parent),
            ("Địa chỉ", a.address.isEmpty ? nil : "\(a.address)"),
            ("Điện thoại", a.phone.isEmpty ? nil : "<a href=\"tel:\(a.phone)\">\(a.phone)</a>"),
            ("Thư điện tử", a.email.isEmpty ? nil : "<a href=\"mailto:\(a.email)\">\(a.email)</a>"),
        ]))
        \(if: !children.items.isEmpty, HTML("""
        <h2>Đơn vị trực thuộc (\(children.total))</h2>
        <ul>\(children.items.html { "<li><a href=\"\(SiteURL.agency(code: $0.code).path)\">\($0.name)</a></li>" })</ul>
        """))
        <p><a href="\(SiteURL.procedures.with(query: [("agency", a.code)]))">Thủ tục hành chính do cơ quan này giải quyết</a></p>
        """
        return Layout.page(req, title: a.name, main: main)
    }

    @Sendable func fields(_ req: Request) async throws -> Response {
        let fields = try await DirectoryQueries.fields(on: req.db)
        let main: HTML = """
        <h1>Lĩnh vực thủ tục hành chính</h1>
        <ul class="cards">\(fields.html { f in
            "<li><a href=\"\(SiteURL.procedures.with(query: [("field", f.code)]))\">\(f.name)</a><br><span class=\"muted\">\(f.ministry)</span></li>"
        })</ul>
        """
        return Layout.page(req, title: "Lĩnh vực", main: main)
    }

    @Sendable func provinces(_ req: Request) async throws -> Response {
        let provinces = try await DirectoryQueries.adminUnits(structure: .y2025, parent: nil, on: req.db)
        let main: HTML = """
        <h1>Đơn vị hành chính</h1>
        <p>Từ ngày 01/7/2025 cả nước có 34 đơn vị hành chính cấp tỉnh và 3.321 đơn vị hành chính cấp xã (chính quyền địa phương hai cấp).
        Địa chỉ ghi theo đơn vị cũ có thể <a href="\(SiteURL.addressConversion.path)">chuyển đổi sang đơn vị mới</a>.</p>
        <ul class="cards">\(provinces.html { p in
            "<li><a href=\"\(SiteURL.province(code: p.code).path)\">\(p.name)</a> <span class=\"muted\">mã \(p.code)</span></li>"
        })</ul>
        """
        return Layout.page(req, title: "Đơn vị hành chính", main: main)
    }

    @Sendable func province(_ req: Request) async throws -> Response {
        let code = try req.pathParameter("code")
        let province = try await DirectoryQueries.adminUnit(structure: .y2025, code: code, on: req.db)
        guard province.level == "province" else { throw DirectoryError.adminUnitNotFound(code: code) }
        let communes = try await DirectoryQueries.adminUnits(structure: .y2025, parent: code, on: req.db)
        let main: HTML = """
        <p><a href="\(SiteURL.adminUnits.path)">← Đơn vị hành chính</a></p>
        <h1>\(province.name)</h1>
        <p>\(communes.count) đơn vị hành chính cấp xã.</p>
        <div class="table-wrap"><table>
        <thead><tr><th scope="col">Mã</th><th scope="col">Tên</th><th scope="col">Loại</th></tr></thead>
        <tbody>\(communes.html { "<tr><td>\($0.code)</td><td>\($0.name)</td><td>\($0.type)</td></tr>" })</tbody>
        </table></div>
        """
        return Layout.page(req, title: province.name, main: main)
    }

    @Sendable func conversion(_ req: Request) async throws -> Response {
        let address = try req.queryString("address", maxLength: 500)
        var result: HTML = .empty
        var status = HTTPResponseStatus.ok
        if let address {
            do {
                let c = try await req.addressConverter().convert(address)
                result = """
                <section aria-labelledby="kq"><h2 id="kq">Kết quả</h2>
                <p class="flash" role="status"><strong>\(c.address)</strong></p>
                \(Components.facts([
                    ("Địa chỉ cũ", c.old.map { o in HTML("\([o.commune?.name, o.district?.name, o.province.name].compactMap { $0 }.joined(separator: ", "))") }),
                    ("Xã/phường mới", c.new.commune.map { HTML("\($0.name) (mã \($0.code))") }),
                    ("Tỉnh/thành phố mới", HTML("\(c.new.province.name) (mã \(c.new.province.code))")),
                    ("Ghi chú", c.alreadyCurrent ? "Địa chỉ đã ghi theo đơn vị hành chính mới." : nil),
                    ("Có thể thuộc", c.alternatives.isEmpty ? nil : HTML("Xã cũ được chia cho nhiều đơn vị; phần còn lại thuộc: \(c.alternatives.map(\.name).joined(separator: ", ")). Hãy đối chiếu vị trí thực tế.")),
                ]))
                </section>
                """
            } catch let error as DirectoryError {
                status = error.status
                result = Components.errorSummary([error.message])
            }
        }
        let main: HTML = """
        <h1>Chuyển đổi địa chỉ theo đơn vị hành chính mới</h1>
        <p>Nhập địa chỉ ghi theo đơn vị hành chính trước ngày 01/7/2025 (xã/phường, huyện/quận, tỉnh/thành phố), cách nhau bởi dấu phẩy.</p>
        <form method="get" action="\(SiteURL.addressConversion.path)">
        \(Components.field("Địa chỉ", name: "address", value: address, required: true, hint: "Ví dụ: Số 5, Phường Tân Dân, Thành phố Việt Trì, Tỉnh Phú Thọ"))
        <button type="submit">Chuyển đổi</button>
        </form>
        \(result)
        """
        return Layout.page(req, title: "Chuyển đổi địa chỉ", status: status, main: main)
    }
}
