import WarrantCrypto
import WarrantLedger
import WarrantWire

/// A deterministic stream of plausible ledger blocks (grants, sub-grants, acts, revokes,
/// revoke-alls, some invalid), where block `h` depends only on the seed and `h`'s
/// predecessors. Two processes generating from the same seed produce the same blocks,
/// which is what crash tests and benchmarks need.
public struct LedgerWorkload: Sendable {
    public static let t0: UInt64 = 1_764_000_000_000
    public let genesis: Genesis
    public let principals: [SigningKey]
    public let agents: [SigningKey]
    private var random: SplitMix64
    private var grants: [(id: Digest, key: SigningKey, grant: Grant)] = []
    private var sequences: [Digest: UInt64] = [:]
    private var nonces: [PublicKey: UInt64] = [:]
    public private(set) var height: UInt64 = 0
    public private(set) var time = LedgerWorkload.t0

    public init(seed: UInt64, agents agentCount: Int = 16) {
        principals = (0..<2).map { try! SigningKey(seed: [UInt8](repeating: 0xc0 + UInt8($0), count: 32)) }
        agents = (0..<agentCount).map { i in
            try! SigningKey(seed: [UInt8](repeating: 0x20, count: 30) + [UInt8(i >> 8), UInt8(i & 0xff)])
        }
        genesis = Genesis(principals: [
            Principal(name: "p0", key: principals[0].publicKey, owns: [ResourcePattern("files/*")!]),
            Principal(name: "p1", key: principals[1].publicKey, owns: [ResourcePattern("*")!]),
        ])
        random = SplitMix64(seed: seed)
    }

    private mutating func number(_ range: ClosedRange<UInt64>) -> UInt64 {
        range.lowerBound + random.next() % (range.upperBound - range.lowerBound + 1)
    }

    private mutating func nonce(for key: PublicKey) -> UInt64 {
        defer { nonces[key, default: 0] += 1 }
        return nonces[key, default: 0]
    }

    /// The next block, with `size` requests.
    public mutating func nextBlock(size: Int) -> LedgerBlock {
        height += 1
        time += number(100...1_500)
        var requests: [LedgerRequest] = []
        for _ in 0..<size { requests.append(nextRequest()) }
        return LedgerBlock(height: height, timeMs: time, requests: requests)
    }

    private mutating func seal<B: WireBody>(_ body: B, _ key: SigningKey) -> SignedMessage {
        SignedMessage(sealing: body, by: key)
    }

    /// The next request as a client sends it (a signed envelope), for a cluster whose
    /// clock reads `time`: grants are valid from then.
    public mutating func nextEnvelope(at time: UInt64) -> [UInt8] {
        self.time = max(self.time, time)
        return nextSigned().bytes
    }

    private mutating func nextRequest() -> LedgerRequest {
        LedgerRequest(nextSigned())!
    }

    private mutating func nextSigned() -> SignedMessage {
        let roll = grants.isEmpty ? 0 : number(0...99)
        switch roll {
        case 0..<25:
            let agent = agents[Int(number(0...UInt64(agents.count - 1)))]
            if let parent = grants.last, number(0...2) == 0 {
                let grant = Grant(nonce: nonce(for: parent.key.publicKey), sessionKey: agent.publicKey,
                                  scope: Scope(operations: ["read"], resources: ["files/a/*"]),
                                  notBefore: parent.grant.notBefore, expiresAt: parent.grant.expiresAt,
                                  budget: number(0...20), maxUses: number(1...20), parent: parent.id)
                let request = seal(grant, parent.key)
                grants.append((request.hash, agent, grant))
                return request
            }
            let principal = principals[Int(number(0...1))]
            let grant = Grant(nonce: nonce(for: principal.publicKey), sessionKey: agent.publicKey,
                              scope: Scope(operations: ["read", "write"], resources: ["files/*"], maxAmount: 50),
                              notBefore: time, expiresAt: time + number(2_000...60_000), budget: number(50...1_000),
                              maxUses: number(20...200), rate: number(0...3) == 0 ? RateLimit(count: 5, windowMs: 1_000) : nil)
            let request = seal(grant, principal)
            grants.append((request.hash, agent, grant))
            return request
        case 25..<92:
            let target = grants[grants.count - 1 - Int(number(0...UInt64(min(grants.count, 8) - 1)))]
            let sequence = sequences[target.id, default: 0] + 1
            sequences[target.id] = sequence
            return seal(Act(session: target.id, sequence: sequence, operation: number(0...9) == 0 ? "delete" : "read",
                            resource: "files/a/\(number(0...99))", amount: number(0...10)), target.key)
        case 92..<98:
            let target = grants[Int(number(0...UInt64(grants.count - 1)))]
            let principal = principals[Int(number(0...1))]
            return seal(Revoke(nonce: nonce(for: principal.publicKey), session: target.id), principal)
        default:
            let principal = principals[Int(number(0...1))]
            return seal(RevokeAll(nonce: nonce(for: principal.publicKey)), principal)
        }
    }
}
