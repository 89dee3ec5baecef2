import Foundation
import Vapor

/// Makes API tokens the way an official does, through the token page.
public enum TokenFactory {
    public static func token(_ app: Application, scopes: String, login: String = "admin", password: String = "tinhso2026") async throws -> String {
        let admin = TestClient(app)
        try await admin.login(login, password: password)
        var form: [(String, String)] = [("name", "Kiểm thử \(UUID().uuidString.prefix(6))"), ("days", "30")]
        for s in scopes.split(separator: " ") { form.append(("scopes[]", String(s))) }
        let page = try await admin.post("/tai-khoan/api-token", form: form)
        guard let start = page.body.range(of: "<p class=\"token\">"), let end = page.body[start.upperBound...].range(of: "</p>") else {
            throw Abort(.internalServerError, reason: "no token on the page: \(page.status)")
        }
        return String(page.body[start.upperBound..<end.lowerBound])
    }
}
