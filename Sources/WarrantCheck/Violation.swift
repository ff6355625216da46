/// A broken rule, with enough to find it in the history.
public struct Violation: Hashable, Sendable, CustomStringConvertible {
    public enum Rule: String, Sendable, CaseIterable {
        case agreement, validity, expiry, revocation, budget, nothingLost = "nothing_lost", liveness
        /// Rule 4: a node cut off from a quorum stops allowing within `max_staleness`.
        case failClosed = "fail_closed"
        /// Rule 7: a malformed or badly signed request is never acknowledged as accepted.
        case badInput = "bad_input"
        /// Beyond docs/DESIGN.md's seven: equivocation an honest node held is committed.
        case evidence
        /// Real runs only: every agent of the topology sent requests (a run whose agents
        /// could not start proves nothing).
        case workload
        /// Real runs only: no message crossed a link while the link was cut (a node that
        /// ignores its in-process filter, or a network rule that leaks, is caught here).
        case faultsHonoured = "faults_honoured"
    }

    public let rule: Rule
    public let detail: String
    /// Where it happened, when one moment and node show it (a probe's send time, a cut's
    /// reading), for the run's picture (report.html).
    public let time: UInt64?
    public let node: String?

    public init(_ rule: Rule, _ detail: String, at time: UInt64? = nil, on node: String? = nil) {
        self.rule = rule
        self.detail = detail
        self.time = time
        self.node = node
    }

    public var description: String { "\(rule.rawValue): \(detail)" }
}
