/// Faults applied to one direction of one peer link: block it, drop a share of its
/// messages, or hold them back. The decision is a pure function of the settings and a
/// random source, so tests can drive it with a seeded generator.
public struct DirectionFaults: Sendable, Hashable {
    /// Drop everything (a partition).
    public var blocked: Bool
    /// Drop this many messages in a thousand, at random.
    public var dropPerMille: UInt16
    /// Hold each delivered message back this long...
    public var delay: Duration
    /// ...plus a uniformly random extra up to this much (which may reorder messages).
    public var jitter: Duration

    public init(blocked: Bool = false, dropPerMille: UInt16 = 0, delay: Duration = .zero, jitter: Duration = .zero) {
        self.blocked = blocked
        self.dropPerMille = min(dropPerMille, 1000)
        self.delay = delay
        self.jitter = jitter
    }

    public static let none = DirectionFaults()

    public var isNone: Bool { self == .none }

    public func decide(using random: inout some RandomNumberGenerator) -> FaultDecision {
        if blocked { return .drop }
        if dropPerMille > 0, UInt16.random(in: 0..<1000, using: &random) < dropPerMille { return .drop }
        var wait = delay
        if jitter > .zero {
            wait += .milliseconds(Int64.random(in: 0...max(0, jitter.milliseconds), using: &random))
        }
        return .deliver(after: wait)
    }
}

/// What happens to one message.
public enum FaultDecision: Sendable, Hashable {
    case deliver(after: Duration)
    case drop
}

/// The faults on both directions of a link.
public struct LinkFaults: Sendable, Hashable {
    public var inbound: DirectionFaults
    public var outbound: DirectionFaults

    public init(inbound: DirectionFaults = .none, outbound: DirectionFaults = .none) {
        self.inbound = inbound
        self.outbound = outbound
    }

    public static let none = LinkFaults()
}

/// Message counts of one link, for status pages and chaos reports.
public struct LinkCounters: Sendable, Hashable {
    public var sent = 0
    public var received = 0
    public var droppedOutbound = 0
    public var droppedInbound = 0
    public var delayed = 0
    /// Sends that failed at the socket (no peer connected within the timeout, closed).
    public var sendFailures = 0
}
