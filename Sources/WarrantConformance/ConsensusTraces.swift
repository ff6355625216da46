import Foundation
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantWire

/// Golden traces of one validator's consensus, envelope in, envelope out
/// (`Tests/Conformance/consensus-*.json`, docs/CONFORMANCE.md): four validators run on a
/// deterministic in-process network with virtual time; the trace keeps everything the
/// observed validator `n0` was given — peers' envelopes, requests, fired timers — and
/// everything it did in answer: the envelopes it sent (exact bytes, and what they mean),
/// the timers it set and the blocks it committed. Its key comes from a published seed,
/// and Ed25519 is deterministic, so an implementation fed the same inputs at the same
/// times must sign the same votes.
public enum ConsensusTraces {
    public static let format = "warrant-consensus-trace/1"

    public struct Trace: Codable, Sendable, Equatable {
        public var format: String
        public var name: String
        public var description: String
        /// The validators in set order, with the seeds of their keys (hex).
        public var validators: [Validator]
        public var observed: String
        public var principals: [LedgerTraces.GenesisJSON.PrincipalJSON]
        public var genesisTimeMs: UInt64
        public var steps: [Step]
    }

    public struct Validator: Codable, Sendable, Equatable {
        public var name: String
        public var seed: String
        public var key: String
    }

    /// One input at `atMs` (virtual wall clock; the monotonic clock is `atMs − start`).
    public struct Step: Codable, Sendable, Equatable {
        public var atMs: UInt64
        /// `start`, `receive` (from, envelope), `request` (envelope) or `timeout` (timeout, height, round).
        public var input: Input
        public var outputs: [Output]
    }

    public struct Input: Codable, Sendable, Equatable {
        public var kind: String
        public var from: String?
        public var envelope: String?
        public var timeout: String?
        public var height: UInt64?
        public var round: UInt64?
    }

    /// `broadcast`/`send` (an envelope and what it says), `timer`, or `commit`.
    public struct Output: Codable, Sendable, Equatable {
        public var kind: String
        public var to: String?
        public var envelope: String?
        /// For envelopes: e.g. `prevote h1 r0 3f2a…`, `proposal h2 r0 vr-1 9c1d…`.
        public var says: String?
        public var timeout: String?
        public var height: UInt64?
        public var round: UInt64?
        public var afterMs: UInt64?
        public var block: String?
        public var stateHash: String?
    }

    public static func all() -> [Trace] {
        [
            run("consensus-happy-path", "three heights, a grant in the first: every message delivered after 5 ms", heights: 3),
            run("consensus-silent-proposer", "the proposer of height 2, round 0 is silent from the start: a round change",
                heights: 3, silent: { validators in validators.proposer(height: 2, round: 0) }),
        ]
    }

    // MARK: running

    static let t0: UInt64 = 1_800_000_000_000

    static func run(_ name: String, _ description: String, heights: UInt64, silent: ((ValidatorSet) -> PublicKey)? = nil) -> Trace {
        let pairs = (0..<4).map { i in
            let seed = [UInt8](repeating: 0x70 + UInt8(i), count: 32)
            return (seed: seed, key: try! SigningKey(seed: seed))
        }.sorted { $0.key.publicKey < $1.key.publicKey }
        let (seeds, keys) = (pairs.map(\.seed), pairs.map(\.key))
        let validators = ValidatorSet(keys.map(\.publicKey))
        let alice = try! SigningKey(seed: [UInt8](repeating: 0xa1, count: 32))
        let genesis = Genesis(principals: [Principal(name: "alice", key: alice.publicKey, owns: [ResourcePattern("files/*")!])])
        let names = keys.indices.map { "n\($0)" }
        let silentKey = silent?(validators)
        let observed = keys.indices.first { keys[$0].publicKey != silentKey }!
        var world = TraceWorld(replicas: keys.map { key in
            try! Replica(signer: .ed25519(key), validators: validators, genesis: genesis, genesisTimeMs: t0, store: MemoryStore(), nonceSeed: 1)
        }, silent: keys.firstIndex { $0.publicKey == silentKey }, observed: observed, names: names, keys: keys.map(\.publicKey))
        let grant = Envelope.seal(Grant(nonce: 1, sessionKey: keys[0].publicKey, scope: Scope(operations: ["read"], resources: ["files/*"]),
                                        notBefore: t0, expiresAt: t0 + 3_600_000, budget: 10), by: alice).encoded
        world.run(until: heights, request: grant)
        return Trace(format: format, name: name, description: description,
                     validators: keys.indices.map { Validator(name: names[$0], seed: Hex.encode(seeds[$0]), key: keys[$0].publicKey.hex) },
                     observed: names[observed],
                     principals: [.init(name: "alice", key: alice.publicKey.hex, owns: ["files/*"])],
                     genesisTimeMs: t0, steps: world.steps)
    }

