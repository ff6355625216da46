import WarrantCrypto
import WarrantWire
@testable import WarrantLedger

/// Keys, a genesis and request builders shared by the ledger tests. Requests are real
/// signed envelopes, so ids are the ids a node would compute.
struct Fixture {
    static let t0: UInt64 = 1_764_000_000_000
    static let alice = try! SigningKey(seed: [UInt8](repeating: 0xa1, count: 32))  // owns files/*, mail/outbox
    static let bob = try! SigningKey(seed: [UInt8](repeating: 0xb0, count: 32))  // owns *
    static let agents = (0..<6).map { try! SigningKey(seed: [UInt8](repeating: 0x10 + UInt8($0), count: 32)) }
    static let stranger = try! SigningKey(seed: [UInt8](repeating: 0xee, count: 32))

    static func genesis(maxDepth: Int = 2, pruneLimit: Int = 10_000) -> Genesis {
        Genesis(
            principals: [
                Principal(name: "alice", key: alice.publicKey, owns: [ResourcePattern("files/*")!, ResourcePattern("mail/outbox")!]),
                Principal(name: "bob", key: bob.publicKey, owns: [ResourcePattern("*")!]),
            ],
            parameters: LedgerParameters(maxDelegationDepth: maxDepth, pruneLimitPerBlock: pruneLimit,
                                         maxClockSkewMs: 500, maxStalenessMs: 5_000))
    }

    static func request<B: WireBody>(_ body: B, by key: SigningKey) -> LedgerRequest {
        LedgerRequest(SignedMessage(sealing: body, by: key))!
    }

    static func grant(by key: SigningKey = alice, nonce: UInt64 = 1, to agent: SigningKey = agents[0],
                      ops: [String] = ["read", "write"], resources: [String] = ["files/*"], maxAmount: UInt64? = nil,
                      from notBefore: UInt64 = t0, until expiresAt: UInt64 = t0 + 60_000, budget: UInt64 = 100,
                      maxUses: UInt64? = nil, rate: RateLimit? = nil, parent: Digest? = nil) -> LedgerRequest {
        request(Grant(nonce: nonce, sessionKey: agent.publicKey,
                      scope: Scope(operations: ops, resources: resources, maxAmount: maxAmount),
                      notBefore: notBefore, expiresAt: expiresAt, budget: budget, maxUses: maxUses, rate: rate,
                      parent: parent), by: key)
    }

    static func act(_ session: Digest, seq: UInt64, by agent: SigningKey = agents[0], op: String = "read",
                    resource: String = "files/a", amount: UInt64 = 1) -> LedgerRequest {
        request(Act(session: session, sequence: seq, operation: op, resource: resource, amount: amount), by: agent)
    }

    static func revoke(_ session: Digest, by key: SigningKey = alice, nonce: UInt64 = 100) -> LedgerRequest {
        request(Revoke(nonce: nonce, session: session), by: key)
    }

    static func revokeAll(by key: SigningKey = alice, nonce: UInt64 = 200) -> LedgerRequest {
        request(RevokeAll(nonce: nonce), by: key)
    }
}

extension Ledger {
    /// Applies one block at `time` and returns the reasons (nil = accepted), in order.
    @discardableResult
    mutating func block(at time: UInt64, _ requests: LedgerRequest...) throws -> [ReasonCode?] {
        try apply(LedgerBlock(height: height + 1, timeMs: time, requests: requests)).outcomes.map(\.reason)
    }
}
