import HeapModule
import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// What one simulated run produced, and the checkers' verdict on it.
public struct SimulationResult: Sendable {
    public let seed: UInt64
    public let violations: [Violation]
    public let history: [HistoryEvent]
    public let trace: [String]
    /// The lowest height any honest node reached.
    public let minHonestHeight: UInt64
}

/// The deterministic cluster simulator: n real consensus cores and ledgers on a seeded
/// virtual clock and network, with network faults, crashes and restarts from the
/// persisted record, clock skew, and up to f Byzantine validators. The same seed always
/// gives the same run. Signatures are modelled (`SignatureScheme.modelled`): forged
/// messages fail the modelled check at every honest edge.
public enum Simulator {
    public static func run(seed: UInt64, options: SimulationOptions, keepTrace: Bool = false) -> SimulationResult {
        var world = SimWorld(seed: seed, options: options, keepTrace: keepTrace)
        world.run()
        return world.result()
    }
}

enum SimMessage {
    case proposal(Proposal, bytes: [UInt8], signature: Signature)
    case vote(SignedVote)
    case request([UInt8])
    case committed(Block, Certificate)
    /// Catch-up: "send me your decided blocks from this height".
    case catchUpRequest(UInt64)
    case catchUpResponse([(Block, Certificate)])

    var height: UInt64? {
        switch self {
        case .proposal(let p, _, _): p.height
        case .vote(let v): v.height
        case .committed(let b, _): b.height
        default: nil
        }
    }
}

struct SimEvent: Comparable {
    enum Action {
        case deliver(from: Int, to: Int, SimMessage)
        case timer(node: Int, incarnation: Int, TimeoutKind, height: UInt64, round: UInt64)
        case workload
        case fault(String, [Int])
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
    var core: ConsensusCore
    var ledger: Ledger
    var record: ConsensusRecord?
    var crashed = false
    var incarnation = 0
    var skewMs: Int64 = 0
    var byzantine: Set<SimFault> = []
    var sent: [(Int, SimMessage)] = []
    /// Decided blocks with their certificates, kept like the node's database.
    var decided: [UInt64: (Block, Certificate)] = [:]
    /// When this node last asked each peer to catch it up.
    var askedAt: [Int: UInt64] = [:]
    /// Acts a Byzantine node has seen, to slip into its blocks later (old acts of
    /// sessions that have since expired or been revoked).
    var seenActs: [[UInt8]] = []
}

struct SimWorld {
    static let t0: UInt64 = 1_764_000_000_000

    let seed: UInt64
    let options: SimulationOptions
    let keepTrace: Bool
    var random: SplitMix64
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

    init(seed: UInt64, options: SimulationOptions, keepTrace: Bool) {
        self.seed = seed
        self.options = options
        self.keepTrace = keepTrace
        random = SplitMix64(seed: seed)
        let keys = (0..<options.nodes).map { SimWorkload.key("validator \($0)") }.sorted()
        validatorKeys = keys
        validators = ValidatorSet(keys)
        genesis = workload.genesis
        let anyFaults = !options.faults.isEmpty
        faultsEnd = anyFaults ? SimWorld.t0 + options.heights * 400 + 2_000 : SimWorld.t0
        timeLimit = SimWorld.t0 + options.heights * 3_000 + 60_000
        let genesisLedger = Ledger(genesis: genesis)
        for index in 0..<options.nodes {
            var node = SimNode(name: "n\(index)", validator: index,
                               core: Self.freshCore(validators, keys[index], genesisLedger.stateHash), ledger: genesisLedger)
            if index >= options.nodes - options.byzantine {
                node.byzantine = options.faults.filter(\.isByzantine).subtracting([.twins])
            }
            nodes.append(node)
        }
        // Twins: a second instance of the first Byzantine validator, with the same key.
        if options.byzantine > 0, options.faults.contains(.twins) {
            let index = options.nodes - options.byzantine
            nodes.append(SimNode(name: "n\(index)-twin", validator: index,
                                 core: Self.freshCore(validators, keys[index], genesisLedger.stateHash), ledger: genesisLedger,
                                 byzantine: nodes[index].byzantine))
        }
        for index in nodes.indices where isHonest(index) { applySabotage(index) }
    }