    /// What an envelope says, for people and for implementations that do not match bytes.
    static func says(_ bytes: [UInt8]) -> String {
        guard let opened = try? SignedMessage(openingUnverified: bytes) else { return "undecodable" }
        switch opened.message {
        case .prevote(let v): return "prevote h\(v.height) r\(v.round) \(v.block?.hex ?? "nil")"
        case .precommit(let v): return "precommit h\(v.height) r\(v.round) \(v.block?.hex ?? "nil")"
        case .proposal(let p): return "proposal h\(p.height) r\(p.round) vr\(p.validRound) \(p.block.hash.hex)"
        case .committedBlocks(let b): return "committed-blocks \(b.entries.map { "h\($0.block.height)" }.joined(separator: ","))"
        default: return opened.kind.name
        }
    }

    /// Replays a trace's inputs into a fresh replica of the observed validator: each
    /// difference from the recorded outputs, naming the step. Empty: it conforms.
    public static func replay(_ trace: Trace) throws -> [String] {
        let keys = try trace.validators.map { PublicKey(unchecked: try Hex.decode($0.key)) }
        let mine = try SigningKey(seed: try Hex.decode(trace.validators.first { $0.name == trace.observed }!.seed))
        let genesis = Genesis(principals: try trace.principals.map {
            Principal(name: $0.name, key: PublicKey(unchecked: try Hex.decode($0.key)), owns: $0.owns.compactMap(ResourcePattern.init))
        })
        var replica = try Replica(signer: .ed25519(mine), validators: ValidatorSet(keys), genesis: genesis, genesisTimeMs: trace.genesisTimeMs,
                                  store: MemoryStore(), nonceSeed: 1)
        let names = Dictionary(uniqueKeysWithValues: zip(keys, trace.validators.map(\.name)))
        var problems: [String] = []
        for (index, step) in trace.steps.enumerated() {
            let monotonic = step.atMs - trace.genesisTimeMs
            let outbound: [Outbound]
            switch step.input.kind {
            case "start": outbound = try replica.start(now: step.atMs, monotonicMs: monotonic)
            case "receive": outbound = try replica.receive(try Hex.decode(step.input.envelope ?? ""), now: step.atMs, monotonicMs: monotonic).outbound
            case "request": outbound = try replica.submit(try Hex.decode(step.input.envelope ?? ""), now: step.atMs).outbound
            case "timeout":
                guard let kind = TimeoutKind(rawValue: step.input.timeout ?? "") else { problems.append("step \(index + 1): unknown timeout"); continue }
                outbound = try replica.timeout(kind, height: step.input.height ?? 0, round: step.input.round ?? 0, now: step.atMs)
            default:
                problems.append("step \(index + 1): unknown input \(step.input.kind)")
                continue
            }
            let outputs = TraceWorld.outputs(outbound, names: names)
            if outputs != step.outputs {
                problems.append("step \(index + 1) (\(step.input.kind) at \(step.atMs)): outputs \(outputs.map { $0.says ?? $0.kind }), expected \(step.outputs.map { $0.says ?? $0.kind })")
            }
        }
        return problems
    }

    /// Writes every trace as `DIR/NAME.json`.
    public static func write(into directory: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let traces = all()
        for trace in traces {
            try (String(decoding: try encoder.encode(trace), as: UTF8.self) + "\n").write(toFile: "\(directory)/\(trace.name).json", atomically: true, encoding: .utf8)
        }
        return "wrote \(traces.count) consensus trace(s), \(traces.map(\.steps.count).reduce(0, +)) steps, to \(directory)"
    }
}

