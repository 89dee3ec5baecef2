import Vapor

/// The page chrome every portal page shares: header with navigation and the viewer's menu, a
/// skip link, the main landmark and the footer.
public enum Layout {
    public static let siteName = "Cổng dịch vụ công tỉnh Phú Thọ"

    public static func page(
        _ req: Request, title: String, status: HTTPResponseStatus = .ok, flash: String? = nil,
        main: HTML
    ) -> Response {
        document(title: title, viewer: req.viewer, csrf: req.csrfToken, flash: flash, main: main)
            .response(status: status)
    }

    public static func document(title: String, viewer: Viewer?, csrf: String, flash: String?, main: HTML) -> HTML {
        """
        <!doctype html>
        <html lang="vi">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · \(siteName)</title>
        <link rel="stylesheet" href="\(SiteURL.stylesheet.path)">
        </head>
        <body>
        <a class="skip" href="#noi-dung">Bỏ qua, đến nội dung chính</a>
        <header class="site-header">
        <div class="wrap header-row">
        <a class="brand" href="/"><span class="emblem" aria-hidden="true">★</span> \(siteName)</a>
        \(menu(viewer: viewer, csrf: csrf))
        </div>
        <nav aria-label="Điều hướng chính" class="wrap main-nav">
        <a href="\(SiteURL.procedures.path)">Thủ tục hành chính</a>
        <a href="\(SiteURL.lookup.path)">Tra cứu hồ sơ</a>
        <a href="\(SiteURL.fields.path)">Lĩnh vực</a>
        <a href="\(SiteURL.agencies.path)">Cơ quan</a>
        <a href="\(SiteURL.adminUnits.path)">Đơn vị hành chính</a>
        <a href="\(SiteURL.addressConversion.path)">Chuyển đổi địa chỉ</a>
        <a href="\(SiteURL.calendar.path)">Lịch làm việc</a>
        <a href="\(SiteURL.dashboard.path)">Chỉ số phục vụ</a>
        </nav>
        </header>
        <main id="noi-dung" class="wrap" tabindex="-1">
        \(if: flash != nil, HTML("<p class=\"flash\" role=\"status\">\(flash)</p>"))
        \(main)
        </main>
        <footer class="site-footer"><div class="wrap">
        <p>\(siteName) — vận hành trên nền tảng tinhso, phần mềm mã nguồn mở.</p>
        <p><a href="/api/openapi.json">API cho nhà tích hợp (OpenAPI)</a></p>
        </div></footer>
        </body>
        </html>
        """
    }

    static func menu(viewer: Viewer?, csrf: String) -> HTML {
        guard let viewer else {
            return """
            <nav aria-label="Tài khoản" class="account-nav">
            <a href="\(SiteURL.login.path)">Đăng nhập</a>
            <a class="button small" href="\(SiteURL.register.path)">Đăng ký</a>
            </nav>
            """
        }
        let home = viewer.kind == .official ? SiteURL.official : SiteURL.account
        return """
        <nav aria-label="Tài khoản" class="account-nav">
        <a href="\(home.path)">\(viewer.displayName)</a>
        <a href="\(viewer.kind == .official ? SiteURL.officerQueue.path : SiteURL.myDossiers.path)">\(viewer.kind == .official ? "Hồ sơ cần xử lý" : "Hồ sơ của tôi")</a>
        \(if: viewer.kind == .official, HTML("<a href=\"\(SiteURL.statistics.path)\">Thống kê</a>"))
        \(if: viewer.isAdmin, HTML("<a href=\"\(SiteURL.admin.path)\">Quản trị</a>"))
        <form action="\(SiteURL.logout.path)" method="post" class="inline">
        \(Components.csrfField(csrf))
        <button type="submit" class="link">Đăng xuất</button>
        </form>
        </nav>
        """
    }
}