    static func freshCore(_ validators: ValidatorSet, _ key: PublicKey, _ state: Digest) -> ConsensusCore {
        ConsensusCore(validators: validators, me: key, genesisTimeMs: t0, genesisStateHash: state)
    }

    func isHonest(_ index: Int) -> Bool { nodes[index].validator < options.nodes - options.byzantine }

    mutating func applySabotage(_ index: Int) {
        switch options.sabotage {
        case .skipLock: nodes[index].core.sabotage = .skipLock
        case .quorumOffByOne: nodes[index].core.sabotage = .quorumOffByOne
        case .ignoreExpiry: nodes[index].ledger.sabotageIgnoreExpiry = true
        case .acceptBadSignature, nil: break
        }
    }

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
        for index in nodes.indices { execute(index, nodes[index].core.onStart(now: localNow(index))) }
        schedule(at: now + 50, .workload)
        scheduleFaults()
        while let event = queue.popMin() {
            now = max(now, event.time)
            if now > timeLimit || finished { break }
            handle(event)
        }
        for (id, node) in pending.sorted(by: { $0.key < $1.key }) {
            history.append(HistoryEvent(time: now - Self.t0, kind: .ack, node: nodes[node].name, request: id.hex, outcome: "unknown"))
        }
    }

    var finished: Bool {
        now >= faultsEnd + livenessBound && nodes.indices.filter(isHonest).allSatisfy { nodes[$0].ledger.height >= options.heights }
    }

    func localNow(_ index: Int) -> UInt64 {
        UInt64(max(0, Int64(now) + nodes[index].skewMs))
    }

