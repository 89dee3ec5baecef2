import Vapor

/// Every page of the portal. Routes and links both come from here, so a link cannot drift from
/// the route it points at. Paths are Vietnamese without diacritics, as citizens type them.
public enum SiteURL: Sendable, Equatable {
    case home
    case procedures
    case procedure(code: String)
    case fields
    case agencies
    case agency(code: String)
    case adminUnits
    case province(code: String)
    case addressConversion
    case login
    case register
    case logout
    case account
    case changePassword
    case logoutEverywhere
    case official
    case admin
    case adminAgencies
    case adminAgency(code: String)
    case adminFields
    case adminField(code: String)
    case adminUsers
    case adminUser(id: String)
    case adminProcedure(code: String)
    case apiTokens
    case calendar
    case lookup
    case submit(procedure: String)
    case myDossiers
    case dossier(code: String)
    case dossierAction(code: String)
    case dossierForm(code: String, number: String)
    case dossierRegister
    case dossierRegisterPage
    case dossierFiles(code: String)
    case dossierFile(code: String, id: String)
    case officerQueue
    case dossierPayment(code: String)
    case paymentSandbox(reference: String)
    case personalStore
    case personalFile(id: String)
    case adminCalendar
    case adminCalendarYear(year: String)
    case statistics
    case statisticsDossiers
    case serviceIndex
    case dashboard
    case exchange
    case exchangeSystem(code: String)
    case exchangeLog
    case exchangeMonitoring
    case exchangeTrust
    case stylesheet

    public var path: String {
        switch self {
        case .home: "/"
        case .procedures: "/thu-tuc"
        case .procedure(let code): "/thu-tuc/\(Self.segment(code))"
        case .fields: "/linh-vuc"
        case .agencies: "/co-quan"
        case .agency(let code): "/co-quan/\(Self.segment(code))"
        case .adminUnits: "/don-vi-hanh-chinh"
        case .province(let code): "/don-vi-hanh-chinh/\(Self.segment(code))"
        case .addressConversion: "/chuyen-doi-dia-chi"
        case .login: "/dang-nhap"
        case .register: "/dang-ky"
        case .logout: "/dang-xuat"
        case .account: "/tai-khoan"
        case .changePassword: "/tai-khoan/mat-khau"
        case .logoutEverywhere: "/tai-khoan/dang-xuat-tat-ca"
        case .official: "/can-bo"
        case .admin: "/quan-tri"
        case .adminAgencies: "/quan-tri/co-quan"
        case .adminAgency(let code): "/quan-tri/co-quan/\(Self.segment(code))"
        case .adminFields: "/quan-tri/linh-vuc"
        case .adminField(let code): "/quan-tri/linh-vuc/\(Self.segment(code))"
        case .adminUsers: "/quan-tri/nguoi-dung"
        case .adminUser(let id): "/quan-tri/nguoi-dung/\(Self.segment(id))"
        case .adminProcedure(let code): "/quan-tri/thu-tuc/\(Self.segment(code))"
        case .apiTokens: "/tai-khoan/api-token"
        case .calendar: "/lich"
        case .lookup: "/tra-cuu"
        case .submit(let code): "/thu-tuc/\(Self.segment(code))/nop"
        case .myDossiers: "/ho-so-cua-toi"
        case .dossier(let code): "/ho-so/\(Self.segment(code))"
        case .dossierAction(let code): "/ho-so/\(Self.segment(code))/thao-tac"
        case .dossierForm(let code, let number): "/ho-so/\(Self.segment(code))/mau/\(Self.segment(number))"
        case .dossierRegister: "/can-bo/so-theo-doi.csv"
        case .dossierRegisterPage: "/can-bo/so-theo-doi"
        case .dossierFiles(let code): "/ho-so/\(Self.segment(code))/tep"
        case .dossierFile(let code, let id): "/ho-so/\(Self.segment(code))/tep/\(Self.segment(id))"
        case .officerQueue: "/can-bo/ho-so"
        case .dossierPayment(let code): "/ho-so/\(Self.segment(code))/thanh-toan"
        case .paymentSandbox(let reference): "/thanh-toan/thu-nghiem/\(Self.segment(reference))"
        case .personalStore: "/kho"
        case .personalFile(let id): "/kho/\(Self.segment(id))"
        case .adminCalendar: "/quan-tri/lich"
        case .adminCalendarYear(let year): "/quan-tri/lich/\(Self.segment(year))"
        case .statistics: "/thong-ke"
        case .statisticsDossiers: "/thong-ke/ho-so"
        case .serviceIndex: "/thong-ke/chi-so-766"
        case .dashboard: "/bang-dieu-khien"
        case .exchange: "/quan-tri/lgsp"
        case .exchangeSystem(let code): "/quan-tri/lgsp/he-thong/\(Self.segment(code))"
        case .exchangeLog: "/quan-tri/lgsp/nhat-ky"
        case .exchangeMonitoring: "/quan-tri/lgsp/giam-sat"
        case .exchangeTrust: "/quan-tri/lgsp/tin-cay"
        case .stylesheet: "/assets/site.css"
        }
    }

    /// The path with a query string built from non-empty values.
    public func with(query items: [(String, String?)]) -> String {
        var comps = URLComponents()
        comps.path = path
        let present = items.compactMap { k, v in v.flatMap { $0.isEmpty ? nil : URLQueryItem(name: k, value: $0) } }
        comps.queryItems = present.isEmpty ? nil : present
        return comps.string ?? path
    }

    /// Path components for registering the route: build the case with `":name"` for a parameter,
    /// e.g. `SiteURL.procedure(code: ":code").route`.
    public var route: [PathComponent] {
        path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
    }

    private static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? s
    }
}
