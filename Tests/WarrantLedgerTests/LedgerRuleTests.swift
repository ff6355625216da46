import Testing
import WarrantCrypto
import WarrantWire
@testable import WarrantLedger

/// Table tests: one per reason code and per boundary the issue names.
@Suite struct LedgerRuleTests {
    typealias F = Fixture
    let t0 = Fixture.t0

    @Test func grantThenActWithinEverything() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(budget: 10, maxUses: 3)
        #expect(try ledger.block(at: t0, grant) == [nil])
        let session = try #require(ledger.sessions[grant.id])
        #expect(session.principal == F.alice.publicKey && session.depth == 0 && session.grantHeight == 1)
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, amount: 4)) == [nil])
        #expect(ledger.sessions[grant.id]?.spent == 4)
        #expect(ledger.sessions[grant.id]?.remainingUses == 2)
    }

    @Test func windowBoundariesAreExact() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(from: t0 + 1_000, until: t0 + 2_000)
        try ledger.block(at: t0, grant)
        #expect(try ledger.block(at: t0 + 999, F.act(grant.id, seq: 1)) == [.notYetValid])
        #expect(try ledger.block(at: t0 + 1_000, F.act(grant.id, seq: 1)) == [nil])  // notBefore ≤ t
        #expect(try ledger.block(at: t0 + 1_999, F.act(grant.id, seq: 2)) == [nil])  // t < expiresAt
        // At expiresAt exactly the session is over (pruned at the block's start, hence unknown).
        #expect(try ledger.block(at: t0 + 2_000, F.act(grant.id, seq: 3)) == [.unknownSession])
    }

    @Test func expiredBeforePruningSaysExpired() throws {
        var ledger = Ledger(genesis: F.genesis(pruneLimit: 0))
        let grant = F.grant(until: t0 + 2_000)
        try ledger.block(at: t0, grant)
        #expect(try ledger.block(at: t0 + 2_000, F.act(grant.id, seq: 1)) == [.expired])
    }

    @Test func grantMustBeOpenAndNotOverAlready() throws {
        var ledger = Ledger(genesis: F.genesis())
        #expect(try ledger.block(at: t0, F.grant(nonce: 1, from: t0 + 5, until: t0 + 5)) == [.malformed])
        #expect(try ledger.block(at: t0, F.grant(nonce: 2, from: t0 - 10, until: t0)) == [.expired])
        #expect(try ledger.block(at: t0, F.grant(nonce: 3, resources: ["files/*/x"])) == [.malformed])
    }

    @Test func principalsGrantOnlyWhatTheyOwn() throws {
        var ledger = Ledger(genesis: F.genesis())
        #expect(try ledger.block(at: t0, F.grant(nonce: 1, resources: ["mail/inbox"])) == [.notOwner])
        #expect(try ledger.block(at: t0, F.grant(nonce: 2, resources: ["files"])) == [.notOwner])
        #expect(try ledger.block(at: t0, F.grant(nonce: 3, resources: ["*"])) == [.notOwner])
        #expect(try ledger.block(at: t0, F.grant(by: F.stranger, nonce: 4)) == [.notOwner])
        #expect(try ledger.block(at: t0, F.grant(nonce: 5, resources: ["files/reports/*", "mail/outbox"])) == [nil])
        #expect(try ledger.block(at: t0, F.grant(by: F.bob, nonce: 6, resources: ["anything/at/all"])) == [nil])
    }

    @Test func scopeAndActionCap() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(ops: ["read"], resources: ["files/reports/*", "mail/outbox"], maxAmount: 5)
        try ledger.block(at: t0, grant)
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, op: "write", resource: "files/reports/a")) == [.outOfScope])
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, resource: "files/other")) == [.outOfScope])
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, resource: "files/reports/")) == [.outOfScope])
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, resource: "mail/outbox/x")) == [.outOfScope])
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, resource: "mail/outbox", amount: 6)) == [.overActionCap])
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, resource: "mail/outbox", amount: 5)) == [nil])
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 2, resource: "files/reports/q/3", amount: 0)) == [nil])
    }

    @Test func budgetExactlySpentThenOver() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(budget: 10)
        try ledger.block(at: t0, grant)
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, amount: 7), F.act(grant.id, seq: 2, amount: 4),
                                 F.act(grant.id, seq: 3, amount: 3)) == [nil, .overBudget, nil])
        #expect(ledger.sessions[grant.id]?.remainingBudget == 0)
        #expect(try ledger.block(at: t0 + 2, F.act(grant.id, seq: 4, amount: 1)) == [.overBudget])
        #expect(try ledger.block(at: t0 + 2, F.act(grant.id, seq: 4, amount: 0)) == [nil])
    }

    @Test func usesExhausted() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(maxUses: 2)
        try ledger.block(at: t0, grant)
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1), F.act(grant.id, seq: 2), F.act(grant.id, seq: 3))
                == [nil, nil, .usesExhausted])
    }

    @Test func rateWindowEdges() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(rate: RateLimit(count: 2, windowMs: 1_000))
        try ledger.block(at: t0, grant)
        #expect(try ledger.block(at: t0 + 100, F.act(grant.id, seq: 1), F.act(grant.id, seq: 2), F.act(grant.id, seq: 3))
                == [nil, nil, .rateLimited])
        // The window is (t − 1000, t]: at t0+1099 both acts at t0+100 still count...
        #expect(try ledger.block(at: t0 + 1_099, F.act(grant.id, seq: 3)) == [.rateLimited])
        // ...at t0+1100 they have left it.
        #expect(try ledger.block(at: t0 + 1_100, F.act(grant.id, seq: 3), F.act(grant.id, seq: 4), F.act(grant.id, seq: 5))
                == [nil, nil, .rateLimited])
    }

    @Test func replayOfSequenceAndNonce() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(nonce: 9)
        try ledger.block(at: t0, grant)
        let act = F.act(grant.id, seq: 5)
        #expect(try ledger.block(at: t0 + 1, act, act) == [nil, .replay])
        #expect(try ledger.block(at: t0 + 2, F.act(grant.id, seq: 4)) == [.replay])
        #expect(try ledger.block(at: t0 + 2, F.act(grant.id, seq: 6)) == [nil])
        // The same grant again, and a different grant reusing the nonce.
        #expect(try ledger.block(at: t0 + 3, grant) == [.replay])
        #expect(try ledger.block(at: t0 + 3, F.grant(nonce: 9, budget: 5)) == [.replay])
        // A rejected act consumes nothing, not even its sequence number.
        #expect(try ledger.block(at: t0 + 4, F.act(grant.id, seq: 7, op: "delete"), F.act(grant.id, seq: 7)) == [.outOfScope, nil])
    }

    @Test func actMustBeSignedBySessionKey() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant()
        try ledger.block(at: t0, grant)
        #expect(try ledger.block(at: t0 + 1, F.act(grant.id, seq: 1, by: F.agents[1])) == [.badSignature])
        #expect(try ledger.block(at: t0 + 1, F.act(Digest.zero, seq: 1)) == [.unknownSession])
    }

    @Test func subDelegationNoWiderThanParentAndCarved() throws {
        var ledger = Ledger(genesis: F.genesis())
        let parent = F.grant(ops: ["read", "write"], resources: ["files/*"], maxAmount: 10, until: t0 + 60_000,
                             budget: 100, maxUses: 10, rate: RateLimit(count: 5, windowMs: 1_000))
        try ledger.block(at: t0, parent)
        func child(_ nonce: UInt64, ops: [String] = ["read"], resources: [String] = ["files/reports/*"],
                   maxAmount: UInt64? = 5, until: UInt64 = t0 + 30_000, budget: UInt64 = 40, maxUses: UInt64? = 4,
                   rate: RateLimit? = RateLimit(count: 5, windowMs: 1_000), by: SigningKey = F.agents[0]) -> LedgerRequest {
            F.grant(by: by, nonce: nonce, to: F.agents[1], ops: ops, resources: resources, maxAmount: maxAmount,
                    until: until, budget: budget, maxUses: maxUses, rate: rate, parent: parent.id)
        }
        #expect(try ledger.block(at: t0 + 1,
            child(1, ops: ["read", "delete"]), child(2, resources: ["mail/outbox"]), child(3, maxAmount: nil),
            child(4, maxAmount: 11), child(5, until: t0 + 60_001), child(6, budget: 101), child(7, maxUses: nil),
            child(8, maxUses: 11), child(9, rate: nil), child(10, rate: RateLimit(count: 6, windowMs: 1_000)),
            child(11, rate: RateLimit(count: 5, windowMs: 999)), child(12, by: F.agents[2]))
            == [.exceedsParent, .exceedsParent, .exceedsParent, .exceedsParent, .exceedsParent, .exceedsParent,
                .exceedsParent, .exceedsParent, .exceedsParent, .exceedsParent, .exceedsParent, .notOwner])
        let ok = child(20)
        #expect(try ledger.block(at: t0 + 2, ok) == [nil])
        let p = try #require(ledger.sessions[parent.id])
        #expect(p.remainingBudget == 60 && p.remainingUses == 6)
        #expect(ledger.sessions[ok.id]?.depth == 1 && ledger.sessions[ok.id]?.principal == F.alice.publicKey)
        // The child's budget came out of the parent's: another 61 no longer fits.
        #expect(try ledger.block(at: t0 + 3, child(21, budget: 61, maxUses: 1)) == [.exceedsParent])
        #expect(try ledger.block(at: t0 + 3, child(22, budget: 60, maxUses: 6)) == [nil])
        // Uses and budget are both fully carved out now.
        #expect(try ledger.block(at: t0 + 4, F.act(parent.id, seq: 1, amount: 1)) == [.usesExhausted])
        #expect(ledger.sessions[parent.id]?.remainingBudget == 0)
    }

    @Test func depthCap() throws {
        var ledger = Ledger(genesis: F.genesis(maxDepth: 2))
        let root = F.grant(to: F.agents[0])
        try ledger.block(at: t0, root)
        let d1 = F.grant(by: F.agents[0], nonce: 1, to: F.agents[1], budget: 50, parent: root.id)
        try ledger.block(at: t0 + 1, d1)
        let d2 = F.grant(by: F.agents[1], nonce: 1, to: F.agents[2], budget: 20, parent: d1.id)
        #expect(try ledger.block(at: t0 + 2, d2) == [nil])
        let d3 = F.grant(by: F.agents[2], nonce: 1, to: F.agents[3], budget: 5, parent: d2.id)
        #expect(try ledger.block(at: t0 + 3, d3) == [.depthExceeded])
        #expect(ledger.sessions[d2.id]?.depth == 2)
    }

    @Test func revokeCascadesToDescendantsAndIsFinal() throws {
        var ledger = Ledger(genesis: F.genesis())
        let root = F.grant(to: F.agents[0])
        try ledger.block(at: t0, root)
        let child = F.grant(by: F.agents[0], nonce: 1, to: F.agents[1], budget: 50, parent: root.id)
        try ledger.block(at: t0 + 1, child)
        let grandchild = F.grant(by: F.agents[1], nonce: 1, to: F.agents[2], budget: 10, parent: child.id)
        try ledger.block(at: t0 + 2, grandchild)
        // The child's own key may not revoke its parent; the root's key may revoke the child.
        #expect(try ledger.block(at: t0 + 3, F.revoke(root.id, by: F.agents[1])) == [.notOwner])
        // Nonces are per signer across grants and revokes: agents[0] used 1 for its grant.
        #expect(try ledger.block(at: t0 + 3, F.revoke(child.id, by: F.agents[0], nonce: 1)) == [.replay])
        #expect(try ledger.block(at: t0 + 3, F.revoke(child.id, by: F.agents[0], nonce: 50)) == [nil])
        #expect(try ledger.block(at: t0 + 4, F.act(grandchild.id, seq: 1, by: F.agents[2]),
                                 F.act(child.id, seq: 1, by: F.agents[1]), F.act(root.id, seq: 1)) == [.revoked, .revoked, nil])
        #expect(try ledger.block(at: t0 + 5, F.revoke(child.id, nonce: 2)) == [.revoked])
        #expect(try ledger.block(at: t0 + 5, F.grant(by: F.agents[1], nonce: 2, to: F.agents[3], budget: 1, parent: child.id))
                == [.revoked])
        // A replayed revoke (same nonce by the same key) is refused as replay.
        #expect(try ledger.block(at: t0 + 6, F.revoke(grandchild.id, by: F.agents[0], nonce: 50)) == [.replay])
        #expect(ledger.sessions[child.id]?.revokedHeight == 6)
    }

    @Test func revokeThenReplayedGrantCannotResurrect() throws {
        var ledger = Ledger(genesis: F.genesis())
        let grant = F.grant(until: t0 + 10_000)
        try ledger.block(at: t0, grant)
        try ledger.block(at: t0 + 1, F.revoke(grant.id))
        #expect(try ledger.block(at: t0 + 2, grant) == [.replay])
        #expect(try ledger.block(at: t0 + 3, F.act(grant.id, seq: 1)) == [.revoked])
        // After expiry the tombstone goes; the replayed grant is then simply expired.
        #expect(try ledger.block(at: t0 + 10_000, grant) == [.expired])
        #expect(ledger.sessions[grant.id] == nil)
    }

    @Test func revokeAllEndsEarlierSessionsOnly() throws {
        var ledger = Ledger(genesis: F.genesis())
        let a = F.grant(nonce: 1, to: F.agents[0]), b = F.grant(nonce: 2, to: F.agents[1])
        let bobs = F.grant(by: F.bob, nonce: 1, to: F.agents[2])
        try ledger.block(at: t0, a, b, bobs)
        let child = F.grant(by: F.agents[0], nonce: 1, to: F.agents[3], budget: 5, parent: a.id)
        let later = F.grant(nonce: 3, to: F.agents[4])
        #expect(try ledger.block(at: t0 + 1, child, F.revokeAll(), later) == [nil, nil, nil])
        #expect(try ledger.block(at: t0 + 2, F.act(a.id, seq: 1), F.act(b.id, seq: 1, by: F.agents[1]),
                                 F.act(child.id, seq: 1, by: F.agents[3]), F.act(later.id, seq: 1, by: F.agents[4]),
                                 F.act(bobs.id, seq: 1, by: F.agents[2]))
                == [.revoked, .revoked, .revoked, nil, nil])
        #expect(try ledger.block(at: t0 + 3, F.revokeAll()) == [.replay])
        #expect(try ledger.block(at: t0 + 3, F.revokeAll(by: F.stranger)) == [.notOwner])
    }

    @Test func renewalIsANewGrantNeverAnExtension() throws {
        var ledger = Ledger(genesis: F.genesis())
        let first = F.grant(nonce: 1, until: t0 + 1_000)
        let renewal = F.grant(nonce: 2, from: t0 + 500, until: t0 + 5_000)
        try ledger.block(at: t0, first)
        try ledger.block(at: t0 + 600, renewal)
        #expect(renewal.id != first.id)
        #expect(ledger.sessions[first.id]?.expiresAt == t0 + 1_000)
        #expect(try ledger.block(at: t0 + 1_000, F.act(first.id, seq: 1), F.act(renewal.id, seq: 1)) == [.unknownSession, nil])
    }

    @Test func blocksMustComeInOrder() throws {
        var ledger = Ledger(genesis: F.genesis())
        try ledger.block(at: t0 + 10)
        #expect(throws: LedgerError.self) { try ledger.apply(LedgerBlock(height: 3, timeMs: t0 + 20, requests: [])) }
        #expect(throws: LedgerError.self) { try ledger.apply(LedgerBlock(height: 2, timeMs: t0 + 9, requests: [])) }
    }

    @Test func pruningIsBoundedPerBlockAndChangesNoDecision() throws {
        var fast = Ledger(genesis: F.genesis(pruneLimit: 10_000))
        var slow = Ledger(genesis: F.genesis(pruneLimit: 1))
        let grants = (0..<10).map { F.grant(nonce: UInt64($0), until: t0 + 100) }
        for ledger in [0, 1] {
            if ledger == 0 { _ = try fast.apply(LedgerBlock(height: 1, timeMs: t0, requests: grants)) }
            else { _ = try slow.apply(LedgerBlock(height: 1, timeMs: t0, requests: grants)) }
        }
        let block = LedgerBlock(height: 2, timeMs: t0 + 100, requests: [])
        let fastOut = try fast.apply(block), slowOut = try slow.apply(block)
        #expect(fastOut.changes.removedSessions.count == 10)
        #expect(slowOut.changes.removedSessions.count == 1)
        // Reusing a nonce whose grant expired, and acting on an expired session: both
        // ledgers decide alike whatever they have pruned.
        let reuse = F.grant(nonce: 3, until: t0 + 10_000)
        let actOnExpired = F.act(grants[5].id, seq: 1)
        let third = LedgerBlock(height: 3, timeMs: t0 + 101, requests: [reuse, actOnExpired])
        let a = try fast.apply(third).outcomes, b = try slow.apply(third).outcomes
        #expect(a.map(\.accepted) == b.map(\.accepted))
        #expect(a.map(\.accepted) == [true, false])
    }

    @Test func stateHashIsIncrementalAndReproducible() throws {
        var one = Ledger(genesis: F.genesis()), two = Ledger(genesis: F.genesis())
        let grant = F.grant(budget: 10, rate: RateLimit(count: 3, windowMs: 100))
        let blocks = [
            LedgerBlock(height: 1, timeMs: t0, requests: [grant]),
            LedgerBlock(height: 2, timeMs: t0 + 5, requests: [F.act(grant.id, seq: 1), F.revokeAll(by: F.bob)]),
            LedgerBlock(height: 3, timeMs: t0 + 9, requests: [F.revoke(grant.id)]),
        ]
        var hashes: Set<Digest> = [one.stateHash]
        for block in blocks {
            let h1 = try one.apply(block).stateHash, h2 = try two.apply(block).stateHash
            #expect(h1 == h2)
            #expect(one.recomputedStateHash() == h1)
            hashes.insert(h1)
        }
        #expect(hashes.count == 4)
        // A different genesis gives a different hash for the same history.
        var other = Ledger(genesis: F.genesis(maxDepth: 5))
        #expect(try other.apply(blocks[0]).stateHash != (try Ledger(genesis: F.genesis()).applying(blocks[0])))
    }
}

extension Ledger {
    func applying(_ block: LedgerBlock) throws -> Digest {
        var copy = self
        return try copy.apply(block).stateHash
    }
}
