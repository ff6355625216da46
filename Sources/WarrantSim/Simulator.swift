import HeapModule
import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantHistory
import WarrantLedger
import WarrantReplica
import WarrantWire

/// What one simulated run produced, and the checkers' verdict on it.
public struct SimulationResult: Sendable {
    public let seed: UInt64
    public let violations: [Violation]
    public let history: [HistoryEvent]
    public let trace: [String]
    /// The lowest height any honest node reached.
    public let minHonestHeight: UInt64
    /// Catch-up answers that honest nodes refused as forged (bad certificate or block).
    public let forgeriesRefused: Int
    /// The validators' keys; node `n<i>` signs as `validatorKeys[i]`.
    public let validatorKeys: [PublicKey]
    /// The chain of the honest node that got furthest: each decided block with its certificate.
    public let chain: [DecidedBlock]
    /// How often the run reached each interesting boundary.
    public let coverage: SimCoverage
}

/// A block and the certificate that decided it.
public struct DecidedBlock: Hashable, Sendable {
    public let block: Block
    public let certificate: Certificate
}

/// The deterministic cluster simulator: n replicas — the very `Replica` a node runs,
/// over an in-memory store with modelled signatures — on a seeded virtual clock and
/// network, with network faults, crashes and restarts from the store, clock skew, and up
/// to f Byzantine validators whose outgoing envelopes are rewritten. The same seed always
/// gives the same run. Forged messages fail the modelled signature check at every honest
/// edge, as forged Ed25519 would.
public enum Simulator {
    /// Virtual time at which every run starts (ms since the epoch); scripted faults count from here.
    public static let startTimeMs = SimWorld.t0

    public static func run(seed: UInt64, options: SimulationOptions, keepTrace: Bool = false) -> SimulationResult {
        var world = SimWorld(seed: seed, options: options, keepTrace: keepTrace)
        world.run()
        return world.result()
    }
}

struct SimEvent: Comparable {
    enum Action {
        /// An envelope from one node to another.
        case deliver(from: Int, to: Int, [UInt8])
        case timer(node: Int, incarnation: Int, TimeoutKind, height: UInt64, round: UInt64)
        case workload
        case fault(FaultAction)
        case clockProbe(node: Int, incarnation: Int)
        case localCheck
    }

    let time: UInt64
    let order: UInt64
    let action: Action

    static func == (a: SimEvent, b: SimEvent) -> Bool { a.time == b.time && a.order == b.order }
    static func < (a: SimEvent, b: SimEvent) -> Bool { (a.time, a.order) < (b.time, b.order) }
}

struct SimNode {
    let name: String
    /// The validator this node signs as (a twin shares it with another node).
    let validator: Int
    /// The node itself: what a real node runs. While `crashed` it is stale; `restart`
    /// reopens it from `replica.store` as the crash left it.
    var replica: Replica<MemoryStore>
    var crashed = false
    var incarnation = 0
    var skewMs: Int64 = 0
    /// The clock's rate error (parts per million) since `rateSince`, on top of `skewMs`.
    var ratePpm: Int64 = 0
    var rateSince: UInt64 = 0
    /// What a Byzantine node does to what its replica sends (nothing, for an honest one):
    /// the rewriting a real node's shell applies.
    var byzantine: ByzantineRewriter
    /// When the node last applied a block (virtual time).
    var appliedAt: UInt64 = 0
}

struct SimWorld {
    static let t0: UInt64 = 1_764_000_000_000

    let seed: UInt64
    let options: SimulationOptions
    let keepTrace: Bool
    var random: SplitMix64
    /// Clock probes, their answers and local checks draw from here.
    var clockRandom: SplitMix64
    var now = SimWorld.t0
    var queue = Heap<SimEvent>()
    var order: UInt64 = 0
    var nodes: [SimNode] = []
    let validators: ValidatorSet
    let validatorKeys: [PublicKey]
    var workload = SimWorkload()
    let genesis: Genesis
    var history: [HistoryEvent] = []
    var recordedBlocks: Set<Digest> = []
    var pending: [Digest: Int] = [:]
    var groups: [Set<Int>]?
    var oneWay: Set<[Int]> = []
    var faultsEnd: UInt64
    let timeLimit: UInt64
    var trace: [String] = []
    /// How long honest nodes have to commit after the last fault: 20 s, or three rounds at
    /// the round the cluster had reached by then (timeouts grow with the round, so after
    /// a long stretch of faults one round alone can take seconds), whichever is longer.
    var livenessBound: UInt64 = 20_000
    /// Nodes the adversary has cut off completely, until the given time.
    var isolatedUntil: [Int: UInt64] = [:]
    /// When honest nodes first detected (or heard of) each offense.
    var detectedOffenses: [Offense.Key: UInt64] = [:]
    /// Honest nodes whose clock is beyond the skew bound (`.max`), or was until recently:
    /// their readings may still be held by peers until the given time.
    var clockFaultyUntil: [Int: UInt64] = [:]
    /// Catch-up answers honest nodes refused (forged blocks or certificates).
    var refusals = 0
    var coverage = SimCoverage()
    /// Honest nodes the liveness mode left crashed or cut off for good.
    var leftOut: Set<Int> = []
    /// Revocations and revoke-alls the workload sent, until they first commit.
    var revocations: Set<Digest> = []