/// The deterministic network the consensus traces run on: every envelope arrives 5 ms
/// after it was sent, timers fire on virtual time, ties go in order of scheduling.
struct TraceWorld {
    struct Event {
        let at: UInt64
        let order: Int
        let node: Int
        let input: ConsensusTraces.Input
        let incarnation: Int
    }

    var replicas: [Replica<MemoryStore>]
    let silent: Int?
    let observed: Int
    let names: [String]
    let keys: [PublicKey]
    var queue: [Event] = []
    var order = 0
    var steps: [ConsensusTraces.Step] = []

    mutating func schedule(_ node: Int, at: UInt64, _ input: ConsensusTraces.Input) {
        order += 1
        queue.append(Event(at: at, order: order, node: node, input: input, incarnation: 0))
    }

    mutating func run(until heights: UInt64, request: [UInt8]) {
        for node in replicas.indices where node != silent { schedule(node, at: ConsensusTraces.t0 + 10, .init(kind: "start")) }
        schedule(observed, at: ConsensusTraces.t0 + 20, .init(kind: "request", envelope: Hex.encode(request)))
        var handled = 0
        while handled < 20_000, replicas[observed].ledger.height < heights,
              let next = queue.indices.min(by: { (queue[$0].at, queue[$0].order) < (queue[$1].at, queue[$1].order) }) {
            let event = queue.remove(at: next)
            handled += 1
            step(event)
        }
    }

    mutating func step(_ event: Event) {
        let now = event.at, monotonic = event.at - ConsensusTraces.t0
        let input = event.input
        var outbound: [Outbound] = []
        do {
            switch input.kind {
            case "start": outbound = try replicas[event.node].start(now: now, monotonicMs: monotonic)
            case "request": outbound = try replicas[event.node].submit(try Hex.decode(input.envelope!), now: now).outbound
            case "receive": outbound = try replicas[event.node].receive(try Hex.decode(input.envelope!), now: now, monotonicMs: monotonic).outbound
            default: outbound = try replicas[event.node].timeout(TimeoutKind(rawValue: input.timeout!)!, height: input.height!, round: input.round!, now: now)
            }
        } catch {
            return
        }
        if event.node == observed {
            steps.append(ConsensusTraces.Step(atMs: now, input: input, outputs: Self.outputs(outbound, names: Dictionary(uniqueKeysWithValues: zip(keys, names)))))
        }
        for item in outbound {
            switch item {
            case .broadcast(let bytes):
                for other in replicas.indices where other != event.node && other != silent {
                    schedule(other, at: now + 5, .init(kind: "receive", from: names[event.node], envelope: Hex.encode(bytes)))
                }
            case .send(let key, let bytes):
                if let other = keys.firstIndex(of: key), other != silent {
                    schedule(other, at: now + 5, .init(kind: "receive", from: names[event.node], envelope: Hex.encode(bytes)))
                }
            case .schedule(let kind, let height, let round, let after):
                schedule(event.node, at: now + after, .init(kind: "timeout", timeout: kind.rawValue, height: height, round: round))
            case .committed:
                break
            }
        }
    }

    static func outputs(_ outbound: [Outbound], names: [PublicKey: String]) -> [ConsensusTraces.Output] {
        outbound.map { item in
            switch item {
            case .broadcast(let bytes):
                return .init(kind: "broadcast", envelope: Hex.encode(bytes), says: ConsensusTraces.says(bytes))
            case .send(let key, let bytes):
                return .init(kind: "send", to: names[key] ?? key.hex, envelope: Hex.encode(bytes), says: ConsensusTraces.says(bytes))
            case .schedule(let kind, let height, let round, let after):
                return .init(kind: "timer", timeout: kind.rawValue, height: height, round: round, afterMs: after)
            case .committed(let notice, _):
                return .init(kind: "commit", height: notice.height, block: notice.block.hex, stateHash: notice.stateHash.hex)
            }
        }
    }
}
