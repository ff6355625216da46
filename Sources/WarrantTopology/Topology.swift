import WarrantConsensus
import WarrantFaults
import WarrantLedger
import WarrantWire

/// A cluster to launch, as a topology file describes it (docs/TOPOLOGY.md): the nodes
/// and their addresses, the consensus and ledger parameters every node must share, the
/// principals, the agents and what they want, the workload and the fault schedule.
public struct Topology: Sendable {
    /// The file it was loaded from (errors and relative paths refer to it).
    public var file: String
    public var cluster: ClusterSettings
    public var nodes: [NodeSpec]
    public var principals: [PrincipalSpec]
    public var agents: [AgentSpec]
    public var workload: WorkloadSpec
    public var faults: [FaultSpec]
    public var probes: ProbeSpec
    /// What loaded but deserves a word (ports in the kernel's ephemeral range, …):
    /// `run` and `up` print these before they start.
    public var warnings: [String] = []

    /// The kernel hands out ports in this range to other programs' outgoing
    /// connections (Linux's default `ip_local_port_range`); a node listening there may
    /// find its port taken.
    public static let ephemeralPorts = 32_768...60_999

    public func node(named name: String) -> NodeSpec? { nodes.first { $0.name == name } }

    /// The validators: every node but twins (which sign with another node's key).
    public var validators: [NodeSpec] { nodes.filter { $0.twinOf == nil } }

    /// The nodes a run's checkers hold to every rule: not Byzantine, not a twin, not twinned.
    public var honestNodes: [String] {
        let twinned = Set(nodes.compactMap(\.twinOf))
        return nodes.filter { $0.byzantine.isEmpty && $0.twinOf == nil && !twinned.contains($0.name) }.map(\.name)
    }
    public func agent(named name: String) -> AgentSpec? { agents.first { $0.name == name } }
}

public struct ClusterSettings: Sendable {
    public var name: String
    public var host: String
    /// `host` as it goes in a URL (an IPv6 address in brackets).
    public var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
    /// Node i uses ports `basePort + 20·i` … `+ 19` unless its addresses are given.
    public var basePort: Int
    public var consensus: ConsensusParameters
    public var ledger: LedgerParameters
    /// Block time before the first block (ms since the epoch); 0 unless set.
    public var genesisTimeMs: UInt64
    /// Largest message any endpoint accepts.
    public var maxMessageBytes: Int
    /// How long a client endpoint keeps an ordered request open before answering `timeout`.
    public var requestTimeoutMs: UInt64
    /// Most connections a node's client endpoint, and its commit stream, hold at once:
    /// every connection costs memory, idle or not, so this bounds what clients can take.
    public var maxClientConnections: Int = 1_024
}

/// One validator's endpoints.
public struct NodeSpec: Sendable, Hashable {
    public var name: String
    /// Position in the topology (also its port block).
    public var index: Int
    /// The address its endpoints listen on (the cluster's `host` unless the node names one).
    public var host: String
    /// `host` as it goes in a URL (an IPv6 address in brackets).
    public var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
    public var client: String
    public var commits: String
    public var control: String
    /// Link listeners: this node listens for peer j (j after it in the file) at
    /// `peerListen[j]`; earlier peers listen for it.
    public var peerListen: [String: String]
    /// Where the node serves Prometheus metrics over HTTP (`GET /metrics` on the cluster's
    /// host); nil: none. Port `basePort + 20·i + 3` unless `metrics_port` says otherwise
    /// (0 turns it off).
    public var metricsPort: Int?
    /// Deliberate bugs the node is started with (`warrant-node --sabotage`), only in
    /// scenarios that prove the checkers fail.
    public var sabotage: [Sabotage] = []
    /// Byzantine behaviours the node starts with (`warrant-node --byzantine`); such nodes
    /// are not counted honest when a run is judged.
    public var byzantine: [ByzantineBehaviour] = []
    /// Twins: this process signs with another node's key (a Byzantine validator run twice).
    public var twinOf: String?
    /// The size in MiB of a filesystem of its own that the coordinator makes for the node's
    /// database (a tmpfs; root only), so that `fill-disk` can fill it; nil: none.
    public var diskMb: Int?
}

public struct PrincipalSpec: Sendable, Hashable {
    public var name: String
    public var owns: [ResourcePattern]
}

/// How an agent behaves (docs/TOPOLOGY.md).
public enum AgentBehaviour: String, Sendable, Hashable, CaseIterable {
    case honest, greedy, rogue, replayer, delegator
    /// Driven from outside — `warrant-gateway` for an MCP host (docs/AGENTS.md): the
    /// coordinator grants it sessions as its principal but starts no process for it.
    case external
}

