import Foundation
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// Golden traces of the session ledger for implementations in any language
/// (`Tests/Conformance/ledger-*.json`, docs/CONFORMANCE.md): a genesis, then blocks of
/// signed request envelopes, each with the outcome every request must get and the state
/// hash after the block — in the spirit of Ethereum's consensus-spec tests. Built from
/// fixed seeds, so `warrant-testkit traces` (or this type) regenerates the same bytes, and
/// a Swift test replays the committed JSON against the ledger itself.
public enum LedgerTraces {
    public static let format = "warrant-ledger-trace/1"

    public struct Trace: Codable, Sendable, Equatable {
        public var format: String
        public var name: String
        public var description: String
        public var genesis: GenesisJSON
        public var initialStateHash: String
        public var steps: [Step]
    }

    public struct GenesisJSON: Codable, Sendable, Equatable {
        public struct PrincipalJSON: Codable, Sendable, Equatable {
            public var name: String
            public var key: String
            public var owns: [String]
        }
        public var principals: [PrincipalJSON]
        public var maxDelegationDepth: Int
        public var pruneLimitPerBlock: Int
        public var maxClockSkewMs: UInt64
        public var maxStalenessMs: UInt64
    }

    /// One block: its height and time, the request envelopes in order (hex), and what
    /// applying it must give.
    public struct Step: Codable, Sendable, Equatable {
        public var note: String
        public var height: UInt64
        public var timeMs: UInt64
        public var requests: [String]
        public var expect: Expect
    }

    public struct Expect: Codable, Sendable, Equatable {
        /// Per request, in order: `ok` or the reason code.
        public var outcomes: [String]
        /// Sessions in the live tables after the block (pruned ones gone).
        public var liveSessions: Int
        /// Warrant's state hash after the block (BLAKE2b-256, hex).
        public var stateHash: String
    }

    public static func all() -> [Trace] { [rules()] }

    // MARK: replay

    /// The genesis a trace starts from.
    public static func genesis(of trace: Trace) throws -> Genesis {
        let principals = try trace.genesis.principals.map { p in
            Principal(name: p.name, key: PublicKey(unchecked: try Hex.decode(p.key)), owns: p.owns.compactMap(ResourcePattern.init))
        }
        return Genesis(principals: principals, parameters: LedgerParameters(
            maxDelegationDepth: trace.genesis.maxDelegationDepth, pruneLimitPerBlock: trace.genesis.pruneLimitPerBlock,
            maxClockSkewMs: trace.genesis.maxClockSkewMs, maxStalenessMs: trace.genesis.maxStalenessMs))
    }

    /// Applies a trace's blocks to a fresh ledger; each difference from what it expects,
    /// naming the step. Empty: the ledger conforms.
    public static func replay(_ trace: Trace) throws -> [String] {
        var ledger = Ledger(genesis: try genesis(of: trace))
        var problems: [String] = []
        if ledger.stateHash.hex != trace.initialStateHash { problems.append("genesis: state hash \(ledger.stateHash.hex), expected \(trace.initialStateHash)") }
        for (index, step) in trace.steps.enumerated() {
            let expect = try apply(&ledger, height: step.height, timeMs: step.timeMs, requests: try step.requests.map { try Hex.decode($0) })
            if expect != step.expect { problems.append("step \(index + 1) (\(step.note)): got \(expect), expected \(step.expect)") }
        }
        return problems
    }

    /// Applies one step's block of request envelopes; what a trace records of it. Bytes
    /// that are no request at all get `malformed`, as a node publishes them.
    static func apply(_ ledger: inout Ledger, height: UInt64, timeMs: UInt64, requests: [[UInt8]]) throws(LedgerError) -> Expect {
        let block = Block(height: height, timeMs: timeMs, proposer: PublicKey(unchecked: [UInt8](repeating: 0, count: 32)), previous: .zero,
                          lastCommit: nil, stateHash: .zero, requests: requests.map(ByteString.init), evidence: [])
        let (ledgerBlock, decoded) = LedgerBlock.decoding(block)
        let outcome = try ledger.apply(ledgerBlock)
        var outcomes = outcome.outcomes.map { $0.accepted ? "ok" : $0.reason?.name ?? "?" }.makeIterator()
        return Expect(outcomes: decoded.map { $0 ? outcomes.next() ?? "?" : "malformed" }, liveSessions: ledger.sessions.count,
                      stateHash: outcome.stateHash.hex)
    }