    init(seed: UInt64, options: SimulationOptions, keepTrace: Bool) {
        self.seed = seed
        self.options = options
        self.keepTrace = keepTrace
        random = SplitMix64(seed: seed)
        clockRandom = SplitMix64(seed: seed ^ 0xc10c_c10c_c10c_c10c)
        let keys = (0..<options.nodes).map { SimWorkload.key("validator \($0)") }.sorted()
        validatorKeys = keys
        validators = ValidatorSet(keys)
        genesis = workload.genesis
        let anyFaults = !options.faults.isEmpty || !options.behaviours.isEmpty
        faultsEnd = anyFaults ? SimWorld.t0 + options.heights * 400 + 2_000 : SimWorld.t0
        if let last = options.script.map(\.atMs).max() { faultsEnd = max(faultsEnd, SimWorld.t0 + last + 1) }
        timeLimit = SimWorld.t0 + options.heights * 3_000 + 60_000
        for index in 0..<options.nodes {
            let behaviours = index >= options.nodes - options.byzantine ? options.behaviours : []
            nodes.append(SimNode(name: "n\(index)", validator: index, replica: openReplica(validator: index, store: MemoryStore()),
                                 byzantine: rewriter(validator: index, behaviours)))
        }
        // Twins: a second instance of the first Byzantine validator, with the same key.
        if options.byzantine > 0, options.behaviours.contains(.twins) {
            let index = options.nodes - options.byzantine
            nodes.append(SimNode(name: "n\(index)-twin", validator: index, replica: openReplica(validator: index, store: MemoryStore()),
                                 byzantine: rewriter(validator: index, options.behaviours)))
        }
    }

    /// The envelope rewriting of a validator with `behaviours`, seeded from the run.
    mutating func rewriter(validator: Int, _ behaviours: Set<ByzantineBehaviour>) -> ByzantineRewriter {
        ByzantineRewriter(behaviours: behaviours, signer: .modelled(validatorKeys[validator]), seed: random.next())
    }

    /// A replica of `validator` over `store` — as a node opens one over its database, with
    /// `--sabotage` planted when the validator is honest (again after each restart: like a
    /// node's flag, it lives in the process, not in the store).
    mutating func openReplica(validator: Int, store: MemoryStore) -> Replica<MemoryStore> {
        let honest = validator < options.nodes - options.byzantine
        do {
            return try Replica(signer: .modelled(validatorKeys[validator]), validators: validators, genesis: genesis,
                               genesisTimeMs: Self.t0, store: store, nonceSeed: clockRandom.next(),
                               sabotage: honest ? Set(options.sabotage.map { [$0] } ?? []) : [])
        } catch {
            fatalError("a simulated store cannot fail to open: \(error)")
        }
    }

    func isHonest(_ index: Int) -> Bool { nodes[index].validator < options.nodes - options.byzantine }

    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    mutating func between(_ low: UInt64, _ high: UInt64) -> UInt64 { low + random.next() % (high - low + 1) }

    mutating func schedule(at time: UInt64, _ action: SimEvent.Action) {
        order += 1
        queue.insert(SimEvent(time: time, order: order, action: action))
    }

    mutating func note(_ line: String) {
        trace.append("\(now - Self.t0) \(line)")
    }

    // MARK: running

    mutating func run() {
        history.append(HistoryEvent(time: 0, kind: .start, epochMs: Self.t0))
        for index in nodes.indices { start(index) }
        schedule(at: now + 50, .workload)
        schedule(at: now + 200, .localCheck)
        scheduleFaults()
        while let event = queue.popMin() {
            now = max(now, event.time)
            if now > timeLimit || finished { break }
            handle(event)
        }
        if keepTrace {
            for node in nodes {
                let core = node.replica.core
                note("end: \(node.name) h\(core.height) r\(core.round) \(core.step.rawValue) locked r\(core.lockedRound) valid r\(core.validRound)\(node.crashed ? " crashed" : "") applied \(node.replica.ledger.height)")
            }
        }
        for (id, node) in pending.sorted(by: { $0.key < $1.key }) {
            history.append(HistoryEvent(time: now - Self.t0, kind: .ack, node: nodes[node].name, request: id.hex, outcome: "unknown"))
        }
    }

