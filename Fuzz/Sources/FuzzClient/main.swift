import FuzzSupport
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantWire

/// A node's client endpoint (`Replica.clientAction`, what `warrant-node` serves) fed what
/// the fuzzer's bytes make: raw bytes; validly signed checks, check batches (up to past
/// the limit), session and status queries and block requests for any heights and counts;
/// grants, revocations and acts from the principal, the agent and a stranger, which are
/// ordered and committed (a one-validator replica decides alone); messages no client sends;
/// and any of these with a byte flipped. Whatever comes in: no crash, every answer seals
/// into an envelope a client can open within the size limit, ordered requests come back
/// as orders, and a node without contact with a quorum never allows.
let validator = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))
let principal = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
let agent = try! SigningKey(seed: [UInt8](repeating: 3, count: 32))
let stranger = try! SigningKey(seed: [UInt8](repeating: 4, count: 32))
let genesis = Genesis(principals: [Principal(name: "alice", key: principal.publicKey, owns: [ResourcePattern("files/*")!])])
let t0: UInt64 = 1_764_000_000_000
let limit = 64 << 10
let operations = ["read", "write", "pay", ""]
let resources = ["files/a", "files/b/c", "mail/x", "", "files/*"]

/// Carries out what the replica asks until the next block commits: timers fire at once
/// (one validator decides alone; an idle one would go on proposing empty blocks).
func drive(_ replica: inout Replica<MemoryStore>, _ outbound: [Outbound], now: UInt64) {
    var work = outbound, fired = 0
    while let item = work.first, fired < 16 {
        work.removeFirst()
        switch item {
        case .committed: return
        case .schedule(let kind, let height, let round, _) where kind != .rebroadcast:
            fired += 1
            work += (try? replica.timeout(kind, height: height, round: round, now: now)) ?? []
        default: break
        }
    }
}

/// A replica with a committed session for the agent, made once; each input gets a copy.
let base: Replica<MemoryStore> = {
    var replica = try! Replica(signer: .ed25519(validator), validators: ValidatorSet([validator.publicKey]), genesis: genesis,
                               genesisTimeMs: t0, store: MemoryStore(), nonceSeed: 1)
    drive(&replica, try! replica.start(now: t0, monotonicMs: 0), now: t0)
    let grant = Grant(nonce: 1, sessionKey: agent.publicKey, scope: Scope(operations: ["read", "pay"], resources: ["files/*"], maxAmount: 50),
                      notBefore: t0, expiresAt: t0 + 3_600_000, budget: 1_000, maxUses: nil, rate: nil, parent: nil)
    let (_, out) = try! replica.submit(Envelope.seal(grant, by: principal).encoded, now: t0 + 10)
    drive(&replica, out, now: t0 + 10)
    precondition(!replica.ledger.sessions.isEmpty, "the fuzzer's replica did not commit its grant")
    return replica
}()
let session = base.ledger.sessions.keys.first!

func fuzzClient(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    var replica = base
    var now = t0 + 1_000
    var steps = 0
    var nonce: UInt64 = 100
    while !input.isEmpty && steps < 40 {
        steps += 1
        now += UInt64(input.below(16)) * 250
        nonce += 1
        let signer = input.pick([agent, principal, stranger])
        var bytes: [UInt8]
        switch input.below(10) {
        case 0:
            bytes = (0..<input.below(200)).map { _ in input.byte() }
        case 1:
            bytes = Envelope.seal(Check(sessionKey: input.pick([agent, stranger]).publicKey, operation: input.pick(operations),
                                        resource: input.pick(resources), amount: input.uint(1), session: input.below(2) == 0 ? session : nil),
                                  by: signer).encoded
        case 2:
            let count = input.below(4) == 0 ? Int(input.uint(2) % 3_000) : input.below(20)
            let check = Check(sessionKey: agent.publicKey, operation: input.pick(operations), resource: input.pick(resources), amount: input.uint(1))
            bytes = Envelope.seal(CheckBatch(checks: Array(repeating: check, count: count)), by: signer).encoded
        case 3:
            bytes = Envelope.seal(BlockRequest(fromHeight: input.uint(1) & 7, maxCount: input.uint(2)), by: signer).encoded
        case 4:
            bytes = Envelope.seal(SessionQuery(sessionKey: input.below(2) == 0 ? agent.publicKey : nil,
                                               principal: input.below(2) == 0 ? principal.publicKey : nil), by: signer).encoded
        case 5:
            bytes = Envelope.seal(StatusQuery(), by: signer).encoded
        case 6:
            bytes = Envelope.seal(Act(session: input.below(4) == 0 ? Blake2b.hash([input.byte()]) : session, sequence: input.uint(1),
                                      operation: input.pick(operations), resource: input.pick(resources), amount: input.uint(1)), by: signer).encoded
        case 7:
            let start = now &+ UInt64(input.below(3)) &* 1_000 &- 500
            bytes = Envelope.seal(Grant(nonce: nonce, sessionKey: input.pick([agent, stranger]).publicKey,
                                        scope: Scope(operations: [input.pick(operations)], resources: [input.pick(resources)]),
                                        notBefore: start, expiresAt: start &+ input.uint(2) &* 10, budget: input.uint(2), maxUses: nil,
                                        rate: nil, parent: input.below(3) == 0 ? session : nil), by: signer).encoded
        case 8:
            bytes = input.below(2) == 0 ? Envelope.seal(Revoke(nonce: nonce, session: session), by: signer).encoded
                : Envelope.seal(Prevote(height: input.uint(1), round: 0, block: nil), by: signer).encoded
        default:
            bytes = Envelope.seal(RevokeAll(nonce: nonce), by: signer).encoded
        }
        if input.below(6) == 0, !bytes.isEmpty {
            bytes[input.below(bytes.count)] ^= input.byte() | 1
        }
        let stale = input.below(3) == 0
        let readings = ClockReadings(wallClockMs: now, sinceLastBlockMs: 100, sinceQuorumMs: stale ? nil : 100, clockVouched: true,
                                     clockOffsetMs: 0)
        switch replica.clientAction(for: bytes, maxMessageBytes: limit, readings: readings) {
        case .order(let opened):
            precondition([.grant, .revoke, .revokeAll, .act].contains(opened.kind), "a \(opened.kind.name) was ordered")
            if let (_, out) = try? replica.submit(opened.bytes, now: now) { drive(&replica, out, now: now) }
        case .answer(let answer):
            let sealed = Envelope.seal(answer.sealable, by: validator).encoded
            precondition(sealed.count <= limit, "an answer of \(sealed.count) bytes exceeds the \(limit)-byte limit")
            guard let reopened = try? SignedMessage(opening: sealed, limits: WireLimits(maxMessageBytes: limit)) else {
                preconditionFailure("the node's answer does not open")
            }
            if case .checkAnswer(let verdict) = reopened.message, stale { precondition(!verdict.allowed, "a stale node allowed") }
            if case .checkBatchAnswer(let verdicts) = reopened.message, stale {
                precondition(!verdicts.answers.contains { $0.allowed }, "a stale node allowed in a batch")
            }
        case .sealed(let answer):
            precondition(answer.count <= limit && (try? SignedMessage(opening: answer, limits: WireLimits(maxMessageBytes: limit))) != nil,
                         "committed blocks that do not open within the limit")
        case .status:
            break
        }
    }
    return 0
}

runFuzzer { fuzzClient($0, $1) }
