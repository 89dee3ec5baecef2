import Identity
import Kernel
import Vapor
import WebUI

/// Maps every error to what the client should see: the JSON envelope under `/api`, a
/// Vietnamese page elsewhere. Internal reasons are logged, never shown.
struct AppErrorMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: req)
        } catch {
            return Self.response(for: error, on: req)
        }
    }

    static func response(for error: any Error, on req: Request) -> Response {
        let isAPI = req.url.path.hasPrefix("/api/")
        if let login = error as? LoginRequired, !isAPI {
            var target = SiteURL.login.with(query: [("next", login.next)])
            if req.sessionExpired { target += "&expired=1" }
            return req.redirect(to: target)
        }
        let (status, code, message) = describe(error, req: req)
        if isAPI {
            let response = Response(status: status)
            try? response.content.encode(ErrorEnvelope(code: code, message: message))
            if status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
            return response
        }
        let main: HTML = """
        <h1>\(title(for: status))</h1>
        <p role="alert">\(message)</p>
        <p><a href="/">Về trang chủ</a></p>
        """
        return Layout.page(req, title: title(for: status), status: status, main: main)
    }

    static func describe(_ error: any Error, req: Request) -> (HTTPResponseStatus, String, String) {
        switch error {
        case let e as any DomainError:
            return (e.status, e.code, e.message)
        case is LoginRequired:
            return (RequestError.unauthorized.status, RequestError.unauthorized.code, RequestError.unauthorized.message)
        case is DecodingError:
            return (.badRequest, RequestError.malformedBody.code, RequestError.malformedBody.message)
        case let abort as any AbortError:
            switch abort.status {
            case .notFound: return (.notFound, "http.not-found", "Không tìm thấy trang hoặc tài nguyên yêu cầu.")
            case .payloadTooLarge: return (.payloadTooLarge, "http.payload-too-large", "Dữ liệu gửi lên vượt quá dung lượng cho phép.")
            case .methodNotAllowed: return (.methodNotAllowed, "http.method-not-allowed", "Phương thức không được hỗ trợ.")
            case .unsupportedMediaType: return (.unsupportedMediaType, "http.unsupported-media-type", "Định dạng dữ liệu gửi lên không được hỗ trợ.")
            case .badRequest, .unprocessableEntity:
                return (abort.status, RequestError.malformedBody.code, RequestError.malformedBody.message)
            default:
                if abort.status.code < 500 {
                    return (abort.status, "http.\(abort.status.code)", "Yêu cầu không hợp lệ.")
                }
            }
        default:
            break
        }
        req.logger.report(error: error)
        return (.internalServerError, "server.internal", "Hệ thống gặp sự cố. Vui lòng thử lại sau.")
    }

    static func title(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 404: "Không tìm thấy"
        case 401: "Cần đăng nhập"
        case 403: "Không có quyền truy cập"
        case 400..<500: "Yêu cầu chưa hợp lệ"
        default: "Lỗi hệ thống"
        }
    }
}
