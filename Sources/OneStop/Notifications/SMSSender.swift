import Foundation
import NIOCore
import Vapor

/// Sends SMS through an HTTP brandname gateway: `POST {"to", "message", "brandname"}` as JSON
/// with `Authorization: Bearer <token>`. Vietnamese gateways (Viettel, VNPT, FPT, eSMS…) all
/// take a request of this kind; one whose fields differ sits behind a small adapter.
///
/// The message stays Unicode, diacritics and all: stripping them would save segments (70
/// characters a segment in UCS-2 against 160 without) but "Hồ sơ" and "Hộ sơ" are not the same
/// to the reader. A gateway whose approved template has no diacritics must fold on its side.
public struct HTTPSMSSender: MessageSender {
    public struct Configuration: Sendable, Equatable {
        public var url: String
        public var token: String
        /// The registered sender name shown instead of a number.
        public var brandname: String
        public init(url: String, token: String, brandname: String) {
            self.url = url; self.token = token; self.brandname = brandname
        }
    }

    /// What the gateway receives.
    struct Payload: Content, Equatable {
        var to: String
        var message: String
        var brandname: String
    }

    let configuration: Configuration
    let client: any Client
    let timeout: TimeAmount

    public init(configuration: Configuration, client: any Client, timeout: TimeAmount = .seconds(20)) {
        self.configuration = configuration
        self.client = client
        self.timeout = timeout
    }

    public func send(_ message: OutgoingMessage) async throws {
        let c = configuration
        // An SMS has no subject; every notification body names the dossier itself.
        let payload = Payload(to: try VietnamesePhone.international(message.recipient), message: message.body, brandname: c.brandname)
        var request = ClientRequest(method: .POST, url: URI(string: c.url), timeout: timeout)
        request.headers.bearerAuthorization = BearerAuthorization(token: c.token)
        try request.content.encode(payload, as: .json)
        let response: ClientResponse
        do {
            response = try await client.send(request)
        } catch {
            throw SMSGatewayError(description: "SMS gateway unreachable: \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = response.body.map { String(buffer: $0) } ?? ""
            throw SMSGatewayError(description: "SMS gateway answered \(response.status.code) \(response.status.reasonPhrase): \(body.prefix(300))")
        }
    }
}

/// A refusal or failure of the gateway; the description is what the outbox records.
public struct SMSGatewayError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Vietnamese phone numbers as gateways want them: country code, no plus, no separators.
public enum VietnamesePhone {
    /// "0912 345 678", "+84 912-345-678", "0084912345678" → "84912345678". Only mobile-length
    /// numbers (84 and nine digits) are accepted: a brandname SMS cannot reach anything else.
    public static func international(_ raw: String) throws -> String {
        let digits = raw.filter { !" .-()\t".contains($0) }
        var national: Substring
        if digits.hasPrefix("+84") { national = digits.dropFirst(3) }
        else if digits.hasPrefix("0084") { national = digits.dropFirst(4) }
        else if digits.hasPrefix("84"), digits.count == 11 { national = digits.dropFirst(2) }
        else if digits.hasPrefix("0") { national = digits.dropFirst(1) }
        else { national = Substring(digits) }
        guard national.count == 9, national.allSatisfy(\.isASCIIDigit), national.first != "0" else {
            throw SMSGatewayError(description: "SMS: \(raw.prefix(40)) is not a Vietnamese mobile number")
        }
        return "84" + national
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
