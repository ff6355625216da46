import Foundation
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantNode
import WarrantReplica
import WarrantStorage
import WarrantWire

/// Real replicas — real Ed25519 signatures, real SQLite databases — joined by an
/// in-process network on a virtual clock: a test harness for crash and catch-up tests
/// (not the simulator, and not the node's transport). Messages take 1–10 ms; a message
/// to a replica that is down is lost. Everything worth checking is written to `log`:
///
///     vote n0 H R prevote|precommit BLOCK|nil      a vote left the replica (after its record was written)
///     commit n0 H BLOCK STATE                      a block was applied and stored
///     ack n0 REQUEST H ok|REASON                   the replica answered a client's request
///     refused n0 WHY                               the edge refused an envelope
/// A cluster that did not reach a height in the time allowed.
public struct Stalled: Error, CustomStringConvertible {
    public let heights: [UInt64]
    public var description: String { "stalled at heights \(heights)" }
}

public struct ReplicaCluster {
    struct Event {
        enum Action {
            case deliver(to: Int, [UInt8])
            case timer(Int, TimeoutKind, height: UInt64, round: UInt64)
        }
        let time: UInt64
        let order: UInt64
        let action: Action
    }

    public static let genesisTimeMs = LedgerWorkload.t0
    public var replicas: [Replica<LedgerStore>?]
    public let keys: [SigningKey]
    public let validators: ValidatorSet
    public let genesis: Genesis
    public private(set) var now: UInt64
    public private(set) var log: [String] = []
    var events: [Event] = []
    var order: UInt64 = 0
    var random: SplitMix64
    /// Requests submitted at each replica, not yet answered.
    var pending: [Digest: Int] = [:]

    /// The validators' keys for a cluster of `count` (fixed, so every incarnation agrees).
    public static func keys(count: Int) -> [SigningKey] {
        (0..<count).map { try! SigningKey(seed: [UInt8](repeating: 0x70 + UInt8($0), count: 32)) }
            .sorted { $0.publicKey < $1.publicKey }
    }

    /// Opens (or reopens) `count` replicas on databases `n<i>.sqlite` in `directory`.
    public init(directory: String, count: Int, genesis: Genesis, seed: UInt64, parameters: ConsensusParameters = ConsensusParameters()) throws {
        keys = Self.keys(count: count)
        validators = ValidatorSet(keys.map(\.publicKey))
        self.genesis = genesis
        random = SplitMix64(seed: seed)
        var replicas: [Replica<LedgerStore>?] = []
        for (index, key) in keys.enumerated() {
            let store = try LedgerStore(path: "\(directory)/n\(index).sqlite")
            replicas.append(try Replica(signer: .ed25519(key), validators: validators, genesis: genesis, genesisTimeMs: Self.genesisTimeMs,
                                        parameters: parameters, store: store, nonceSeed: random.next()))
        }
        self.replicas = replicas
        // Resume the virtual clock after the latest block any replica stored.
        now = max(Self.genesisTimeMs, replicas.compactMap { $0?.ledger.lastBlockTimeMs }.max() ?? 0) + 1_000
    }

    public var heights: [UInt64] { replicas.map { $0?.ledger.height ?? 0 } }

    public mutating func takeLog() -> [String] {
        defer { log = [] }
        return log
    }

    public mutating func start() throws {
        for index in replicas.indices { try start(index) }
    }

    public mutating func start(_ index: Int) throws {
        guard var replica = replicas[index] else { return }
        let core = replica.core
        log.append("resume n\(index) \(core.height) \(core.round) \(core.step.rawValue)")
        let out = try replica.start(now: now, monotonicMs: now)
        replicas[index] = replica
        dispatch(index, out)
    }

    /// Stops a replica (its in-flight messages are lost); `reopen` brings it back from its database.
    public mutating func stop(_ index: Int) {
        replicas[index] = nil
    }

    public mutating func reopen(_ index: Int, directory: String, parameters: ConsensusParameters = ConsensusParameters()) throws {
        let store = try LedgerStore(path: "\(directory)/n\(index).sqlite")
        replicas[index] = try Replica(signer: .ed25519(keys[index]), validators: validators, genesis: genesis, genesisTimeMs: Self.genesisTimeMs,
                                      parameters: parameters, store: store, nonceSeed: random.next())
        try start(index)
    }

