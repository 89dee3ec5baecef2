import Vapor

/// The time source, behind a protocol so tests control it.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

extension Application {
    private struct ClockKey: StorageKey { typealias Value = any WallClock }

    public var clock: any WallClock {
        get { storage[ClockKey.self] ?? SystemWallClock() }
        set { storage[ClockKey.self] = newValue }
    }
}

extension Request {
    public var now: Date { application.clock.now() }
}
