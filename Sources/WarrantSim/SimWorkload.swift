import WarrantCheck
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// The seeded client side of a simulated run: principals granting sessions to agents,
/// agents sub-delegating and acting (honest ones within their sessions, rogue ones
/// after expiry or revocation), principals revoking. Requests carry modelled signatures.
struct SimWorkload {
    let principals: [PublicKey]
    let agents: [PublicKey]
    var grants: [(id: Digest, key: PublicKey, grant: Grant)] = []
    var sequences: [Digest: UInt64] = [:]
    var nonces: [PublicKey: UInt64] = [:]

    static func key(_ label: String) -> PublicKey { PublicKey(unchecked: Blake2b.hash(Array(label.utf8)).bytes) }

    init() {
        principals = (0..<2).map { Self.key("principal \($0)") }
        agents = (0..<8).map { Self.key("agent \($0)") }
    }

    var genesis: Genesis {
        Genesis(principals: [
            Principal(name: "p0", key: principals[0], owns: [ResourcePattern("files/*")!]),
            Principal(name: "p1", key: principals[1], owns: [ResourcePattern("*")!]),
        ], parameters: LedgerParameters(maxDelegationDepth: 2, pruneLimitPerBlock: 64, maxClockSkewMs: 500, maxStalenessMs: 5_000))
    }

    static func seal<B: WireBody>(_ body: B, by signer: PublicKey) -> [UInt8] {
        let bytes = body.cborBytes
        return Envelope(kind: B.kind, sender: signer, body: bytes,
                        signature: SignatureScheme.modelledSignature(by: signer, kind: B.kind, body: bytes)).encoded
    }

    mutating func nonce(_ key: PublicKey) -> UInt64 {
        defer { nonces[key, default: 0] += 1 }
        return nonces[key, default: 0]
    }

    /// The next request (envelope bytes) at time `now`.
    mutating func next(now: UInt64, random: inout SplitMix64) -> [UInt8] {
        let roll = grants.isEmpty ? 0 : random.next() % 100
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        switch roll {
        case 0..<25:
            let agent = pick(agents)
            if let parent = grants.last, random.next() % 3 == 0 {
                let grant = Grant(nonce: nonce(parent.key), sessionKey: agent,
                                  scope: Scope(operations: ["read"], resources: ["files/a/*"], maxAmount: 5),
                                  notBefore: parent.grant.notBefore, expiresAt: parent.grant.expiresAt,
                                  budget: random.next() % 30, maxUses: 1 + random.next() % 10, parent: parent.id)
                let bytes = Self.seal(grant, by: parent.key)
                grants.append((Blake2b.hash(bytes), agent, grant))
                return bytes
            }
            let principal = pick(principals)
            let grant = Grant(nonce: nonce(principal), sessionKey: agent,
                              scope: Scope(operations: ["read", "write"], resources: ["files/*"], maxAmount: 20),
                              notBefore: now, expiresAt: now + 1_000 + random.next() % 9_000, budget: 20 + random.next() % 80,
                              maxUses: random.next() % 2 == 0 ? 5 + random.next() % 20 : nil)
            let bytes = Self.seal(grant, by: principal)
            grants.append((Blake2b.hash(bytes), agent, grant))
            return bytes
        case 25..<88:
            // Mostly recent sessions; sometimes old ones, long expired or revoked (a rogue agent).
            let target = random.next() % 4 == 0 ? pick(grants) : grants[grants.count - 1 - Int(random.next() % UInt64(min(grants.count, 6)))]
            let sequence = sequences[target.id, default: 0] + 1
            sequences[target.id] = sequence
            let act = Act(session: target.id, sequence: sequence, operation: random.next() % 8 == 0 ? "delete" : "read",
                          resource: "files/a/\(random.next() % 50)", amount: random.next() % 12)
            return Self.seal(act, by: target.key)
        case 88..<97:
            let target = pick(grants)
            let principal = pick(principals)
            return Self.seal(Revoke(nonce: nonce(principal), session: target.id), by: principal)
        default:
            let principal = pick(principals)
            return Self.seal(RevokeAll(nonce: nonce(principal)), by: principal)
        }
    }
}