    mutating func handle(_ event: SimEvent) {
        switch event.action {
        case .deliver(let from, let to, let message):
            guard !nodes[to].crashed else { return }
            receive(from: from, to: to, message)
        case .timer(let node, let incarnation, let kind, let height, let round):
            guard !nodes[node].crashed, nodes[node].incarnation == incarnation else { return }
            let reaction = nodes[node].core.onTimeout(kind, height: height, round: round, now: localNow(node))
            if keepTrace, kind != .rebroadcast, case .acted = reaction {
                let core = nodes[node].core
                note("\(nodes[node].name) timeout \(kind.rawValue) h\(height) r\(round) -> r\(core.round) \(core.step.rawValue)")
            }
            execute(node, reaction.directives)
            if kind == .rebroadcast, nodes[node].byzantine.contains(.replay), let old = nodes[node].sent.randomElement(using: &random) {
                send(from: node, to: old.0, old.1)  // replay an old message
            }
        case .workload:
            submitRequest()
            if now < timeLimit { schedule(at: now + between(100, 400), .workload) }
        case .fault(let kind, let targets):
            applyFault(kind, targets)
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
        execute(target, nodes[target].core.onRequest(id: id, bytes: bytes, now: localNow(target)).directives)
    }

    // MARK: the edge: modelled signature checks

    func requestIsValid(_ bytes: [UInt8]) -> Bool {
        guard let envelope = try? Envelope(decoding: bytes) else { return false }
        return SignatureScheme.modelled.verifies(envelope)
    }

    func voteSignature(_ type: VoteType, _ height: UInt64, _ round: UInt64, _ block: Digest?, by key: PublicKey) -> Signature {
        let body = type == .prevote ? Prevote(height: height, round: round, block: block).cborBytes
            : Precommit(height: height, round: round, block: block).cborBytes
        return SignatureScheme.modelledSignature(by: key, kind: type == .prevote ? .prevote : .precommit, body: body)
    }

    func voteIsValid(_ vote: SignedVote) -> Bool {
        vote.signature == voteSignature(vote.type, vote.height, vote.round, vote.block, by: vote.validator)
    }

    mutating func receive(from: Int, to: Int, _ message: SimMessage) {
        let sabotaged = options.sabotage == .acceptBadSignature && isHonest(to)
        // A message from a later height means this node fell behind: ask the sender for
        // the blocks it missed (at most every 200 ms per peer).
        if let height = message.height, height > nodes[to].core.height, now >= (nodes[to].askedAt[from] ?? 0) + 200,
           isHonest(to) || splitBrain(height: nodes[to].core.height) == nil {
            nodes[to].askedAt[from] = now
            if keepTrace { note("\(nodes[to].name) at h\(nodes[to].core.height) asks \(nodes[from].name) (at h\(height)) to catch it up") }
            send(from: to, to: from, .catchUpRequest(nodes[to].core.height))
        }
        switch message {
        case .catchUpRequest(let height):
            let have = nodes[to].decided
            let blocks = (height..<(height + 20)).compactMap { have[$0] }
            if !blocks.isEmpty { send(from: to, to: from, .catchUpResponse(blocks)) }
        case .catchUpResponse(let blocks):
            if keepTrace { note("\(nodes[to].name) at h\(nodes[to].core.height) gets \(blocks.map(\.0.height)) from \(nodes[from].name)") }
            for (block, certificate) in blocks where block.height == nodes[to].core.height {
                receive(from: from, to: to, .committed(block, certificate))
            }
        case .proposal(let proposal, let bytes, let signature):
            let sender = validatorKeys[nodes[from].validator]
            guard sabotaged || signature == SignatureScheme.modelledSignature(by: sender, kind: .proposal, body: bytes) else { return }
            let requestsValid = sabotaged || proposal.block.requests.allSatisfy { requestIsValid($0.bytes) }
            if keepTrace, proposal.height == nodes[to].core.height, !(requestsValid && nodes[to].core.isValid(proposal.block)) {
                let core = nodes[to].core
                note("\(nodes[to].name) finds h\(proposal.height) r\(proposal.round) from \(nodes[from].name) invalid (requests \(requestsValid), time \(proposal.block.timeMs) vs \(core.lastBlockTimeMs), state \(proposal.block.stateHash.short) vs \(core.appliedStateHash?.short ?? "none"), previous \(proposal.block.previous.short) vs \(core.lastBlockHash.short))")
            }
            execute(to, nodes[to].core.onProposal(proposal, from: sender, requestsValid: requestsValid, now: localNow(to)).directives)
        case .vote(let vote):
            guard sabotaged || voteIsValid(vote) else { return }
            execute(to, nodes[to].core.onVote(vote, now: localNow(to)).directives)
        case .request(let bytes):
            guard sabotaged || requestIsValid(bytes) else { return }
            if !nodes[to].byzantine.isEmpty, (try? Envelope(decoding: bytes))?.kind == .act {
                if nodes[to].seenActs.count >= 200 { nodes[to].seenActs.removeFirst() }
                nodes[to].seenActs.append(bytes)
            }
            execute(to, nodes[to].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: localNow(to)).directives)
        case .committed(let block, let certificate):
            let precommit = Precommit(height: certificate.height, round: certificate.round, block: certificate.block).cborBytes
            let valid = certificate.signatures.allSatisfy {
                $0.signature == SignatureScheme.modelledSignature(by: $0.validator, kind: .precommit, body: precommit)
            }
            let requestsValid = sabotaged || block.requests.allSatisfy { requestIsValid($0.bytes) }
            guard sabotaged || (valid && requestsValid) else {
                if keepTrace { note("\(nodes[to].name) refuses the certificate of h\(block.height) from \(nodes[from].name): bad signatures") }
                return
            }
            let reaction = nodes[to].core.onCommittedBlock(block, certificate: certificate, now: localNow(to))
            if keepTrace, case .ignored(let why) = reaction, why != .oldHeight {
                note("\(nodes[to].name) ignores the certificate of h\(block.height) from \(nodes[from].name): \(why.rawValue)")
            }
            execute(to, reaction.directives)
        }
    }

    // MARK: the shell: carrying out directives

    mutating func execute(_ index: Int, _ directives: [Directive]) {
        var work = directives[...]
        while let directive = work.popFirst() {
            switch directive {
            case .persist(let record):
                nodes[index].record = record
            case .broadcastProposal(let proposal), .rebroadcastProposal(let proposal):
                broadcastProposal(from: index, proposal)
            case .broadcastVote(let type, let height, let round, let block):
                let key = validatorKeys[nodes[index].validator]
                let vote = SignedVote(type: type, height: height, round: round, block: block, validator: key,
                                      signature: voteSignature(type, height, round, block, by: key))
                broadcastVote(from: index, vote)
                work.append(contentsOf: nodes[index].core.onVote(vote, now: localNow(index)).directives)
            case .rebroadcastVote(let vote):
                broadcastVote(from: index, vote)
            case .rebroadcastCertificate(let block, let certificate):
                for peer in nodes.indices where peer != index { send(from: index, to: peer, .committed(block, certificate)) }
            case .scheduleTimeout(let kind, let height, let round, let after):
                schedule(at: now + after, .timer(node: index, incarnation: nodes[index].incarnation, kind, height: height, round: round))
            case .decide(let block, let certificate):
                work.append(contentsOf: apply(index, block, certificate))
            case .forwardRequest(let bytes):
                for peer in nodes.indices where peer != index { send(from: index, to: peer, .request(bytes)) }
            }
        }
    }

