import Fluent
import Foundation
import Kernel
import Vapor

/// Creating and changing accounts.
public enum Accounts {
    /// A new API token of `userID`; the secret is returned this once and stored only as its hash.
    public static func issueAPIToken(userID: UUID, name: String, scopes: [APIScope], days: Int, at now: Date, on db: any Database) async throws -> String {
        let secret = "tsk_" + SecureToken.generate()
        let token = APIToken()
        token.userID = userID
        token.name = name
        token.tokenHash = SecureToken.hash(secret)
        token.scopes = scopes.map(\.rawValue).joined(separator: " ")
        token.createdAt = now
        token.expiresAt = now.addingTimeInterval(Double(days) * 86_400)
        try await token.create(on: db)
        return secret
    }

    public struct Registration: Sendable {
        public var fullName: String
        public var identityNumber: String
        public var phone: String
        public var email: String
        public var password: String
        public var passwordConfirm: String
        public init(fullName: String, identityNumber: String, phone: String, email: String, password: String, passwordConfirm: String) {
            self.fullName = fullName; self.identityNumber = identityNumber; self.phone = phone
            self.email = email; self.password = password; self.passwordConfirm = passwordConfirm
        }
    }

    /// Every problem with a registration at once, so the form can show them together.
    public static func problems(_ r: Registration, currentYear: Int) -> [IdentityError] {
        var errors: [IdentityError] = []
        if let e = nameProblem(r.fullName) { errors.append(e) }
        let id = IdentityNumber.normalized(r.identityNumber)
        let raw = r.identityNumber.trimmingCharacters(in: .whitespaces)
        if raw.filter({ $0 != "-" && $0 != " " }).contains(where: { !($0.isASCII && $0.isNumber) }) {
            errors.append(.invalidCCCD(.notDigits))
        } else if id.count == 12 {
            if let p = IdentityNumber.cccdProblem(id, currentYear: currentYear) { errors.append(.invalidCCCD(p)) }
        } else if id.count == 10 || id.count == 14 {
            if let p = IdentityNumber.taxCodeProblem(id) { errors.append(.invalidTaxCode(p)) }
        } else {
            errors.append(.invalidCCCD(.wrongLength))
        }
        if let e = phoneProblem(r.phone) { errors.append(e) }
        if let e = emailProblem(r.email, required: false) { errors.append(e) }
        if let e = passwordProblem(r.password) { errors.append(e) }
        if r.password != r.passwordConfirm { errors.append(.passwordMismatch) }
        return errors
    }

    static func nameProblem(_ name: String) -> IdentityError? {
        let n = name.trimmingCharacters(in: .whitespaces)
        return (2...100).contains(n.count) ? nil : .invalidName
    }

    static func phoneProblem(_ phone: String) -> IdentityError? {
        var p = phone.filter { !$0.isWhitespace && $0 != "." && $0 != "-" }
        if p.hasPrefix("+84") { p = "0" + p.dropFirst(3) }
        return p.count == 10 && p.hasPrefix("0") && p.allSatisfy({ $0.isASCII && $0.isNumber }) ? nil : .invalidPhone
    }

    static func emailProblem(_ email: String, required: Bool) -> IdentityError? {
        let e = email.trimmingCharacters(in: .whitespaces)
        if e.isEmpty { return required ? .invalidEmail : nil }
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        guard e.count <= 200, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
              !e.contains(where: \.isWhitespace)
        else { return .invalidEmail }
        return nil
    }

    static func passwordProblem(_ password: String) -> IdentityError? {
        guard password.count >= 8, password.count <= 200, password.contains(where: \.isLetter), password.contains(where: \.isNumber)
        else { return .weakPassword }
        return nil
    }

    /// Registers a citizen (12-digit CCCD) or a business (tax code). Throws the first problem.
    public static func register(_ r: Registration, on req: Request) async throws -> User {
        let year = Calendar(identifier: .gregorian).component(.year, from: req.now)
        if let first = problems(r, currentYear: year).first { throw first }
        let id = IdentityNumber.normalized(r.identityNumber)
        if try await User.query(on: req.db).filter(\.$identityNumber == id).count() > 0 {
            throw IdentityError.duplicateIdentityNumber
        }
        let user = User()
        user.kind = id.count == 12 ? .citizen : .business
        user.fullName = r.fullName.trimmingCharacters(in: .whitespaces)
        user.identityNumber = id
        user.phone = r.phone.filter { !$0.isWhitespace }
        user.email = r.email.trimmingCharacters(in: .whitespaces)
        user.passwordHash = try await req.password.async.hash(r.password)
        user.isActive = true
        do {
            try await user.create(on: req.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // A concurrent registration with the same number won the race.
            throw IdentityError.duplicateIdentityNumber
        }
        return user
    }

    /// Creates an official with a username and password (used by the admin pages and `tinhso user`).
    public static func createOfficial(username: String, fullName: String, password: String, email: String = "", phone: String = "",
                                      hash: String, on db: any Database) async throws -> User {
        let name = username.lowercased()
        guard (3...40).contains(name.count),
              name.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".contains($0) })
        else { throw IdentityError.invalidUsername }
        if let e = nameProblem(fullName) { throw e }
        if let e = passwordProblem(password) { throw e }
        if let e = emailProblem(email, required: false) { throw e }
        if try await User.query(on: db).filter(\.$username == name).count() > 0 { throw IdentityError.duplicateUsername }
        let user = User()
        user.kind = .official
        user.username = name
        user.fullName = fullName.trimmingCharacters(in: .whitespaces)
        user.phone = phone
        user.email = email
        user.passwordHash = hash
        user.isActive = true
        try await user.create(on: db)
        return user
    }

    public static func grant(_ role: Role, to userID: UUID, agencyID: UUID?, on db: any Database) async throws {
        let existing = try await RoleAssignment.query(on: db).filter(\.$userID == userID).filter(\.$role == role)
            .filter(\.$agencyID == agencyID).count()
        if existing == 0 { try await RoleAssignment(userID: userID, role: role, agencyID: role == .admin ? nil : agencyID).create(on: db) }
    }

    /// The active users holding `role` in the agency, as (user id, full name), by name.
    public static func holders(of role: Role, in agencyID: UUID, on db: any Database) async throws -> [(UUID, String)] {
        let ids = try await RoleAssignment.query(on: db).filter(\.$role == role).filter(\.$agencyID == agencyID).all(\.$userID)
        guard !ids.isEmpty else { return [] }
        return try await User.query(on: db).filter(\.$id ~~ ids).filter(\.$isActive == true).sort(\.$fullName).all()
            .compactMap { u in u.id.map { ($0, u.fullName) } }
    }

    /// Changes the password and ends every other session of the user.
    static func changePassword(user: User, current: String, new: String, confirm: String, keepSession: UUID?, on req: Request) async throws {
        guard let hash = user.passwordHash, try await req.password.async.verify(current, created: hash) else {
            throw IdentityError.invalidCredentials
        }
        if let e = passwordProblem(new) { throw e }
        guard new == confirm else { throw IdentityError.passwordMismatch }
        user.passwordHash = try await req.password.async.hash(new)
        try await req.application.groupCommit.transaction { db in
            try await user.save(on: db)
            let others = UserSession.query(on: db).filter(\.$userID == user.id!)
            if let keepSession { others.filter(\.$id != keepSession) }
            try await others.delete()
        }
    }
}