    // MARK: the traces

    /// Every rule of docs/SESSIONS.md, one block each, in the order the ledger checks them.
    static func rules() -> Trace {
        var b = TraceBuilder(name: "ledger-rules",
                             description: "every ledger rule and reason code of docs/SESSIONS.md, one block each")
        let agent = b.key(0x31), child = b.key(0x32), grandchild = b.key(0x33), stranger = b.key(0x34), other = b.key(0x35)
        let t = b.t0
        let main = b.grant(by: b.alice, to: agent, ops: ["read", "pay"], resources: ["files/*"], from: t, until: t + 60_000, budget: 100,
                           maxAmount: 20, maxUses: 7, rate: RateLimit(count: 3, windowMs: 10_000))
        b.block("a grant by the owner commits", at: t, [main.bytes])
        b.block("an act within scope, cap, uses, rate and budget", at: t + 100, [b.act(main.id, by: agent, seq: 1, op: "pay", resource: "files/x", amount: 10)])
        b.block("out of scope: an operation not granted", at: t + 200, [b.act(main.id, by: agent, seq: 2, op: "delete", resource: "files/x", amount: 1)])
        b.block("out of scope: a resource not granted", at: t + 300, [b.act(main.id, by: agent, seq: 3, op: "read", resource: "mail/x", amount: 1)])
        b.block("over the per-act cap", at: t + 400, [b.act(main.id, by: agent, seq: 4, op: "pay", resource: "files/x", amount: 21)])
        b.block("a sequence not above the last accepted one", at: t + 500, [b.act(main.id, by: agent, seq: 1, op: "read", resource: "files/y", amount: 1)])
        b.block("signed by a key that is not the session's", at: t + 600, [b.act(main.id, by: stranger, seq: 9, op: "read", resource: "files/x", amount: 1)])
        b.block("two more acts: the rate (3 per 10 s) is then spent", at: t + 700, [
            b.act(main.id, by: agent, seq: 10, op: "pay", resource: "files/x", amount: 20),
            b.act(main.id, by: agent, seq: 11, op: "pay", resource: "files/x", amount: 20),
            b.act(main.id, by: agent, seq: 12, op: "pay", resource: "files/x", amount: 1),
        ])
        b.block("over budget once the rate window has passed (50 spent, 50 left)", at: t + 11_000, [
            b.act(main.id, by: agent, seq: 13, op: "pay", resource: "files/x", amount: 20),
            b.act(main.id, by: agent, seq: 14, op: "pay", resource: "files/x", amount: 20),
            b.act(main.id, by: agent, seq: 15, op: "pay", resource: "files/x", amount: 11),
        ])
        b.block("uses exhausted: 7 acts allowed, 5 made", at: t + 22_000, [
            b.act(main.id, by: agent, seq: 16, op: "read", resource: "files/x", amount: 0),
            b.act(main.id, by: agent, seq: 17, op: "read", resource: "files/x", amount: 0),
            b.act(main.id, by: agent, seq: 18, op: "read", resource: "files/x", amount: 0),
        ])
        let kid = b.grant(by: agent, to: child, ops: ["read"], resources: ["files/a/*"], from: t + 23_000, until: t + 50_000, budget: 5,
                          maxAmount: 5, maxUses: nil, rate: RateLimit(count: 3, windowMs: 10_000), parent: main.id)
        b.block("a sub-delegation that exceeds its parent's remaining uses (none left)", at: t + 23_000, [kid.bytes])
        let fresh = b.grant(by: b.alice, to: other, ops: ["read"], resources: ["files/*"], from: t + 24_000, until: t + 60_000, budget: 50)
        let sub = b.grant(by: other, to: child, ops: ["read"], resources: ["files/a/*"], from: t + 24_000, until: t + 50_000, budget: 10, parent: fresh.id)
        let wider = b.grant(by: other, to: child, ops: ["read", "write"], resources: ["files/a/*"], from: t + 24_000, until: t + 50_000, budget: 10, parent: fresh.id)
        let deep = b.grant(by: child, to: grandchild, ops: ["read"], resources: ["files/a/*"], from: t + 24_000, until: t + 40_000, budget: 5, parent: sub.id)
        b.block("a grant, its child, a wider child (exceeds_parent), a grandchild", at: t + 24_000, [fresh.bytes, sub.bytes, wider.bytes, deep.bytes])
        var depthParent = deep
        var chain: [[UInt8]] = []
        for (i, key) in [b.key(0x40), b.key(0x41)].enumerated() {
            let signer = i == 0 ? grandchild : b.key(0x40)
            let next = b.grant(by: signer, to: key, ops: ["read"], resources: ["files/a/*"], from: t + 25_000, until: t + 39_000 - UInt64(i) * 1_000,
                               budget: 1, parent: depthParent.id)
            chain.append(next.bytes)
            depthParent = next
        }
        b.block("depth 3 (the limit) commits, depth 4 is depth_exceeded", at: t + 25_000, chain)
        b.block("a child's budget is carved from its parent: the parent has 40 left of 50", at: t + 26_000,
                [b.act(fresh.id, by: other, seq: 1, op: "read", resource: "files/z", amount: 41)])
        b.block("the owner revokes the grant: its descendants go with it", at: t + 27_000, [b.revoke(fresh.id, by: b.alice)])
        b.block("acts of the revoked parent and child", at: t + 27_100, [
            b.act(fresh.id, by: other, seq: 2, op: "read", resource: "files/z", amount: 1),
            b.act(sub.id, by: child, seq: 1, op: "read", resource: "files/a/1", amount: 1),
        ])
        b.block("revoked twice; revoked by a stranger", at: t + 27_200, [b.revoke(fresh.id, by: b.alice), b.revoke(main.id, by: stranger)])
        b.block("not the owner: a grant of resources the principal does not own, a revoke-all by a non-principal", at: t + 28_000, [
            b.grant(by: b.alice, to: stranger, ops: ["read"], resources: ["mail/*"], from: t + 28_000, until: t + 60_000, budget: 1).bytes,
            b.revokeAll(by: stranger),
        ])
        let late = b.grant(by: b.bob, to: stranger, ops: ["read"], resources: ["mail/*"], from: t + 100_000, until: t + 200_000, budget: 1)
        let lateNonce = b.lastNonce
        b.block("malformed: a window that ends before it begins, and a bad pattern; a grant valid only later", at: t + 29_000, [
            b.grant(by: b.bob, to: stranger, ops: ["read"], resources: ["mail/*"], from: t + 40_000, until: t + 30_000, budget: 1).bytes,
            b.grant(by: b.bob, to: stranger, ops: ["read"], resources: ["mail/*/x"], from: t + 29_000, until: t + 60_000, budget: 1).bytes,
            late.bytes,
        ])
        b.block("not yet valid", at: t + 30_000, [b.act(late.id, by: stranger, seq: 1, op: "read", resource: "mail/1", amount: 0)])
        let reused = b.grant(by: b.bob, to: other, ops: ["read"], resources: ["mail/*"], from: t + 31_000, until: t + 90_000, budget: 1, nonce: lateNonce)
        b.block("replay: a grant reusing a live nonce; expired: a grant already ended; unknown session", at: t + 31_000, [
            reused.bytes,
            b.grant(by: b.bob, to: other, ops: ["read"], resources: ["mail/*"], from: t, until: t + 31_000, budget: 1).bytes,
            b.act(Blake2b.hash(Array("nothing".utf8)), by: other, seq: 1, op: "read", resource: "mail/1", amount: 0),
        ])
        b.block("the main session has expired and been pruned: unknown_session", at: t + 60_000, [
            b.act(main.id, by: agent, seq: 30, op: "read", resource: "files/x", amount: 0),
        ])
        let before = b.grant(by: b.bob, to: other, ops: ["read"], resources: ["mail/*"], from: t + 61_000, until: t + 120_000, budget: 3)
        b.block("a grant of bob, then bob's revoke-all", at: t + 61_000, [before.bytes, b.revokeAll(by: b.bob)])
        let after = b.grant(by: b.bob, to: other, ops: ["read"], resources: ["mail/*"], from: t + 62_000, until: t + 120_000, budget: 3)
        b.block("revoke-all ends the earlier session, not one granted after it", at: t + 62_000, [
            b.act(before.id, by: other, seq: 1, op: "read", resource: "mail/1", amount: 1), after.bytes,
            b.act(after.id, by: other, seq: 1, op: "read", resource: "mail/1", amount: 1),
        ])
        b.block("bytes that are no request at all", at: t + 63_000, ["not an envelope".utf8.map { $0 }])
        return b.trace
    }
}