    mutating func apply(_ index: Int, _ block: Block, _ certificate: Certificate) -> [Directive] {
        nodes[index].decided[block.height] = (block, certificate)
        if let split = splitBrain(height: block.height), split.a == nodes[index].validator, certificate.round == 0 {
            // A decided alone: cut it off for a while, so that the others go on to round 1
            // without hearing of its decision (a partition timed around the round).
            isolatedUntil[index] = min(now + 2_500, faultsEnd)
            if keepTrace { note("adversary isolates \(nodes[index].name) after its decision at h\(block.height)") }
        }
        var requests: [LedgerRequest] = []
        var decoded: [Bool] = []  // per block position: did the ledger see it?
        for request in block.requests {
            if let envelope = try? Envelope(decoding: request.bytes),
               let message = try? Message(kind: envelope.kind, body: envelope.body),
               let body = LedgerRequest.Body(message) {
                requests.append(LedgerRequest(id: Blake2b.hash(request.bytes), signer: envelope.sender, body: body))
                decoded.append(true)
            } else {
                decoded.append(false)
            }
        }
        let outcome: BlockOutcome
        do {
            outcome = try nodes[index].ledger.apply(LedgerBlock(height: block.height, timeMs: block.timeMs, requests: requests))
        } catch {
            let line = "\(nodes[index].name) cannot apply h\(block.height): \(error)"
            note(line)
            return []
        }
        let hash = certificate.block
        if !recordedBlocks.contains(hash) {
            recordedBlocks.insert(hash)
            history.append(HistoryEvent(time: now - Self.t0, kind: .block, height: block.height, block: hash.hex, bytes: Hex.encode(block.cborBytes)))
        }
        let accepted = outcome.outcomes.filter(\.accepted).map(\.request.hex)
        history.append(HistoryEvent(time: now - Self.t0, kind: .commit, node: nodes[index].name, height: block.height,
                                    block: hash.hex, state: outcome.stateHash.hex, accepted: accepted,
                                    outcomes: positionOutcomes(decoded, outcome.outcomes)))
        if keepTrace {
            let line = "\(nodes[index].name) commits h\(block.height) r\(certificate.round) \(hash.short) (\(block.requests.count) requests)"
            note(line)
        }
        for result in outcome.outcomes where pending[result.request] == index {
            pending[result.request] = nil
            history.append(HistoryEvent(time: now - Self.t0, kind: .ack, node: nodes[index].name, request: result.request.hex,
                                        outcome: result.accepted ? "ok" : "fail", reason: result.reason?.name, height: block.height))
        }
        return nodes[index].core.onApplied(height: block.height, stateHash: outcome.stateHash, now: localNow(index))
    }

    /// The outcome of every block position: the ledger's, or `malformed` for bytes it never saw.
    func positionOutcomes(_ decoded: [Bool], _ outcomes: [RequestOutcome]) -> [String] {
        var next = outcomes.makeIterator()
        return decoded.map { seen in seen ? (next.next()?.reason?.name ?? "ok") : ReasonCode.malformed.name }
    }

    // MARK: sending, with the network faults and Byzantine behaviours

