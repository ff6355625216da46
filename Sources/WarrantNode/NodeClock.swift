import Foundation

/// A node's clocks: the wall clock, which a `skew` fault can shift, and a monotonic clock
/// for "how long since the last block", which no fault moves.
public struct NodeClock: Sendable {
    /// Added to the system wall clock (ms; negative: behind).
    public var offsetMs: Int64 = 0
    let start = ContinuousClock.now

    public init() {}

    /// Wall-clock ms since the epoch, offset applied.
    public var wallMs: UInt64 {
        UInt64(max(0, Int64(Date().timeIntervalSince1970 * 1_000) + offsetMs))
    }

    /// Monotonic ms since this clock was made.
    public var monotonicMs: UInt64 {
        let elapsed = ContinuousClock.now - start
        return UInt64(elapsed.components.seconds) * 1_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