    /// A request from `workload` every 50 ms, to the `live` replicas in turn, until each of
    /// them has stored `height`; throws if that takes 120 virtual seconds (a stall).
    public mutating func run(to height: UInt64, with workload: inout LedgerWorkload, live: [Int]) throws {
        let deadline = now + 120_000
        while live.contains(where: { heights[$0] < height }) {
            guard now < deadline else { throw Stalled(heights: heights) }
            try submit(workload.nextEnvelope(at: now), to: live[Int(now / 50) % live.count])
            try run(until: now + 50)
        }
    }

    /// A client's request to replica `index`.
    public mutating func submit(_ bytes: [UInt8], to index: Int) throws {
        guard var replica = replicas[index] else { return }
        let (id, out) = try replica.submit(bytes, now: now)
        replicas[index] = replica
        pending[id] = index
        dispatch(index, out)
    }

    /// Delivers an envelope to replica `index` at once, as if a peer had sent it.
    public mutating func inject(_ bytes: [UInt8], to index: Int) throws {
        try handle(Event(time: now, order: 0, action: .deliver(to: index, bytes)))
    }

    /// Runs the next event; false when nothing is left to run.
    @discardableResult
    public mutating func step() throws -> Bool {
        guard !events.isEmpty else { return false }
        let event = events.removeFirst()
        now = max(now, event.time)
        try handle(event)
        return true
    }

    /// Runs events until the clock passes `time`.
    public mutating func run(until time: UInt64) throws {
        while let next = events.first, next.time <= time { try step() }
        now = max(now, time)
    }

    mutating func handle(_ event: Event) throws {
        switch event.action {
        case .deliver(let index, let bytes):
            guard var replica = replicas[index] else { return }
            let reception = try replica.receive(bytes, now: now, monotonicMs: now)
            replicas[index] = replica
            if let refusal = reception.refusal { log.append("refused n\(index) \(refusal)") }
            dispatch(index, reception.outbound)
        case .timer(let index, let kind, let height, let round):
            guard var replica = replicas[index] else { return }
            let out = try replica.timeout(kind, height: height, round: round, now: now)
            replicas[index] = replica
            dispatch(index, out)
        }
    }

    mutating func schedule(_ time: UInt64, _ action: Event.Action) {
        order += 1
        let event = Event(time: time, order: order, action: action)
        let position = events.firstIndex { ($0.time, $0.order) > (time, order) } ?? events.endIndex
        events.insert(event, at: position)
    }

    mutating func dispatch(_ index: Int, _ outbound: [Outbound]) {
        for item in outbound {
            switch item {
            case .broadcast(let bytes):
                noteVote(index, bytes)
                for peer in replicas.indices where peer != index { schedule(now + 1 + random.next() % 10, .deliver(to: peer, bytes)) }
            case .send(let to, let bytes):
                guard let peer = keys.firstIndex(where: { $0.publicKey == to }) else { continue }
                schedule(now + 1 + random.next() % 10, .deliver(to: peer, bytes))
            case .schedule(let kind, let height, let round, let after):
                schedule(now + after, .timer(index, kind, height: height, round: round))
            case .committed(let notice, _):
                log.append("commit n\(index) \(notice.height) \(notice.block.hex) \(notice.stateHash.hex)")
                for outcome in notice.outcomes where pending[outcome.request] == index {
                    pending[outcome.request] = nil
                    log.append("ack n\(index) \(outcome.request.hex) \(notice.height) \(outcome.reason?.name ?? "ok")")
                }
            }
        }
    }

    mutating func noteVote(_ index: Int, _ bytes: [UInt8]) {
        guard let envelope = try? Envelope(decoding: bytes), envelope.kind == .prevote || envelope.kind == .precommit,
              let vote = try? SignedVote(envelope: bytes) else { return }
        log.append("vote n\(index) \(vote.height) \(vote.round) \(vote.type.rawValue) \(vote.block?.hex ?? "nil")")
    }
}