    /// Starts (or, after a restart, resumes) a node's replica and its clock probes.
    mutating func start(_ index: Int) {
        nodes[index].appliedAt = now
        step(index) { replica, wall, monotonic in try replica.start(now: wall, monotonicMs: monotonic) }
        schedule(at: now + 1 + clockRandom.next() % probeIntervalMs, .clockProbe(node: index, incarnation: nodes[index].incarnation))
    }

    /// Honest nodes held to liveness: all of them, or the liveness mode's core.
    var livenessNodes: [Int] { nodes.indices.filter { isHonest($0) && !leftOut.contains($0) } }

    var finished: Bool {
        now >= faultsEnd + livenessBound && livenessNodes.allSatisfy { nodes[$0].replica.ledger.height >= options.heights }
    }

    /// Node `index`'s wall clock: true time, its offset, and the drift of a wrong rate.
    func localNow(_ index: Int) -> UInt64 {
        let node = nodes[index]
        let drift = node.ratePpm == 0 ? 0 : node.ratePpm * Int64(now - node.rateSince) / 1_000_000
        return UInt64(max(0, Int64(now) + node.skewMs + drift))
    }

    mutating func handle(_ event: SimEvent) {
        switch event.action {
        case .deliver(let from, let to, let bytes):
            guard !nodes[to].crashed else { return }
            receive(from: from, to: to, bytes)
        case .timer(let node, let incarnation, let kind, let height, let round):
            guard !nodes[node].crashed, nodes[node].incarnation == incarnation else { return }
            let before = (nodes[node].replica.core.round, nodes[node].replica.core.step)
            step(node) { replica, wall, monotonic in try replica.timeout(kind, height: height, round: round, now: wall) }
            if keepTrace, kind != .rebroadcast, before != (nodes[node].replica.core.round, nodes[node].replica.core.step) {
                let core = nodes[node].replica.core
                note("\(nodes[node].name) timeout \(kind.rawValue) h\(height) r\(round) -> r\(core.round) \(core.step.rawValue)")
            }
        case .workload:
            submitRequest()
            if now < timeLimit { schedule(at: now + between(100, 400), .workload) }
        case .fault(let action):
            applyFault(action)
        case .clockProbe(let node, let incarnation):
            guard !nodes[node].crashed, nodes[node].incarnation == incarnation else { return }
            probeClocks(node)
        case .localCheck:
            if now < timeLimit { localCheck() }
        }
    }

    mutating func submitRequest() {
        let bytes = workload.next(now: now, random: &random)
        let candidates = nodes.indices.filter { isHonest($0) && !nodes[$0].crashed }
        guard !candidates.isEmpty else { return }
        let target = candidates[Int(random.next() % UInt64(candidates.count))]
        let id = Blake2b.hash(bytes)
        history.append(HistoryEvent(time: now - Self.t0, kind: .request, node: nodes[target].name, request: id.hex, bytes: Hex.encode(bytes)))
        pending[id] = target
        if let kind = (try? Envelope(decoding: bytes))?.kind, kind == .revoke || kind == .revokeAll { revocations.insert(id) }
        step(target) { replica, wall, monotonic in try replica.submit(bytes, now: wall).outbound }
    }
}

extension SimWorld {
    // MARK: verdict

    func result() -> SimulationResult {
        let honest = Set(nodes.indices.filter(isHonest).map { nodes[$0].name })
        var input = CheckInput(events: history, honest: honest, genesis: genesis, signatures: .modelled,
                               livenessBoundMs: livenessBound)
        input.livenessNodes = Set(livenessNodes.map { nodes[$0].name })
        var violations = Checks.all(input)
        let minHeight = livenessNodes.map { nodes[$0].replica.ledger.height }.min() ?? 0
        if minHeight < options.heights && now > timeLimit {
            violations.append(Violation(.liveness, "honest nodes reached only height \(minHeight) of \(options.heights) by the time limit"))
        }
        let furthest = nodes.indices.filter(isHonest).max { nodes[$0].replica.store.blocks.count < nodes[$1].replica.store.blocks.count }
        let chain = furthest.map { nodes[$0].replica.store.blocks.sorted { $0.key < $1.key }.map { DecidedBlock(block: $0.value.block, certificate: $0.value.certificate) } } ?? []
        return SimulationResult(seed: seed, violations: violations, history: history, trace: trace, minHonestHeight: minHeight,
                                forgeriesRefused: refusals, validatorKeys: validatorKeys, chain: chain, coverage: coverage)
    }
}