    mutating func broadcastProposal(from index: Int, _ proposal: Proposal) {
        let key = validatorKeys[nodes[index].validator]
        func signed(_ p: Proposal) -> SimMessage {
            let bytes = p.cborBytes
            return .proposal(p, bytes: bytes, signature: SignatureScheme.modelledSignature(by: key, kind: .proposal, body: bytes))
        }
        let peers = nodes.indices.filter { $0 != index }
        let byzantine = nodes[index].byzantine
        var other: Proposal?
        if byzantine.contains(.forgedProposal), chance(50), let session = nodes[index].ledger.sessions.values.min(by: { $0.id < $1.id }) {  // (min: dictionary order varies between processes)
            // A proposal carrying an act with a forged signature under a live session.
            let act = Act(session: session.id, sequence: (session.lastSequence ?? 0) + 1_000, operation: session.operations[0],
                          resource: "files/forged", amount: 0)
            let envelope = Envelope(kind: .act, sender: session.sessionKey, body: act.cborBytes,
                                    signature: Signature(unchecked: [UInt8](repeating: 7, count: 64)))
            var block = proposal.block
            block.requests.append(ByteString(envelope.encoded))
            other = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
        } else if byzantine.contains(.forgedProposal), chance(50), !nodes[index].seenActs.isEmpty {
            // Validly signed but stale: old acts, whose sessions may since have expired or
            // been revoked. Honest ledgers must reject them (the checkers watch).
            let ledger = nodes[index].ledger
            let stale = nodes[index].seenActs.filter { bytes in
                guard let envelope = try? Envelope(decoding: bytes), let act = try? Act(cbor: envelope.body) else { return false }
                guard let session = ledger.sessions[act.session] else { return true }
                return session.expiresAt <= proposal.block.timeMs || ledger.isRevoked(session)
            }
            var block = proposal.block
            block.requests += stale.suffix(3).map(ByteString.init)
            other = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
        } else if byzantine.contains(.equivocate), chance(60) {
            var block = proposal.block
            block.timeMs += 1 + random.next() % 5
            other = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
        }
        let first = signed(proposal)
        if proposal.round == 1, let split = splitBrain(height: proposal.height), split.c.contains(nodes[index].validator) {
            // Round 1 of a split height: every Byzantine validator backs C's new block.
            let hash = proposal.block.hash
            for byzantine in (options.nodes - options.byzantine)..<options.nodes {
                let key = validatorKeys[byzantine]
                for type in [VoteType.prevote, .precommit] {
                    let vote = SignedVote(type: type, height: proposal.height, round: 1, block: hash, validator: key,
                                          signature: voteSignature(type, proposal.height, 1, hash, by: key))
                    for peer in nodes.indices where isHonest(peer) && nodes[peer].validator != split.a {
                        send(from: byzantine, to: peer, .vote(vote))
                    }
                }
            }
        }
        let second = other.map(signed)
        let split = Int(random.next() % UInt64(peers.count + 1))
        for (position, peer) in peers.enumerated() {
            send(from: index, to: peer, position < split || second == nil ? first : second!)
        }
    }

    mutating func broadcastVote(from index: Int, _ vote: SignedVote) {
        let byzantine = nodes[index].byzantine
        let peers = nodes.indices.filter { $0 != index }
        if byzantine.isEmpty {
            for peer in peers { send(from: index, to: peer, .vote(vote)) }
            return
        }
        let key = vote.validator
        func resigned(_ block: Digest?) -> SignedVote {
            SignedVote(type: vote.type, height: vote.height, round: vote.round, block: block, validator: key,
                       signature: voteSignature(vote.type, vote.height, vote.round, block, by: key))
        }
        if vote.round == 0, let split = splitBrain(height: vote.height) {
            // The split-brain schedule: the real vote to A (and prevotes to B), nil to the rest.
            for peer in peers {
                let validator = nodes[peer].validator
                let real = validator == split.a || (vote.type == .prevote && split.b.contains(validator))
                send(from: index, to: peer, .vote(real ? vote : resigned(nil)))
            }
            return
        }
        let fake = Blake2b.hash(Array("byzantine \(random.next())".utf8))
        let alternative = vote.block == nil ? fake : (chance(50) ? nil : fake)
        let split = Int(random.next() % UInt64(peers.count + 1))
        for (position, peer) in peers.enumerated() {
            if byzantine.contains(.withhold), chance(40) { continue }
            var outgoing = vote
            if byzantine.contains(.equivocate), position >= split { outgoing = resigned(alternative) }
            if byzantine.contains(.invalidVote), chance(20) { outgoing = resigned(fake) }
            send(from: index, to: peer, .vote(outgoing))
        }
    }

    func linked(_ from: Int, _ to: Int) -> Bool {
        let a = nodes[from].validator, b = nodes[to].validator
        if oneWay.contains([a, b]) { return false }
        guard let groups else { return true }
        return groups.contains { $0.contains(a) && $0.contains(b) }
    }