/// Builds a trace while a real ledger computes what each block must give.
struct TraceBuilder {
    let t0: UInt64 = 1_800_000_000_000
    let alice = try! SigningKey(seed: [UInt8](repeating: 0xa1, count: 32))
    let bob = try! SigningKey(seed: [UInt8](repeating: 0xb0, count: 32))
    var ledger: Ledger
    var trace: LedgerTraces.Trace
    var nonce: UInt64 = 0
    var lastNonce: UInt64 { nonce }

    init(name: String, description: String) {
        let genesis = Genesis(principals: [
            Principal(name: "alice", key: alice.publicKey, owns: [ResourcePattern("files/*")!]),
            Principal(name: "bob", key: bob.publicKey, owns: [ResourcePattern("mail/*")!]),
        ])
        ledger = Ledger(genesis: genesis)
        trace = LedgerTraces.Trace(
            format: LedgerTraces.format, name: name, description: description,
            genesis: .init(principals: genesis.principals.map { .init(name: $0.name, key: $0.key.hex, owns: $0.owns.map(\.text)) },
                           maxDelegationDepth: genesis.parameters.maxDelegationDepth, pruneLimitPerBlock: genesis.parameters.pruneLimitPerBlock,
                           maxClockSkewMs: genesis.parameters.maxClockSkewMs, maxStalenessMs: genesis.parameters.maxStalenessMs),
            initialStateHash: ledger.stateHash.hex, steps: [])
    }

