import Fluent
import Foundation
import OneStop
import Testing
import TestSupport
import Vapor

@Suite("Attachments")
struct AttachmentTests {
    static let pdf = Data("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    struct Stored: Decodable { var id: UUID; var fileName: String; var kind: String; var sha256: String; var size: Int }

    @Test func filesAreCheckedByContentStoredByHashAndServedOnlyToThoseInvolved() async throws {
        try await withApp { app async throws in
            let desk = try await DossierTests.Official(app, "motcua.tinh")
            let code = try await desk.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1)).decode(DossierTests.DossierBody.self).code
            func upload(_ data: Data, name: String, as official: DossierTests.Official = desk) async throws -> TestClient.Result {
                var h = official.headers
                h.contentType = .binary
                return try await official.client.request(.POST, "/api/v1/dossiers/\(code)/attachments?document=Gi%E1%BA%A5y%20%C4%91%E1%BB%81%20ngh%E1%BB%8B&name=\(name)",
                                                         headers: h, body: ByteBuffer(data: data))
            }
            let created = try await upload(Self.pdf, name: "..%2F..%2Fetc%2Fgiay%20de%20nghi")
            #expect(created.status == .created, "\(created.body)")
            let stored = try created.decode(Stored.self)
            #expect(stored.kind == "pdf")
            #expect(stored.fileName == "giay de nghi.pdf")  // no path, extension from the content
            let second = try await upload(Self.pdf, name: "ban-sao.pdf")
            #expect(second.status == .created, "\(second.body)")
            let again = try second.decode(Stored.self)
            #expect(again.sha256 == stored.sha256 && again.id != stored.id)

            let fake = try await upload(Data("MZ this is not a pdf".utf8), name: "virus.pdf")
            #expect(fake.status == .unprocessableEntity)
            #expect(fake.body.contains("onestop.file-rejected"))
            #expect(try await upload(Data(), name: "rong.pdf").status == .unprocessableEntity)
            var big = Self.pdf
            big.append(Data(count: AttachmentLimits.perFile))
            #expect(try await upload(big, name: "lon.pdf").status == .unprocessableEntity)

            // Download: the people involved get the same bytes; others get nothing.
            let path = "/api/v1/dossiers/\(code)/attachments/\(stored.id)"
            let got = try await desk.client.request(.GET, path, headers: desk.headers)
            #expect(got.status == .ok)
            #expect(Data(got.body.utf8) == Self.pdf)
            #expect(got.headers.contentType?.subType == "pdf")
            let commune = try await DossierTests.Official(app, "motcua.viettri")
            #expect(try await commune.client.request(.GET, path, headers: commune.headers).status == .forbidden)
            #expect(try await upload(Self.pdf, name: "x.pdf", as: commune).status == .forbidden)
            #expect(try await TestClient(app).get(path).status == .unauthorized)

            // The audit trail records each file with its hash.
            let dto = try await desk.client.request(.GET, "/api/v1/dossiers/\(code)", headers: desk.headers).body
            #expect(dto.contains(stored.sha256))
        }
    }

    @Test func uploadFromTheDossierPage() async throws {
        try await withApp { app async throws in
            let desk = TestClient(app)
            try await desk.login("motcua.tinh", password: "tinhso2026")
            let official = try await DossierTests.Official(app, "motcua.tinh")
            let code = try await official.post("/api/v1/dossiers", DossierTests.businessRegistration(channel: 1)).decode(DossierTests.DossierBody.self).code
            let page = try await desk.get("/ho-so/\(code)")
            #expect(page.body.contains("enctype=\"multipart/form-data\""))
            let boundary = "----tinhso\(UUID().uuidString)"
            var body = Data()
            func part(_ name: String, _ value: Data, filename: String? = nil) {
                body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\(filename.map { "; filename=\"\($0)\"" } ?? "")\r\n\r\n".utf8))
                body.append(value)
                body.append(Data("\r\n".utf8))
            }
            part("_csrf", Data((desk.cookies["tinhso_csrf"] ?? "").utf8))
            part("document", Data("Giấy đề nghị đăng ký doanh nghiệp".utf8))
            part("file", Self.pdf, filename: "de-nghi.pdf")
            body.append(Data("--\(boundary)--\r\n".utf8))
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            let r = try await desk.request(.POST, "/ho-so/\(code)/tep", headers: headers, body: ByteBuffer(data: body))
            #expect(r.status == .seeOther)
            let after = try await desk.get("/ho-so/\(code)")
            #expect(after.body.contains("de-nghi.pdf"))
        }
    }
}
