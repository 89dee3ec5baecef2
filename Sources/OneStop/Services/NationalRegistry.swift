import Foundation
import Vapor

/// Tra cứu cơ sở dữ liệu quốc gia: the national population and business registration databases
/// as the one-stop sees them. The composition root plugs in the LGSP (each call is access-checked
/// and logged there); without one, forms are filled from the account alone.
public protocol NationalRegistry: Sendable {
    /// The citizen with this CCCD, looked up on behalf of `userID` (logged as `X-Road-UserId`).
    func citizen(identity: String, userID: String) async -> RegistryLookup<RegisteredCitizen>
    /// The business with this enterprise code (mã số doanh nghiệp, its tax code), on behalf of `userID`.
    func business(taxCode: String, userID: String) async -> RegistryLookup<RegisteredBusiness>
}

public enum RegistryLookup<Record: Sendable & Equatable>: Sendable, Equatable {
    case found(Record)
    case notFound
    /// The registry could not answer (the reason, for the page).
    case unavailable(String)
    /// No such database is connected here: forms are filled from the account, silently.
    case notConnected
}

/// What the population database says of a person, as far as the forms use it.
public struct RegisteredCitizen: Sendable, Equatable {
    public var identity: String
    public var fullName: String
    /// `YYYY-MM-DD`.
    public var birthDate: String
    public var gender: String
    public var permanentAddress: String
    /// The exchange's message id, shown so the applicant (and an auditor) can find the record.
    public var messageID: String

    public init(identity: String, fullName: String, birthDate: String, gender: String, permanentAddress: String, messageID: String) {
        self.identity = identity; self.fullName = fullName; self.birthDate = birthDate; self.gender = gender
        self.permanentAddress = permanentAddress; self.messageID = messageID
    }
}

/// What the business registration database says of an enterprise, as far as the forms use it.
public struct RegisteredBusiness: Sendable, Equatable {
    public var taxCode: String
    public var name: String
    public var headOffice: String
    public var legalRepresentative: String
    /// As the register words it: "Đang hoạt động", "Tạm ngừng kinh doanh"…
    public var status: String
    public var messageID: String

    public init(taxCode: String, name: String, headOffice: String, legalRepresentative: String, status: String, messageID: String) {
        self.taxCode = taxCode; self.name = name; self.headOffice = headOffice; self.legalRepresentative = legalRepresentative
        self.status = status; self.messageID = messageID
    }
}

extension Application {
    private struct NationalRegistryKey: StorageKey { typealias Value = any NationalRegistry }
    public var nationalRegistry: (any NationalRegistry)? {
        get { storage[NationalRegistryKey.self] }
        set { storage[NationalRegistryKey.self] = newValue }
    }
}
