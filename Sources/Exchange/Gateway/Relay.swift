import Crypto
import Foundation
import Kernel
import NIOCore
import Vapor

/// A large answer (above `ExchangeCall.relayAbove`, or of no declared length) passed to the caller
/// as it comes from the upstream, never held whole, and hashed and counted on the way. Its last
/// piece is held back until the exchange's record is durable: a caller never receives a complete
/// answer that the log does not hold. If the record cannot be written, or the upstream breaks off,
/// the answer is cut short (the connection closes before the declared length or the final chunk),
/// which every HTTP client reports as a failed call.
struct Relay: Sendable {
    let body: AnswerStream
    /// The upstream's `Content-Length`, passed on; nil relays chunked.
    let length: Int?
    let breaker: String
    let app: Application
    /// Set by `ExchangeCall.perform`: the record to complete, when the call started, and whether
    /// the caller was identified (for the metrics' labels).
    var record = LogEntry(at: Date(), messageID: "", method: "")
    var started: UInt64 = 0
    var identified = false

    private enum Broken: Error { case upstream(any Error), caller(any Error) }

    func run(_ writer: any AsyncBodyStreamWriter) async {
        var record = record
        var sha256 = SHA256()
        var bytes = 0
        var held: ByteBuffer?
        var broken: Broken?
        do throws(Broken) {
            var pieces = body.makeAsyncIterator()
            while true {
                let piece: ByteBuffer?
                do { piece = try await pieces.next() } catch { throw Broken.upstream(error) }
                guard let piece else { break }
                bytes += piece.readableBytes
                piece.withUnsafeReadableBytes { sha256.update(bufferPointer: $0) }
                if let previous = held {
                    do { try await writer.write(.buffer(previous)) } catch { throw Broken.caller(error) }
                }
                held = piece
            }
        } catch {
            broken = error
        }
        record.responseBytes = bytes
        record.responseHash = SecureToken.hex(sha256.finalize())
        switch broken {
        case .upstream:
            app.circuitBreakers.record(breaker, failed: true)
            (record.status, record.errorType) = (502, "Server.ServerProxy.ServiceFailed")
        case .caller:
            (record.status, record.errorType) = (499, "Client.ClientProxy.Disconnected")
        case nil:
            break
        }
        if let failure = await ExchangeCall.log(record, identified: identified, started: started, app: app) {
            try? await writer.write(.error(Abort(failure.status, reason: failure.message)))
            return
        }
        switch broken {
        case .upstream(let error), .caller(let error):
            try? await writer.write(.error(error))
            return
        case nil:
            break
        }
        if let last = held { try? await writer.write(.buffer(last)) }
        try? await writer.write(.end)
    }
}
