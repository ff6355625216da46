import WarrantConsensus
import WarrantCrypto
import WarrantTestSupport
import WarrantWire

/// An in-process cluster of consensus cores for table tests and golden scenarios: a
/// virtual clock, a FIFO network the test controls (deliver, drop, partition), timers,
/// and for each node the shell duties: sign own votes and hand them back, keep the last
/// persisted record, "apply" decided blocks. A test double, not the simulator.
struct TestCluster {
    struct Node {
        var core: ConsensusCore
        let key: SigningKey
        /// The last persisted record, in its durable CBOR form.
        var persisted: [UInt8]?
        var decided: [UInt64: Digest] = [:]
        var stateHash: Digest
        /// Withholds everything it sends (but runs).
        var silent = false
        /// Crashed: neither runs, receives nor sends.
        var down = false
    }

    enum Payload: Hashable {
        case proposal(Proposal)
        case vote(SignedVote)
        case request(Digest, [UInt8])
        case committed(Block, Certificate)
        case evidence(Evidence)

        var type: String {
            switch self {
            case .evidence: "evidence"
            case .committed: "certificate"
            case .proposal: "proposal"
            case .vote(let v): v.type.rawValue
            case .request: "request"
            }
        }
    }

    struct Message: Hashable {
        let from: Int
        let to: Int
        let payload: Payload
    }

    struct Timer: Hashable {
        let node: Int
        let kind: TimeoutKind
        let height: UInt64
        let round: UInt64
        let at: UInt64
    }

    static let genesisTime: UInt64 = 1_764_000_000_000
    static let genesisState = Blake2b.hash(Array("genesis".utf8))

    var nodes: [Node] = []
    var network: [Message] = []
    var timers: [Timer] = []
    var now: UInt64 = TestCluster.genesisTime
    var groups: [Set<Int>]? = nil
    var log: [String] = []
    let parameters: ConsensusParameters
    /// Whether rebroadcast timers run. Off by default so scenarios control every message.
    var rebroadcast = false

    init(size: Int, parameters: ConsensusParameters = ConsensusParameters()) {
        self.parameters = parameters
        // Name nodes by their place in the validator order, so proposer(h, r) = n[(h + r) mod n].
        let keys = (0..<size).map { try! SigningKey(seed: [UInt8](repeating: 0xa0 + UInt8($0), count: 32)) }
            .sorted { $0.publicKey < $1.publicKey }
        let set = ValidatorSet(keys.map(\.publicKey))
        nodes = keys.map { key in
            Node(core: ConsensusCore(validators: set, me: key.publicKey, parameters: parameters,
                                     genesisTimeMs: Self.genesisTime, genesisStateHash: Self.genesisState),
                 key: key, stateHash: Self.genesisState)
        }
    }

    func name(_ index: Int) -> String { "n\(index)" }
    func index(of key: PublicKey) -> Int { nodes.firstIndex { $0.key.publicKey == key }! }
    static func short(_ digest: Digest?) -> String { digest.map { String($0.hex.prefix(8)) } ?? "nil" }

    func connected(_ a: Int, _ b: Int) -> Bool {
        guard let groups else { return true }
        return groups.contains { $0.contains(a) && $0.contains(b) }
    }

    mutating func send(from: Int, _ payload: Payload) {
        guard !nodes[from].silent, !nodes[from].down else { return }
        for to in nodes.indices where to != from && connected(from, to) && !nodes[to].down {
            network.append(Message(from: from, to: to, payload: payload))
        }
    }

    // MARK: carrying out directives (the shell's job)

    mutating func run(_ node: Int, _ reaction: Reaction, context: String) {
        switch reaction {
        case .acted(let directives): run(node, directives)
        case .ignored(let reason):
            if reason == .equivocation || reason == .wrongProposer || reason == .notAValidator {
                log.append("\(name(node)) ignores \(context): \(reason.rawValue)")
            }
        }
    }

    /// Carries out directives in order. What `onApplied` answers runs after the rest of
    /// the batch, as a node's replica queues it: the record `commit` persists right after
    /// `.decide` must not overwrite one written by what applying the block led to.
    mutating func run(_ node: Int, _ directives: [Directive]) {
        let mark = nodes[node].silent ? " (withheld)" : ""
        var afterApplying: [Directive] = []
        defer { if !afterApplying.isEmpty { run(node, afterApplying) } }
        for directive in directives {
            switch directive {
            case .persist(let record):
                nodes[node].persisted = record.cborBytes
            case .broadcastProposal(let proposal):
                let requests = proposal.block.requests.count
                log.append("\(name(node)) proposes h\(proposal.height) r\(proposal.round) \(Self.short(proposal.block.hash)) vr=\(proposal.validRound)\(requests > 0 ? " (\(requests) requests)" : "")\(proposal.block.evidence.isEmpty ? "" : " (\(proposal.block.evidence.count) evidence)")\(mark)")
                send(from: node, .proposal(proposal))
            case .broadcastVote(let type, let height, let round, let block):
                let vote = sign(node, type: type, height: height, round: round, block: block)
                log.append("\(name(node)) \(type.rawValue)s h\(height) r\(round) \(Self.short(block))\(mark)")
                send(from: node, .vote(vote))
                run(node, nodes[node].core.onVote(vote, now: now), context: "own vote")
            case .rebroadcastProposal(let proposal):
                send(from: node, .proposal(proposal))
            case .rebroadcastVote(let vote):
                send(from: node, .vote(vote))
            case .rebroadcastCertificate(let block, let certificate):
                send(from: node, .committed(block, certificate))
            case .scheduleTimeout(let kind, let height, let round, let after):
                if kind == .rebroadcast && !rebroadcast { continue }
                timers.append(Timer(node: node, kind: kind, height: height, round: round, at: now + after))
            case .decide(let block, let certificate):
                nodes[node].decided[block.height] = certificate.block
                log.append("\(name(node)) decides h\(block.height) r\(certificate.round) \(Self.short(certificate.block)) with \(certificate.signatures.count) precommits\(block.evidence.isEmpty ? "" : ", committing \(block.evidence.count) evidence")")
                nodes[node].stateHash = Blake2b.hash(nodes[node].stateHash.bytes + certificate.block.bytes)
                afterApplying += nodes[node].core.onApplied(height: block.height, stateHash: nodes[node].stateHash, now: now)
            case .forwardRequest(let bytes):
                send(from: node, .request(Blake2b.hash(bytes), bytes))
            case .broadcastEvidence(let evidence):
                send(from: node, .evidence(evidence))
            }
        }
    }

