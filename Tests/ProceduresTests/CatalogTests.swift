import Fluent
import Foundation
import Procedures
import Testing
import TestSupport
import Vapor

@Suite("Procedure catalog")
struct CatalogTests {
    struct Summaries: Decodable { var items: [ProcedureSummaryDTO]; var total: Int; var page: Int }

    @Test func demoCatalogCoversManyFieldsAndBothLevels() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let all = try await client.get("/api/v1/procedures?per=100").decode(Summaries.self)
            #expect(all.total >= 60)
            #expect(Set(all.items.map(\.field)).count >= 12)
            let commune = try await client.get("/api/v1/procedures?level=commune").decode(Summaries.self)
            let province = try await client.get("/api/v1/procedures?level=province").decode(Summaries.self)
            #expect(commune.total >= 20)
            #expect(province.total >= 20)
        }
    }

    @Test func searchIgnoresDiacriticsAndCase() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            for q in ["dang%20ky%20khai%20sinh", "%C4%90%C4%82NG%20K%C3%9D%20KHAI%20SINH", "khai%20sinh", "1.001193"] {
                let r = try await client.get("/api/v1/procedures?q=\(q)").decode(Summaries.self)
                #expect(r.items.contains { $0.name.localizedCaseInsensitiveContains("Đăng ký khai sinh") }, "query \(q)")
            }
            let none = try await client.get("/api/v1/procedures?q=zzzz%20khong%20co").decode(Summaries.self)
            #expect(none.total == 0)
            // LIKE wildcards are not search terms: "%" alone searches for nothing in particular.
            let everything = try await client.get("/api/v1/procedures").decode(Summaries.self).total
            #expect(try await client.get("/api/v1/procedures?q=%25").decode(Summaries.self).total == everything)
            #expect(try await client.get("/api/v1/procedures?q=khai%25sinh").decode(Summaries.self).total > 0)
        }
    }

    @Test func filtersAndPaging() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let hoTich = try await client.get("/api/v1/procedures?field=HOTICH&per=100").decode(Summaries.self)
            #expect(hoTich.total >= 5)
            #expect(hoTich.items.allSatisfy { $0.field == "HOTICH" })
            let full = try await client.get("/api/v1/procedures?online=full&per=100").decode(Summaries.self)
            #expect(full.total > 0 && full.items.allSatisfy { $0.onlineLevel == "full" })
            let page1 = try await client.get("/api/v1/procedures?per=10").decode(Summaries.self)
            let page2 = try await client.get("/api/v1/procedures?per=10&page=2").decode(Summaries.self)
            #expect(page1.items.count == 10 && page2.items.count == 10)
            #expect(Set(page1.items.map(\.code)).isDisjoint(with: page2.items.map(\.code)))
            // A commune's People's Committee performs the commune-level procedures.
            let viettri = try await client.get("/api/v1/procedures?agency=H42.07900&per=100").decode(Summaries.self)
            #expect(viettri.total > 0 && viettri.items.allSatisfy { $0.levels.contains("commune") })
            #expect(try await client.get("/api/v1/procedures?online=maybe").status == .badRequest)
            #expect(try await client.get("/api/v1/procedures?page=0").status == .badRequest)
        }
    }

    @Test func detailAndErrors() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let list = try await client.get("/api/v1/procedures?q=khai%20sinh").decode(Summaries.self)
            let code = try #require(list.items.first?.code)
            let p = try await client.get("/api/v1/procedures/\(code)").decode(ProcedureDTO.self)
            #expect(p.definition.code == code)
            #expect(!p.definition.documents.isEmpty)
            #expect(p.version == 1)
            let missing = try await client.get("/api/v1/procedures/9.999999")
            #expect(missing.status == .notFound)
            #expect(missing.body.contains("\"procedures.not-found\""))
            #expect(try await client.get("/api/v1/procedures/\(code)/versions/7").status == .notFound)
            #expect(try await client.get("/api/v1/procedures/\(code)/versions/abc").status == .badRequest)
        }
    }

    @Test func editingCreatesVersionsAndKeepsOldOnes() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let list = try await client.get("/api/v1/procedures?q=ket%20hon").decode(Summaries.self)
            let code = try #require(list.items.first?.code)
            let before = try await client.get("/api/v1/procedures/\(code)").decode(ProcedureDTO.self)
            var changed = before.definition
            changed.name = before.definition.name + " (sửa đổi)"
            changed.fees = [.init(name: "Lệ phí", amount: 10_000, note: nil)]

            let token = try await TokenFactory.token(app, scopes: "catalog:write")
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: token)
            headers.contentType = .json
            let body = try JSONEncoder().encode(changed)
            let put = try await client.request(.PUT, "/api/v1/procedures/\(code)", headers: headers, body: ByteBuffer(data: body))
            #expect(put.status == .ok)
            let after = try put.decode(ProcedureDTO.self)
            #expect(after.version == 2)
            #expect(after.definition.name.hasSuffix("(sửa đổi)"))
            let v1 = try await client.get("/api/v1/procedures/\(code)/versions/1").decode(ProcedureDTO.self)
            #expect(v1.definition == before.definition)

            var invalid = changed
            invalid.field = "KHONGCO"
            invalid.processingTime = .init(workingDays: -1, workingHours: nil)
            let rejected = try await client.request(.PUT, "/api/v1/procedures/\(code)", headers: headers, body: ByteBuffer(data: try JSONEncoder().encode(invalid)))
            #expect(rejected.status == .unprocessableEntity)
            #expect(rejected.body.contains("KHONGCO"))
            #expect(try await client.get("/api/v1/procedures/\(code)").decode(ProcedureDTO.self).version == 2)

            var malformed = headers
            malformed.contentType = .json
            let garbage = try await client.request(.PUT, "/api/v1/procedures/\(code)", headers: malformed, body: ByteBuffer(string: "{not json"))
            #expect(garbage.status == .badRequest)
            #expect(garbage.body.contains("\"request.malformed-body\""))
        }
    }

    @Test func writingNeedsTheScope() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let p = try await client.get("/api/v1/procedures?per=1").decode(Summaries.self)
            let code = try #require(p.items.first?.code)
            let def = try await client.get("/api/v1/procedures/\(code)").decode(ProcedureDTO.self).definition
            let body = ByteBuffer(data: try JSONEncoder().encode(def))
            var headers = HTTPHeaders()
            headers.contentType = .json
            #expect(try await client.request(.PUT, "/api/v1/procedures/\(code)", headers: headers, body: body).status == .unauthorized)
            let readOnly = try await TokenFactory.token(app, scopes: "")
            headers.bearerAuthorization = BearerAuthorization(token: readOnly)
            let forbidden = try await client.request(.PUT, "/api/v1/procedures/\(code)", headers: headers, body: body)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.body.contains("\"identity.insufficient-scope\""))
        }
    }

    @Test func portalPages() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let home = try await client.get("/")
            #expect(home.status == .ok)
            #expect(home.body.contains("<input id=\"q\" name=\"q\""))
            #expect(home.body.contains("lang=\"vi\""))
            let list = try await client.get("/thu-tuc?q=dang+ky+khai+sinh")
            #expect(list.body.contains("class=\"procedure-link\""))
            #expect(list.body.contains("Đăng ký khai sinh"))
            let code = try #require(try await client.get("/api/v1/procedures?q=khai%20sinh").decode(Summaries.self).items.first?.code)
            let detail = try await client.get("/thu-tuc/\(code)")
            #expect(detail.body.contains("<h1>"))
            #expect(detail.body.contains("Thành phần hồ sơ"))
            #expect(detail.body.contains("<ol><li>"))  // "Bước 1: … Bước 2: …" as a list
            let missing = try await client.get("/thu-tuc/9.999999")
            #expect(missing.status == .notFound)
            #expect(missing.body.contains("Không tìm thấy thủ tục"))
            // User text is escaped, never interpreted.
            let xss = try await client.get("/thu-tuc?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            #expect(!xss.body.contains("<script>alert(1)</script>"))
            #expect(xss.body.contains("&lt;script&gt;"))
        }
    }

    @Test func adminEditsAProcedureThroughTheForm() async throws {
        try await withApp { app async throws in
            let admin = TestClient(app)
            try await admin.login("admin", password: "tinhso2026")
            let code = try #require(try await admin.get("/api/v1/procedures?q=khai%20tu").decode(Summaries.self).items.first?.code)
            let form = try await admin.get("/quan-tri/thu-tuc/\(code)")
            #expect(form.status == .ok)
            let dto = try await admin.get("/api/v1/procedures/\(code)").decode(ProcedureDTO.self)
            let d = dto.definition
            func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try JSONEncoder().encode(v), as: UTF8.self) }
            var fields: [(String, String)] = [
                ("name", d.name), ("field", d.field), ("workingDays", "3"), ("onlineLevel", "full"),
                ("applicants", d.applicants), ("steps", d.steps), ("result", d.result), ("legalBasis", d.legalBasis.joined(separator: "\n")),
                ("fees", try json(d.fees)), ("documents", try json(d.documents)), ("formFields", try json(d.form)), ("workflow", "[]"),
            ]
            fields += d.levels.map { ("levels[]", $0) }
            let saved = try await admin.post("/quan-tri/thu-tuc/\(code)", form: fields)
            #expect(saved.status == .seeOther)
            let after = try await admin.get("/api/v1/procedures/\(code)").decode(ProcedureDTO.self)
            #expect(after.version == dto.version + 1)
            #expect(after.definition.processingTime.workingDays == 3)
            let broken = try await admin.post("/quan-tri/thu-tuc/\(code)", form: fields.map { $0.0 == "documents" ? ($0.0, "[{") : $0 })
            #expect(broken.status == .badRequest)
            #expect(broken.body.contains("JSON không hợp lệ"))
        }
    }
}
