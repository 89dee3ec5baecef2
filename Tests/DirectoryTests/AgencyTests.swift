import Directory
import Fluent
import Testing
import TestSupport

@Suite("Agencies and fields")
struct AgencyTests {
    @Test func agencyCodesFollowDecision20() {
        #expect(AgencyCode.isValid("H42"))
        #expect(AgencyCode.isValid("H42.07"))
        #expect(AgencyCode.isValid("G01.12.AB3"))
        #expect(!AgencyCode.isValid("h42"))
        #expect(!AgencyCode.isValid("Z42.07"))  // Z is for other organisations' schemes
        #expect(!AgencyCode.isValid("H4.07"))
        #expect(!AgencyCode.isValid("H42..07"))
        #expect(!AgencyCode.isValid("H42.07-1"))
        #expect(!AgencyCode.isValid("H42." + String(repeating: "1", count: 32)))
        #expect(AgencyCode.levelOne(of: "H42.07.01") == "H42")
    }

    @Test func demoProvinceHasItsAgencies() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            struct Page: Decodable { var items: [AgencyDTO]; var total: Int }
            let communes = try await client.get("/api/v1/agencies?level=commune&per=100").decode(Page.self)
            #expect(communes.total == 148)
            #expect(communes.items.allSatisfy { $0.kind == "people-committee" && $0.parentCode == "H42" && AgencyCode.isValid($0.code) })
            let province = try await client.get("/api/v1/agencies?level=province&per=100").decode(Page.self)
            #expect(province.items.contains { $0.kind == "service-centre" })
            #expect(province.items.filter { $0.kind == "department" }.count >= 10)
            #expect(province.items.allSatisfy { AgencyCode.isValid($0.code) })
            let search = try await client.get("/api/v1/agencies?q=so%20tu%20phap").decode(Page.self)
            #expect(search.items.first?.name.contains("Sở Tư pháp") == true)
            let one = try await client.get("/api/v1/agencies/H42").decode(AgencyDTO.self)
            #expect(one.name.contains("Ủy ban nhân dân tỉnh Phú Thọ"))
            #expect(try await client.get("/api/v1/agencies/H99").status == .notFound)
            #expect(try await client.get("/api/v1/agencies?level=district").status == .badRequest)
            #expect(try await client.get("/api/v1/agencies?per=1000").status == .badRequest)
        }
    }

    @Test func fieldsAreListed() async throws {
        try await withApp { app async throws in
            struct Items: Decodable { var items: [FieldDTO] }
            let fields = try await TestClient(app).get("/api/v1/fields").decode(Items.self)
            #expect(fields.items.count >= 20)
            #expect(fields.items.contains { $0.name == "Hộ tịch" })
        }
    }

    @Test func adminEditsAgenciesAndFields() async throws {
        try await withApp { app async throws in
            let anonymous = TestClient(app)
            let redirect = try await anonymous.get("/quan-tri/co-quan")
            #expect(redirect.status == .seeOther)
            #expect(redirect.location?.hasPrefix("/dang-nhap?next=") == true)

            let officer = TestClient(app)
            try await officer.login("motcua.tinh", password: "tinhso2026")
            #expect(try await officer.get("/quan-tri/co-quan").status == .forbidden)

            let admin = TestClient(app)
            #expect(try await admin.login("admin", password: "tinhso2026").status == .seeOther)
            let bad = try await admin.post("/quan-tri/co-quan", form: [("code", "h42.99-x"), ("name", "Ban Quản lý"), ("kind", "other"), ("level", "province")])
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("Quyết định 20/2020/QĐ-TTg"))
            let created = try await admin.post("/quan-tri/co-quan", form: [
                ("code", "H42.88"), ("name", "Ban Quản lý các khu công nghiệp tỉnh Phú Thọ"), ("kind", "other"),
                ("level", "province"), ("parentCode", "H42"), ("email", "bqlkcn@phutho.gov.vn"),
            ])
            #expect(created.status == .seeOther)
            let agency = try await Agency.query(on: app.db).filter(\.$code == "H42.88").first()
            #expect(agency?.name == "Ban Quản lý các khu công nghiệp tỉnh Phú Thọ")
            let duplicate = try await admin.post("/quan-tri/co-quan", form: [("code", "H42.88"), ("name", "Khác"), ("kind", "other"), ("level", "province")])
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.body.contains("đã được sử dụng"))

            let field = try await admin.post("/quan-tri/linh-vuc", form: [("code", "THUNGHIEM"), ("name", "Lĩnh vực thử nghiệm"), ("ministry", "Bộ Nội vụ")])
            #expect(field.status == .seeOther)
            #expect(try await ProcedureField.query(on: app.db).filter(\.$code == "THUNGHIEM").first()?.name == "Lĩnh vực thử nghiệm")
            let rename = try await admin.post("/quan-tri/linh-vuc/THUNGHIEM", form: [("name", "Lĩnh vực đã đổi tên"), ("ministry", "")])
            #expect(rename.status == .seeOther)
            #expect(try await ProcedureField.query(on: app.db).filter(\.$code == "THUNGHIEM").first()?.name == "Lĩnh vực đã đổi tên")
        }
    }

    @Test func publicPagesRender() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let agencies = try await client.get("/co-quan?q=tu%20phap")
            #expect(agencies.status == .ok)
            #expect(agencies.body.contains("Sở Tư pháp"))
            #expect(try await client.get("/co-quan/H42").body.contains("Đơn vị trực thuộc"))
            #expect(try await client.get("/co-quan/NOPE").status == .notFound)
            #expect(try await client.get("/linh-vuc").body.contains("Hộ tịch"))
            let province = try await client.get("/don-vi-hanh-chinh/25")
            #expect(province.body.contains("148 đơn vị hành chính cấp xã"))
            #expect(try await client.get("/don-vi-hanh-chinh").body.contains("Tỉnh Phú Thọ"))
        }
    }
}
