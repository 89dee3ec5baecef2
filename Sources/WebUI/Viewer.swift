import Kernel
import Vapor

/// Who is looking at a page, as far as pages need to know. Identity fills it in; other modules
/// only read it, so they do not depend on the identity module.
public struct Viewer: Sendable {
    public enum Kind: String, Sendable { case official, citizen, business }

    /// A role held in an agency (`agencyID` nil for the platform-wide `admin`).
    public struct Grant: Sendable, Hashable {
        public var role: String
        public var agencyID: UUID?
        public init(role: String, agencyID: UUID?) {
            self.role = role
            self.agencyID = agencyID
        }
    }

    public var userID: UUID
    public var displayName: String
    public var kind: Kind
    public var grants: [Grant]

    public init(userID: UUID, displayName: String, kind: Kind, grants: [Grant]) {
        self.userID = userID
        self.displayName = displayName
        self.kind = kind
        self.grants = grants
    }

    /// The platform operator.
    public var isAdmin: Bool { grants.contains { $0.role == "admin" } }

    /// Whether the viewer holds `role` in `agencyID` (or is the platform admin).
    public func has(_ role: String, in agencyID: UUID?) -> Bool {
        isAdmin || grants.contains { $0.role == role && $0.agencyID == agencyID }
    }
}

extension Request {
    private struct ViewerKey: StorageKey { typealias Value = Viewer }
    private struct CSRFKey: StorageKey { typealias Value = String }

    /// The signed-in person, if any (set by Identity's session middleware).
    public var viewer: Viewer? {
        get { storage[ViewerKey.self] }
        set { storage[ViewerKey.self] = newValue }
    }

    /// The CSRF token every form on this page must carry (set by Identity's CSRF middleware).
    public var csrfToken: String {
        get { storage[CSRFKey.self] ?? "" }
        set { storage[CSRFKey.self] = newValue }
    }

    /// The viewer, or a redirect to the login page (pages) / 401 (API).
    public func requireViewer() throws -> Viewer {
        guard let viewer else { throw LoginRequired(next: url.path) }
        return viewer
    }
}

/// Thrown when a page needs a signed-in viewer; the error middleware turns it into a redirect.
public struct LoginRequired: Error, Sendable {
    public var next: String
}

/// Guards a group of routes: a viewer must be signed in and pass `allow`.
public struct RequireViewer: AsyncMiddleware {
    let allow: @Sendable (Viewer) -> Bool

    public init(allow: @escaping @Sendable (Viewer) -> Bool) { self.allow = allow }

    public static let admin = RequireViewer { $0.isAdmin }
    public static let official = RequireViewer { $0.kind == .official }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let viewer = try request.requireViewer()
        guard allow(viewer) else { throw RequestError.forbidden }
        return try await next.respond(to: request)
    }
}