    mutating func send(from: Int, to: Int, _ message: SimMessage) {
        guard !nodes[from].crashed else { return }
        if !nodes[from].byzantine.isEmpty, nodes[from].byzantine.contains(.replay) {
            if nodes[from].sent.count > 64 { nodes[from].sent.removeFirst() }
            nodes[from].sent.append((to, message))
        }
        let faulty = now < faultsEnd
        guard linked(from, to) else { return }
        if now < isolatedUntil[from] ?? 0 || now < isolatedUntil[to] ?? 0 { return }
        if splitBrainEnabled, faulty, !isHonest(from) {
            switch message {
            case .committed, .catchUpResponse: return  // the adversary helps nobody catch up
            default: break
            }
        }
        if case .vote(let vote) = message, vote.round == 0, let split = splitBrain(height: vote.height),
           nodes[from].validator == split.a, split.c.contains(nodes[to].validator) {
            return  // C hears nothing from A in round 0, so it sees no polka
        }
        if faulty, options.faults.contains(.drop), chance(5) { return }
        var delay = between(2, 20)
        if faulty, options.faults.contains(.delay) { delay = between(2, 400) }
        schedule(at: now + delay, .deliver(from: from, to: to, message))
        if faulty, options.faults.contains(.duplicate), chance(3) {
            schedule(at: now + delay + between(0, 100), .deliver(from: from, to: to, message))
        }
    }

    // MARK: the adversary's split-brain schedule

    /// For some heights during the fault window, the Byzantine validators (equivocating,
    /// with partitions enabled) steer round 0 so that one honest node (A) decides a block
    /// while f honest nodes (B) only lock on it and f others (C, including round 1's
    /// proposer) never see its polka. Honest locks keep B from helping C commit another
    /// block in round 1; without them (`--sabotage skip-lock`) the cluster forks.
    var splitBrainEnabled: Bool {
        options.byzantine > 0 && options.faults.contains(.equivocate) && options.faults.contains(.partition)
    }

    func splitBrain(height: UInt64) -> (a: Int, b: Set<Int>, c: Set<Int>)? {
        guard splitBrainEnabled, now < faultsEnd, height % 2 == 0, groups == nil, oneWay.isEmpty else { return nil }
        let f = (options.nodes - 1) / 3
        let honestCount = options.nodes - options.byzantine
        guard honestCount >= 2 * f + 1, f >= 1 else { return nil }
        let nextProposer = validatorKeys.firstIndex(of: validators.proposer(height: height, round: 1))!
        guard nextProposer < honestCount else { return nil }
        var others = (0..<honestCount).filter { $0 != nextProposer }
        // Rotate by height so different nodes play A.
        let shift = Int(height / 2) % others.count
        others = Array(others[shift...] + others[..<shift])
        let a = others[0]
        let b = Set(others.dropFirst().prefix(f))
        let c = Set([nextProposer] + others.dropFirst(1 + f).prefix(f - 1))
        return (a, b, c)
    }

    // MARK: the fault schedule

    mutating func scheduleFaults() {
        var network = options.faults.filter { !$0.isByzantine && $0 != .drop && $0 != .delay && $0 != .duplicate }
        // With equivocating Byzantine validators, partitions take the split-brain form.
        if splitBrainEnabled { network.remove(.partition) }
        guard !options.faults.isEmpty else { return }
        var time = Self.t0 + 500
        while time < faultsEnd - 500, !network.isEmpty {
            let kinds = Array(network).sorted { $0.rawValue < $1.rawValue }
            let kind = kinds[Int(random.next() % UInt64(kinds.count))]
            let length = between(500, 3_000)
            let honest = Array(0..<(options.nodes - options.byzantine))
            switch kind {
            case .partition:
                let cut = Int(between(1, UInt64(options.nodes - 1)))
                let shuffled = (0..<options.nodes).shuffled(using: &random)
                schedule(at: time, .fault("partition", Array(shuffled.prefix(cut))))
                schedule(at: min(time + length, faultsEnd), .fault("heal", []))
            case .oneWay:
                let a = Int(random.next() % UInt64(options.nodes)), b = (a + 1 + Int(random.next() % UInt64(options.nodes - 1))) % options.nodes
                schedule(at: time, .fault("one-way", [a, b]))
                schedule(at: min(time + length, faultsEnd), .fault("heal", []))
            case .crash where !honest.isEmpty:
                let victim = honest[Int(random.next() % UInt64(honest.count))]
                schedule(at: time, .fault("crash", [victim]))
                schedule(at: min(time + length, faultsEnd), .fault("restart", [victim]))
            case .skew:
                let victim = Int(random.next() % UInt64(options.nodes))
                schedule(at: time, .fault("skew", [victim, Int(between(0, 900)) - 450]))
            default:
                break
            }
            time += length + between(200, 1_500)
        }
        schedule(at: faultsEnd, .fault("heal-all", []))
    }

