/// One event of a run's history: what was asked, answered, committed and done to the
/// cluster. The simulator and real runs write the same schema, one JSON object per line
/// (docs/HISTORY.md), and the same checkers judge both.
public struct HistoryEvent: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// A client sent a request (`bytes`: the envelope) to `node`.
        case request
        /// The client got its answer: `outcome` ok (accepted at `height`), fail (rejected
        /// with `reason`), or unknown (no answer before its timeout).
        case ack
        /// A block's content (`bytes`: the block's CBOR), recorded once per block hash.
        case block
        /// `node` committed `height`: `block` hash, `state` hash after it, and the ids of
        /// the requests the node's ledger accepted (`accepted`).
        case commit
        /// A fault began or ended (`detail`); `heal` ends every network fault. `layer` says
        /// what applied a link fault: `network` (nftables rules in the nodes' network
        /// namespaces, `--netns`) or `process` (each node's own link filter).
        case fault
        /// `node` crashed (`detail` "crash") or restarted (`detail` "restart").
        case restart
        /// `node` holds evidence of an equivocation (`bytes`: the evidence's CBOR), which
        /// the cluster must then commit.
        case evidence
        /// An agent asked `node` a local check (`bytes`: the check's envelope): `time` when
        /// it was sent, `receivedAt` when the answer came; `outcome` allow or deny with
        /// `reason`, the `session` the answer names, and the node's `height` and
        /// `wallClockMs`. Judged like a `probe`.
        case check
        /// The coordinator probed `node` about `session`: `time` is when the probe was sent,
        /// `receivedAt` when the answer came (both on the coordinator's clock); `outcome`
        /// allow or deny with `reason`; `height`, `wallClockMs` and `sinceLastBlockMs` are
        /// the node's own report.
        case probe
        /// The messages `node` had received from each peer (`counts`, counted before its
        /// link filter), read by the coordinator once a cut is in place (`detail` "cut") and
        /// again just before the heal (`detail` "heal"); `nodes` are the peers whose links to
        /// `node` were cut. A count that grows between the two is a cut that did not hold.
        case links
        /// An agent program (`exec`, docs/AGENTS.md) did something its agent reports:
        /// `outcome` `started`, `malformed` (a line the agent could not take; `detail` why),
        /// `too_long`, `flood` (requests past the limit or lines past the backlog, dropped),
        /// `deaf` (it stopped reading what the agent sent), `exited` (`detail`: its status),
        /// `killed` (it did not exit when told to stop), or `summary` (totals at the end).
        /// `agent` names the agent.
        case program
        /// The run began at `epochMs` (wall clock, ms since the epoch); every `time` counts
        /// from it.
        case start
    }

    /// Milliseconds: virtual time in the simulator, the coordinator's clock in real runs.
    public var time: UInt64
    public var kind: Kind
    public var node: String?
    public var request: String?
    public var outcome: String?
    public var reason: String?
    public var height: UInt64?
    public var block: String?
    public var state: String?
    public var bytes: String?
    public var accepted: [String]?
    /// For `commit`: each request's outcome in block order, `ok` or the reason code
    /// (exact even when a block holds the same request twice).
    public var outcomes: [String]?
    public var detail: String?
    /// For `fault`: the nodes it acted on.
    public var nodes: [String]?
    /// For `probe`: the session asked about (hex id), when the answer came, the node's clocks.
    public var session: String?
    public var receivedAt: UInt64?
    public var wallClockMs: UInt64?
    public var sinceLastBlockMs: UInt64?
    /// For `start`.
    public var epochMs: UInt64?
    /// For `fault`: `network` or `process` (see `Kind.fault`).
    public var layer: String?
    /// For `links`: messages received per peer; for a `program` summary, how many of each.
    public var counts: [String: UInt64]?
    /// For `program`: the agent whose program it was.
    public var agent: String?

    public init(time: UInt64, kind: Kind, node: String? = nil, request: String? = nil, outcome: String? = nil,
                reason: String? = nil, height: UInt64? = nil, block: String? = nil, state: String? = nil,
                bytes: String? = nil, accepted: [String]? = nil, outcomes: [String]? = nil, detail: String? = nil,
                nodes: [String]? = nil, session: String? = nil, receivedAt: UInt64? = nil, wallClockMs: UInt64? = nil,
                sinceLastBlockMs: UInt64? = nil, epochMs: UInt64? = nil, layer: String? = nil, counts: [String: UInt64]? = nil, agent: String? = nil) {
        self.time = time
        self.kind = kind
        self.node = node
        self.request = request
        self.outcome = outcome
        self.reason = reason
        self.height = height
        self.block = block
        self.state = state
        self.bytes = bytes
        self.accepted = accepted
        self.outcomes = outcomes
        self.detail = detail
        self.nodes = nodes
        self.session = session
        self.receivedAt = receivedAt
        self.wallClockMs = wallClockMs
        self.sinceLastBlockMs = sinceLastBlockMs
        self.epochMs = epochMs
        self.layer = layer
        self.counts = counts
        self.agent = agent
    }
}
