import Foundation

/// A node's clocks: the wall clock, which a `skew` fault can shift, and a monotonic clock
/// for "how long since the last block", which no fault moves.
public struct NodeClock: Sendable {
    /// Added to the system wall clock (ms; negative: behind).
    public var offsetMs: Int64 = 0
    let start = ContinuousClock.now

    public init() {}

    /// Wall-clock ms since the epoch, offset applied (saturating: no offset can trap).
    public var wallMs: UInt64 {
        let (sum, overflow) = Int64(Date().timeIntervalSince1970 * 1_000).addingReportingOverflow(offsetMs)
        if overflow { return offsetMs > 0 ? UInt64(Int64.max) : 0 }
        return UInt64(max(0, sum))
    }

    /// Monotonic ms since this clock was made.
    public var monotonicMs: UInt64 {
        let elapsed = ContinuousClock.now - start
        return UInt64(elapsed.components.seconds) * 1_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
