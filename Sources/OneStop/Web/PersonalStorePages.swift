import Fluent
import Foundation
import Kernel
import Vapor
import WebUI

/// "Kho dữ liệu của tôi": the signed-in person's documents, electronic results first.
struct PersonalStorePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.personalStore.route, use: list)
        routes.on(.POST, SiteURL.personalStore.route, body: .collect(maxSize: "12mb"), use: upload)
        routes.get(SiteURL.personalFile(id: ":id").route, use: download)
    }

    @Sendable func list(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let docs = try await PersonalStore.documents(of: viewer.userID, on: req.db)
        let main: HTML = """
        <h1>Kho dữ liệu của tôi</h1>
        <p>Kết quả điện tử cơ quan nhà nước cấp cho bạn và giấy tờ bạn lưu; dùng lại khi nộp hồ sơ mà không phải nộp lại bản giấy.</p>
        \(docs.isEmpty ? "<p role=\"status\">Kho chưa có giấy tờ.</p>" : """
        <div class="table-wrap"><table><thead><tr><th scope="col">Giấy tờ</th><th scope="col">Nguồn</th><th scope="col">Ngày</th><th scope="col">Tệp</th></tr></thead>
        <tbody>\(docs.html { d in
            """
            <tr><td>\(d.name)</td><td>\(d.source == "result" ? "Kết quả điện tử\(d.dossierCode.map { " của hồ sơ \($0)" } ?? "")" : "Tự lưu")</td><td>\(VietnamTime.display(d.createdAt))</td><td><a href="\(SiteURL.personalFile(id: d.id!.uuidString).path)">\(d.fileName)</a></td></tr>
            """
        })</tbody></table></div>
        """)
        <h2>Lưu giấy tờ vào Kho</h2>
        <form method="post" action="\(SiteURL.personalStore.path)" enctype="multipart/form-data" class="narrow">
        \(Components.csrfField(req.csrfToken))
        \(Components.field("Tên giấy tờ", name: "name", required: true))
        <div class="field"><label for="file">Tệp (PDF, JPEG, PNG, DOCX, XLSX; tối đa 10 MB)</label><input id="file" name="file" type="file" required accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx"></div>
        <button type="submit" class="secondary">Lưu vào Kho</button>
        </form>
        """
        return Layout.page(req, title: "Kho dữ liệu của tôi", main: main)
    }

    struct UploadForm: Content {
        var name: String?
        var file: File?
    }

    @Sendable func upload(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        let form = try req.content.decode(UploadForm.self)
        guard let file = form.file else { throw OneStopError.fileRejected("Chưa chọn tệp.") }
        _ = try await PersonalStore.upload(owner: viewer.userID, name: form.name ?? "", data: Data(buffer: file.data), fileName: file.filename, on: req)
        return req.redirect(to: SiteURL.personalStore.path)
    }

    @Sendable func download(_ req: Request) async throws -> Response {
        let viewer = try req.requireViewer()
        guard let id = UUID(uuidString: try req.pathParameter("id")),
              let d = try await PersonalStore.document(id, of: viewer.userID, on: req.db),
              let kind = AttachmentKind(rawValue: d.kind)
        else { throw OneStopError.attachmentNotFound }
        return try await Attachments.fileResponse(req.application.attachmentStore.get(d.sha256), name: d.fileName, kind: kind)
    }
}
