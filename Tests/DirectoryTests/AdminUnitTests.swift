import Directory
import Fluent
import Testing
import TestSupport
import Vapor

@Suite("Administrative units and address conversion")
struct AdminUnitTests {
    @Test func referenceDataIsComplete() async throws {
        try await withApp { app async throws in
            let units = AdminUnit.query(on: app.db)
            #expect(try await units.filter(\.$structure == .y2025).filter(\.$level == .province).count() == 34)
            #expect(try await AdminUnit.query(on: app.db).filter(\.$structure == .y2025).filter(\.$level == .commune).count() == 3321)
            #expect(try await AdminUnit.query(on: app.db).filter(\.$structure == .y2024).filter(\.$level == .province).count() == 63)
            #expect(try await AdminUnit.query(on: app.db).filter(\.$structure == .y2024).filter(\.$level == .district).count() > 690)
            // Almost every pre-2025 commune (10,028 with a handful of typos in the source) has a conversion.
            let converted = try await app.db.query(AdminUnitConversionProbe.self).count()
            #expect(converted > 10_000)
        }
    }

    @Test func apiListsProvincesAndCommunes() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            struct Items: Decodable { var items: [Unit] }
            struct Unit: Decodable { var code: String; var name: String; var level: String }
            let provinces = try await client.get("/api/v1/admin-units").decode(Items.self)
            #expect(provinces.items.count == 34)
            #expect(provinces.items.contains { $0.code == "25" && $0.name == "Tỉnh Phú Thọ" })
            let communes = try await client.get("/api/v1/admin-units?parent=25").decode(Items.self)
            #expect(communes.items.count == 148)
            #expect(communes.items.allSatisfy { $0.level == "commune" })
            let old = try await client.get("/api/v1/admin-units?structure=2024").decode(Items.self)
            #expect(old.items.count == 63)
            let missing = try await client.get("/api/v1/admin-units?parent=99")
            #expect(missing.status == .notFound)
            #expect(missing.body.contains("\"directory.admin-unit-not-found\""))
            let bad = try await client.get("/api/v1/admin-units?structure=1999")
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("\"request.bad-parameter\""))
        }
    }

    @Test func convertsOldAddresses() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let r = try await client.get("/api/v1/admin-units/convert?address=S%E1%BB%91%205%2C%20Ph%C6%B0%E1%BB%9Dng%20T%C3%A2n%20D%C3%A2n%2C%20Th%C3%A0nh%20ph%E1%BB%91%20Vi%E1%BB%87t%20Tr%C3%AC%2C%20T%E1%BB%89nh%20Ph%C3%BA%20Th%E1%BB%8D")
            #expect(r.status == .ok)
            let c = try r.decode(ConvertedAddress.self)
            #expect(c.new.commune?.name == "Phường Việt Trì")
            #expect(c.new.province.code == "25")
            #expect(c.detail == "Số 5")
            #expect(c.address == "Số 5, Phường Việt Trì, Tỉnh Phú Thọ")
            #expect(c.old?.district?.name == "Thành phố Việt Trì")
            #expect(c.alreadyCurrent == false)
        }
    }

    @Test func converterHandlesOtherSpellingsAndMergedProvinces() async throws {
        try await withApp { app async throws in
            let request = Request(application: app, on: app.eventLoopGroup.next())
            let converter = try await request.addressConverter()
            // Without diacritics, with abbreviations, from a province merged into Phú Thọ.
            let vinhPhuc = try converter.convert("P. Tich Son, TP. Vinh Yen, Vinh Phuc")
            #expect(vinhPhuc.new.commune?.name == "Phường Vĩnh Yên")
            #expect(vinhPhuc.new.province.name == "Tỉnh Phú Thọ")
            let hoaBinh = try converter.convert("Phường Phương Lâm, Thành phố Hòa Bình, Tỉnh Hoà Bình")
            #expect(hoaBinh.new.commune?.name == "Phường Hòa Bình")
            // Without the district, when the commune name is unique in the province.
            let noDistrict = try converter.convert("Phường Tân Dân, Tỉnh Phú Thọ")
            #expect(noDistrict.new.commune?.name == "Phường Việt Trì")
            // A commune that was divided: the default successor and the others as alternatives.
            let divided = try converter.convert("Xã Vầy Nưa, Huyện Đà Bắc, Tỉnh Hòa Bình")
            #expect(divided.new.commune?.name == "Xã Tiền Phong")
            #expect(divided.alternatives.map(\.name) == ["Phường Thống Nhất"])
            // Already in the 2025 structure.
            let current = try converter.convert("Phường Việt Trì, Tỉnh Phú Thọ")
            #expect(current.alreadyCurrent)
            #expect(current.new.commune?.code == "07900")
            #expect(throws: DirectoryError.self) { try converter.convert("Xã Không Có, Tỉnh Không Có") }
            #expect(throws: DirectoryError.self) { try converter.convert("  ") }
        }
    }

    @Test func convertApiReportsUnrecognisedAddress() async throws {
        try await withApp { app async throws in
            let client = TestClient(app)
            let r = try await client.get("/api/v1/admin-units/convert?address=abc")
            #expect(r.status == .unprocessableEntity)
            #expect(r.body.contains("\"directory.address-not-recognized\""))
            let empty = try await client.get("/api/v1/admin-units/convert")
            #expect(empty.status == .badRequest)
            let page = try await client.get("/chuyen-doi-dia-chi?address=abc")
            #expect(page.status == .unprocessableEntity)
            #expect(page.body.contains("role=\"alert\""))
            #expect(page.body.contains("Không nhận ra đơn vị hành chính"))
        }
    }
}

/// Counts rows of the conversion table without exposing its model.
final class AdminUnitConversionProbe: Model, @unchecked Sendable {
    static let schema = "admin_unit_conversions"
    @ID(key: .id) var id: UUID?
    init() {}
}