    func sign(_ node: Int, type: VoteType, height: UInt64, round: UInt64, block: Digest?) -> SignedVote {
        let key = nodes[node].key
        let envelope: Envelope = type == .prevote
            ? Envelope.seal(Prevote(height: height, round: round, block: block), by: key)
            : Envelope.seal(Precommit(height: height, round: round, block: block), by: key)
        return SignedVote(type: type, height: height, round: round, block: block, validator: key.publicKey,
                          signature: envelope.signature)
    }

    // MARK: inputs

    mutating func start(_ node: Int) {
        guard !nodes[node].down else { return }
        run(node, nodes[node].core.onStart(now: now))
    }

    mutating func deliver(_ message: Message) {
        let to = message.to
        guard !nodes[to].down else { return }
        switch message.payload {
        case .proposal(let proposal):
            run(to, nodes[to].core.onProposal(proposal, from: nodes[message.from].key.publicKey, signaturesValid: true, now: now),
                context: "proposal from \(name(message.from))")
        case .vote(let vote):
            let context = "\(vote.type.rawValue) from \(name(index(of: vote.validator)))"
            let evidence = nodes[to].core.pendingEvidence.count
            let reaction = nodes[to].core.onVote(vote, now: now)
            if nodes[to].core.pendingEvidence.count > evidence { log.append("\(name(to)) keeps \(context) as evidence of equivocation") }
            run(to, reaction, context: context)
        case .evidence(let evidence):
            run(to, nodes[to].core.onEvidence(evidence, now: now), context: "evidence")
        case .request(let id, let bytes):
            run(to, nodes[to].core.onRequest(id: id, bytes: bytes, from: .peer, now: now), context: "request")
        case .committed(let block, let certificate):
            run(to, nodes[to].core.onCommittedBlock(block, certificate: certificate, now: now), context: "certificate")
        }
    }

    /// Delivers queued messages matching `filter`, oldest first, including ones sent
    /// meanwhile, until none match. Returns how many were delivered.
    @discardableResult
    mutating func deliverAll(limit: Int = 100_000, where filter: (Message) -> Bool = { _ in true }) -> Int {
        var delivered = 0
        while delivered < limit, let index = network.firstIndex(where: filter) {
            let message = network.remove(at: index)
            if connected(message.from, message.to) { deliver(message) }
            delivered += 1
        }
        return delivered
    }

    mutating func fire(_ timer: Timer) {
        timers.removeAll { $0 == timer }
        guard !nodes[timer.node].down else { return }
        now = max(now, timer.at)
        let reaction = nodes[timer.node].core.onTimeout(timer.kind, height: timer.height, round: timer.round, now: now)
        if case .acted = reaction, timer.kind != .rebroadcast {
            log.append("\(name(timer.node)) timeout \(timer.kind.rawValue) h\(timer.height) r\(timer.round)")
        }
        run(timer.node, reaction, context: "timeout")
    }

    /// Advances the clock by `ms`, firing due timers in time order.
    mutating func tick(_ ms: UInt64) {
        let until = now + ms
        while let next = timers.filter({ $0.at <= until }).min(by: { ($0.at, $0.node) < ($1.at, $1.node) }) {
            fire(next)
        }
        now = until
    }

    /// Delivers everything and fires timers until every node has decided `height`, or
    /// `maxSteps` rounds of work have passed. Returns whether all decided.
    mutating func runUntil(height: UInt64, maxSteps: Int = 200) -> Bool {
        for _ in 0..<maxSteps {
            if nodes.allSatisfy({ $0.decided[height] != nil }) { return true }
            if deliverAll() > 0 { continue }
            guard let next = timers.min(by: { ($0.at, $0.node) < ($1.at, $1.node) }) else { return false }
            fire(next)
        }
        return nodes.allSatisfy { $0.decided[height] != nil }
    }

    mutating func restart(_ node: Int) {
        let core = nodes[node].core
        let restored = nodes[node].persisted.map {
            ConsensusCore(validators: core.validators, me: core.me, parameters: parameters, restoring: try! ConsensusRecord(stored: $0))
        } ?? ConsensusCore(validators: core.validators, me: core.me, parameters: parameters,
                           genesisTimeMs: Self.genesisTime, genesisStateHash: Self.genesisState)
        nodes[node].core = restored
        timers.removeAll { $0.node == node }
        start(node)
    }

    mutating func takeLog() -> [String] {
        defer { log = [] }
        return log
    }
}
