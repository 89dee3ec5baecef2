import Foundation
import Vapor

/// Tra cứu công dân: the national population database as the one-stop sees it. The composition
/// root plugs in the LGSP (the call is access-checked and logged there); without one, forms
/// are filled from the account alone.
public protocol CitizenRegistry: Sendable {
    /// The citizen with this CCCD, looked up on behalf of `userID` (logged as `X-Road-UserId`).
    func citizen(identity: String, userID: String) async -> CitizenLookup
}

public enum CitizenLookup: Sendable, Equatable {
    case found(RegisteredCitizen)
    case notFound
    /// The registry could not answer (the reason, for the page).
    case unavailable(String)
    /// No population database is connected here: forms are filled from the account, silently.
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

extension Application {
    private struct CitizenRegistryKey: StorageKey { typealias Value = any CitizenRegistry }
    public var citizenRegistry: (any CitizenRegistry)? {
        get { storage[CitizenRegistryKey.self] }
        set { storage[CitizenRegistryKey.self] = newValue }
    }
}