    func key(_ byte: UInt8) -> SigningKey { try! SigningKey(seed: [UInt8](repeating: byte, count: 32)) }

    mutating func grant(by signer: SigningKey, to key: SigningKey, ops: [String], resources: [String], from: UInt64, until: UInt64,
                        budget: UInt64, maxAmount: UInt64? = nil, maxUses: UInt64? = nil, rate: RateLimit? = nil, parent: Digest? = nil,
                        nonce reuse: UInt64? = nil) -> (id: Digest, bytes: [UInt8]) {
        if reuse == nil { nonce += 1 }
        let grant = Grant(nonce: reuse ?? nonce, sessionKey: key.publicKey, scope: Scope(operations: ops, resources: resources, maxAmount: maxAmount),
                          notBefore: from, expiresAt: until, budget: budget, maxUses: maxUses, rate: rate, parent: parent)
        let bytes = Envelope.seal(grant, by: signer).encoded
        return (Blake2b.hash(bytes), bytes)
    }

    func act(_ session: Digest, by key: SigningKey, seq: UInt64, op: String, resource: String, amount: UInt64) -> [UInt8] {
        Envelope.seal(Act(session: session, sequence: seq, operation: op, resource: resource, amount: amount), by: key).encoded
    }

    mutating func revoke(_ session: Digest, by key: SigningKey) -> [UInt8] {
        nonce += 1
        return Envelope.seal(Revoke(nonce: nonce, session: session), by: key).encoded
    }

    mutating func revokeAll(by key: SigningKey) -> [UInt8] {
        nonce += 1
        return Envelope.seal(RevokeAll(nonce: nonce), by: key).encoded
    }

    /// Appends a block and records what the ledger makes of it.
    mutating func block(_ note: String, at time: UInt64, _ requests: [[UInt8]]) {
        let height = ledger.height + 1
        let expect = try! LedgerTraces.apply(&ledger, height: height, timeMs: time, requests: requests)
        trace.steps.append(LedgerTraces.Step(note: note, height: height, timeMs: time, requests: requests.map(Hex.encode), expect: expect))
    }
}

extension LedgerTraces {
    /// Writes every trace as `DIR/NAME.json`; the line to print.
    public static func write(into directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let traces = all()
        for trace in traces {
            try (String(decoding: try encoder.encode(trace), as: UTF8.self) + "\n").write(toFile: "\(directory)/\(trace.name).json", atomically: true, encoding: .utf8)
        }
        return "wrote \(traces.count) trace(s), \(traces.map(\.steps.count).reduce(0, +)) steps, to \(directory)"
    }
}
