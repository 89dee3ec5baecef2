import Crypto
import Foundation
import Kernel
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// A caller's request body passed to the upstream as it arrives, never held whole: the gateway
/// hashes it (SHA-256 for the message log, SHA-512 for `X-Road-Request-Hash`) and counts it on the
/// way, and stops it past `ExchangeCall.maxBody`. A refused call's body is not read at all.
final class BodyDigest: Sendable {
    struct TooLarge: Error {}

    private struct State {
        var sha256 = SHA256()
        var sha512 = SHA512()
        var bytes = 0
        var tooLarge = false
        var summary: (bytes: Int, sha256: String, sha512: String)?
    }
    private let state = NIOLockedValueBox(State())
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Adds a chunk; throws once the body passes the limit.
    func add(_ chunk: ByteBuffer) throws {
        try state.withLockedValue { s in
            s.bytes += chunk.readableBytes
            if s.bytes > limit {
                s.tooLarge = true
                throw TooLarge()
            }
            chunk.withUnsafeReadableBytes { raw in
                s.sha256.update(bufferPointer: raw)
                s.sha512.update(bufferPointer: raw)
            }
        }
    }

    var tooLarge: Bool { state.withLockedValue { $0.tooLarge } }

    /// The size and the hashes of what passed (`hex` SHA-256, base64 SHA-512), finalised once:
    /// the log and the answer's header both read them once the body has gone.
    var summary: (bytes: Int, sha256: String, sha512: String) {
        state.withLockedValue { s in
            if let done = s.summary { return done }
            let done = (s.bytes, SecureToken.hex(s.sha256.finalize()), Data(s.sha512.finalize()).base64EncodedString())
            s.summary = done
            return done
        }
    }
}

/// A caller's request body as the gateway reads it, from Vapor's server (`Request.Body`) or from
/// the gateway's own listener (`ListenerBody`).
protocol CallerBody: Sendable {
    /// The whole body, of declared `length`, by `deadline`; throws `ExchangeCall.BodyTimeout` when it has not all come.
    func collect(length: Int, by deadline: NIODeadline) async throws -> ByteBuffer
    /// The body piece by piece, as it arrives.
    func makePieces() -> any BodyPieces
}

/// An iterator over a caller's body.
protocol BodyPieces {
    mutating func next() async throws -> ByteBuffer?
}

extension Request.Body.AsyncIterator: BodyPieces {}

extension Request.Body: CallerBody {
    func collect(length: Int, by deadline: NIODeadline) async throws -> ByteBuffer {
        // Vapor refuses a streamed body that reaches `max`; the framing already stops it at its length.
        let read = collect(max: length + 1)
        let promise = read.eventLoop.makePromise(of: ByteBuffer?.self)
        read.cascade(to: promise)
        let timer = read.eventLoop.scheduleTask(deadline: deadline) { promise.fail(ExchangeCall.BodyTimeout()) }
        read.whenComplete { _ in timer.cancel() }
        return try await promise.futureResult.get() ?? ByteBuffer()
    }

    func makePieces() -> any BodyPieces { makeAsyncIterator() }
}

/// A caller's body with every chunk going through a `BodyDigest`.
public struct DigestingBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let base: any CallerBody
    let digest: BodyDigest

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: any BodyPieces
        let digest: BodyDigest
        public mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            try digest.add(chunk)
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makePieces(), digest: digest) }
}
