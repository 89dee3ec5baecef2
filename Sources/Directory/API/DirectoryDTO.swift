import Foundation
import Vapor

public struct AgencyDTO: Content, Equatable {
    public var code: String
    public var name: String
    public var shortName: String
    public var kind: String
    public var level: String
    public var parentCode: String?
    public var adminUnitCode: String?
    public var address: String
    public var phone: String
    public var email: String
    public var active: Bool
}

public struct FieldDTO: Content, Equatable {
    public var code: String
    public var name: String
    public var ministry: String
}

public struct AdminUnitDTO: Content, Equatable {
    public var code: String
    public var name: String
    public var type: String
    public var level: String
    public var structure: String
    public var parentCode: String?
}

struct ItemsDTO<T: Content>: Content {
    var items: [T]
}
