import Vapor

/// A page request, read from `page` and `per` query parameters (1-based pages).
public struct Paging: Sendable, Equatable {
    public static let maxPer = 100
    public var page: Int
    public var per: Int
    public var offset: Int { (page - 1) * per }

    public init(page: Int = 1, per: Int = 20) {
        self.page = page
        self.per = per
    }

    /// Reads and validates paging from a request's query string.
    public init(from req: Request, defaultPer: Int = 20) throws {
        let page = try req.query.get(Int?.self, at: "page") ?? 1
        let per = try req.query.get(Int?.self, at: "per") ?? defaultPer
        guard page >= 1, page <= 100_000 else {
            throw RequestError.badParameter(name: "page", reason: "phải là số nguyên từ 1")
        }
        guard (1...Self.maxPer).contains(per) else {
            throw RequestError.badParameter(name: "per", reason: "phải từ 1 đến \(Self.maxPer)")
        }
        self.init(page: page, per: per)
    }
}

/// One page of results and the total they were cut from.
public struct Paged<Item: Sendable>: Sendable {
    public var items: [Item]
    public var page: Int
    public var per: Int
    public var total: Int
    public var pageCount: Int { max(1, (total + per - 1) / per) }

    public init(items: [Item], request: Paging, total: Int) {
        self.items = items
        self.page = request.page
        self.per = request.per
        self.total = total
    }

}

/// Pages of DTOs encode as `{"items": [...], "page", "per", "total"}`.
extension Paged: Encodable where Item: Encodable {}
extension Paged: Decodable where Item: Decodable {}
extension Paged: RequestDecodable, ResponseEncodable, AsyncRequestDecodable, AsyncResponseEncodable, Content where Item: Content {}