    mutating func applyFault(_ kind: String, _ targets: [Int]) {
        let detail: String
        switch kind {
        case "partition":
            let side = Set(targets)
            groups = [side, Set(0..<options.nodes).subtracting(side)]
            detail = "partition \(side.sorted().map { "n\($0)" }.joined(separator: ",")) from the rest"
        case "one-way":
            oneWay.insert(targets)
            detail = "one-way cut n\(targets[0]) -> n\(targets[1])"
        case "heal":
            groups = nil
            oneWay = []
            detail = "heal"
        case "crash":
            let victim = targets[0]
            guard !nodes[victim].crashed else { return }
            nodes[victim].crashed = true
            nodes[victim].incarnation += 1
            history.append(HistoryEvent(time: now - Self.t0, kind: .restart, node: nodes[victim].name, detail: "crash"))
            note("n\(victim) crashes")
            return
        case "restart":
            restart(targets[0])
            return
        case "skew":
            nodes[targets[0]].skewMs = Int64(targets[1])
            detail = "skew n\(targets[0]) by \(targets[1]) ms"
        default:  // heal-all: every fault ends, crashed nodes come back, clocks are fixed
            groups = nil
            oneWay = []
            let round = nodes.indices.filter(isHonest).map { nodes[$0].core.round }.max() ?? 0
            let p = nodes[0].core.parameters
            let roundMs = p.timeoutProposeMs + p.timeoutPrevoteMs + p.timeoutPrecommitMs + 3 * p.timeoutDeltaMs * (round + 2)
            livenessBound = max(20_000, 3 * roundMs)
            for index in nodes.indices {
                nodes[index].skewMs = 0
                if nodes[index].crashed { restart(index) }
            }
            detail = "heal"
        }
        history.append(HistoryEvent(time: now - Self.t0, kind: .fault, detail: detail))
        note(detail)
    }

    /// A crashed node comes back from its persisted record and its ledger (which, like a
    /// database, kept every applied block).
    mutating func restart(_ index: Int) {
        guard nodes[index].crashed else { return }
        let key = validatorKeys[nodes[index].validator]
        var core = nodes[index].record.map { ConsensusCore(validators: validators, me: key, restoring: $0) }
            ?? Self.freshCore(validators, key, Ledger(genesis: genesis).stateHash)
        core.sabotage = nodes[index].core.sabotage
        nodes[index].core = core
        nodes[index].crashed = false
        nodes[index].incarnation += 1
        history.append(HistoryEvent(time: now - Self.t0, kind: .restart, node: nodes[index].name, detail: "restart"))
        note("n\(index) restarts at h\(core.height) r\(core.round)")
        let ledger = nodes[index].ledger
        var directives = nodes[index].core.onStart(now: localNow(index))
        if ledger.height > 0 {
            directives += nodes[index].core.onApplied(height: ledger.height, stateHash: ledger.stateHash, now: localNow(index))
        }
        execute(index, directives)
    }

    // MARK: verdict

    func result() -> SimulationResult {
        let honest = Set(nodes.indices.filter(isHonest).map { nodes[$0].name })
        let input = CheckInput(events: history, honest: honest, genesis: genesis, signatures: .modelled,
                               livenessBoundMs: livenessBound)
        var violations = Checks.all(input)
        let minHeight = nodes.indices.filter(isHonest).map { nodes[$0].ledger.height }.min() ?? 0
        if minHeight < options.heights && now > timeLimit {
            violations.append(Violation(.liveness, "honest nodes reached only height \(minHeight) of \(options.heights) by the time limit"))
        }
        return SimulationResult(seed: seed, violations: violations, history: history, trace: trace, minHonestHeight: minHeight)
    }
}