/// The session an agent asks its principal for.
public struct SessionWish: Sendable, Hashable {
    public var operations: [String]
    public var resources: [ResourcePattern]
    public var ttlMs: UInt64
    public var budget: UInt64
    public var maxAmount: UInt64?
    public var maxUses: UInt64?
    public var rate: RateLimit?
    /// Renew this long before the session expires (0: never renew).
    public var renewBeforeMs: UInt64
}

public struct AgentSpec: Sendable, Hashable {
    public var name: String
    public var principal: String
    public var behaviour: AgentBehaviour
    public var session: SessionWish
    /// Pause between acts.
    public var actIntervalMs: UInt64
    /// Amount each act spends.
    public var amount: UInt64
    /// For `delegator`: the agent it grants a child session to (and the one a program's
    /// `delegate` may name).
    public var delegateTo: String?
    /// A program that decides what the agent does (`exec = ["python3", "agents/x.py"]`),
    /// spoken to over JSON lines by `warrant-agent`, which holds the key (docs/AGENTS.md).
    public var exec: [String]?

    public init(name: String, principal: String, behaviour: AgentBehaviour, session: SessionWish, actIntervalMs: UInt64,
                amount: UInt64, delegateTo: String? = nil, exec: [String]? = nil) {
        self.name = name
        self.principal = principal
        self.behaviour = behaviour
        self.session = session
        self.actIntervalMs = actIntervalMs
        self.amount = amount
        self.delegateTo = delegateTo
        self.exec = exec
    }
}

/// How often `run` asks every node about a sample of live, expired and revoked sessions.
public struct ProbeSpec: Sendable, Hashable {
    /// 0: no probes.
    public var intervalMs: UInt64
    /// Sessions of each kind (live, expired, revoked) per probe.
    public var sample: Int
}

public struct WorkloadSpec: Sendable, Hashable {
    public var durationMs: UInt64
    public var seed: UInt64
}

/// What the fault schedule can do (docs/TOPOLOGY.md).
public enum FaultKind: String, Sendable, Hashable, CaseIterable {
    /// Cut `nodes` off from the rest (both ways): in each node's link filter, or as nftables
    /// rules in the nodes' namespaces under `--netns`.
    case partition
    /// Cut every link from each node of `from` to each node of `to` — one way with
    /// `one_way`, else both: bridges and other non-transitive partitions.
    case cut
    /// Remove every link fault.
    case heal
    /// SIGKILL the node processes in `nodes`; `restart` starts them again from their data.
    case kill, restart
    /// SIGSTOP / SIGCONT the node processes.
    case pause, resume
    /// Shift the wall clock of `nodes` by `ms` (negative: behind).
    case skew
    /// Delay (`ms`, ± `jitter_ms`) and/or drop (`per_mille`) messages on every link of
    /// `nodes`; `delay` and `drop` are the same fault, named by what it mostly does.
    case delay, drop
    /// The principal of `agent` revokes that agent's session.
    case revoke
    /// `principal` revokes every session it granted, at once.
    case revokeAll = "revoke-all"
    /// Fill the filesystem of `nodes` (each with `disk_mb`) to the last byte with a
    /// ballast file; `free-disk` removes it.
    case fillDisk = "fill-disk", freeDisk = "free-disk"
    /// Damage the database of `nodes`, which must be down (killed): `corrupt-db` writes
    /// random bytes over pages of it, `truncate-db` cuts it to half its length.
    case corruptDb = "corrupt-db", truncateDb = "truncate-db"

    /// Faults that are requests to the cluster: they run beside the schedule (one that
    /// cannot commit must not hold back the faults after it).
    public var isRequest: Bool { self == .revoke || self == .revokeAll }
}

public struct FaultSpec: Sendable, Hashable {
    /// Targets resolved when the fault fires: `@leader` (the proposer of the height then
    /// running; for `restart` and `resume`, the node `@leader` named when it was killed
    /// or paused) and `@all` (every node).
    public static let runTimeTargets: Set<String> = ["@leader", "@all"]

    public var atMs: UInt64
    public var kind: FaultKind
    public var nodes: [String]
    public var ms: Int64?
    public var perMille: UInt64?
    public var agent: String?
    public var jitterMs: UInt64? = nil
    /// For `cut`: the links from each of `from` to each of `to`.
    public var from: [String] = []
    public var to: [String] = []
    public var oneWay: Bool = false
    /// For `revoke-all`.
    public var principal: String? = nil

    public init(atMs: UInt64, kind: FaultKind, nodes: [String], ms: Int64? = nil, perMille: UInt64? = nil, agent: String? = nil,
                jitterMs: UInt64? = nil, from: [String] = [], to: [String] = [], oneWay: Bool = false, principal: String? = nil) {
        self.atMs = atMs
        self.kind = kind
        self.nodes = nodes
        self.ms = ms
        self.perMille = perMille
        self.agent = agent
        self.jitterMs = jitterMs
        self.from = from
        self.to = to
        self.oneWay = oneWay
        self.principal = principal
    }
}
