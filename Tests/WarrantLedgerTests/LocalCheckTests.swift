import Testing
import WarrantCrypto
import WarrantWire
@testable import WarrantLedger

/// The local decision (docs/DESIGN.md, rules 3 and 4) with skew 500 ms and staleness 5 s.
@Suite struct LocalCheckTests {
    typealias F = Fixture
    let t0 = Fixture.t0

    func ledger(_ requests: LedgerRequest..., at time: UInt64? = nil) throws -> Ledger {
        var ledger = Ledger(genesis: F.genesis())
        _ = try ledger.apply(LedgerBlock(height: 1, timeMs: time ?? t0, requests: requests))
        return ledger
    }

    /// `since`: ms since the last block; `quorum`: ms since contact with a quorum (nil:
    /// none since the start); `vouched`: whether f + 1 peers vouch for the clock.
    func ask(_ ledger: Ledger, key: SigningKey = Fixture.agents[0], op: String = "read", resource: String = "files/a",
             amount: UInt64 = 1, session: Digest? = nil, wall: UInt64, since: UInt64 = 0, quorum: UInt64?? = .none,
             vouched: Bool = true) -> CheckAnswer {
        ledger.check(Check(sessionKey: key.publicKey, operation: op, resource: resource, amount: amount, session: session),
                     readings: ClockReadings(wallClockMs: wall, sinceLastBlockMs: since, sinceQuorumMs: quorum ?? 100,
                                             clockVouched: vouched, clockOffsetMs: 3))
    }

    @Test func allowCarriesWhatIsLeftAndTheReadings() throws {
        let grant = F.grant(until: t0 + 10_000, budget: 50, maxUses: 7)
        let l = try ledger(grant)
        let answer = ask(l, wall: t0 + 1_000, since: 1_000)
        #expect(answer.allowed && answer.reason == nil)
        #expect(answer.session == grant.id && answer.remainingBudget == 50 && answer.remainingUses == 7)
        #expect(answer.timeLeftMs == 10_000 - 500 - 1_000)
        #expect(answer.height == 1 && answer.wallClockMs == t0 + 1_000 && answer.lastBlockTimeMs == t0 && answer.sinceLastBlockMs == 1_000)
        #expect(answer.sinceQuorumMs == 100 && answer.clockOffsetMs == 3)
    }

    /// Rule 3: deny once `expiresAt − maxClockSkew ≤ now`, to the millisecond.
    @Test func expiryIsBroughtForwardByTheSkewBound() throws {
        let l = try ledger(F.grant(until: t0 + 3_000))
        #expect(ask(l, wall: t0 + 2_499, since: 2_499).allowed)
        #expect(ask(l, wall: t0 + 2_500, since: 2_500).reason == .expired)
        // A wall clock 400 ms behind (within the bound) still denies 100 ms before expiry.
        #expect(ask(l, wall: t0 + 2_500, since: 2_900).reason == .expired)
    }

    /// Rule 4: stale once contact with a quorum is older than maxStaleness (monotonic),
    /// or when there was none since the node started — however recent the last block.
    @Test func staleAfterMaxStalenessSinceQuorumContact() throws {
        let l = try ledger(F.grant(until: t0 + 60_000), at: t0)
        #expect(ask(l, wall: t0 + 5_000, since: 9_000, quorum: 5_000).allowed)
        #expect(ask(l, wall: t0 + 5_001, since: 10, quorum: 5_001).reason == .stale)
        #expect(ask(l, wall: t0 + 100, since: 10, quorum: .some(nil)).reason == .stale)  // restarted, nobody heard yet
        #expect(ask(Ledger(genesis: F.genesis()), wall: t0, since: 0).reason == .stale)
    }

    /// Rule 4, the clock half: without f + 1 peers vouching, every check is denied —
    /// whatever the last block's time says.
    @Test func clockSkewDeniesEverythingUnlessPeersVouch() throws {
        let l = try ledger(F.grant(until: t0 + 60_000))
        #expect(ask(l, wall: t0 + 1_000, since: 1_000).allowed)
        #expect(ask(l, wall: t0 + 1_000, since: 1_000, vouched: false).reason == .clockSkew)
        // Staleness is judged first.
        #expect(ask(l, wall: t0 + 1_000, since: 1_000, quorum: 6_000, vouched: false).reason == .stale)
    }

    /// The `trust-own-block-times` sabotage judges the clock by the last block, as the
    /// first design did: 500 ms apart is within the bound, 501 is not.
    @Test func theSabotagedClockRuleComparesWithTheLastBlock() throws {
        let readings = ClockReadings(wallClockMs: t0 + 1_500, sinceLastBlockMs: 1_000, sinceQuorumMs: 100, clockVouched: false)
        #expect(readings.judgedByLastBlock(timeMs: t0, maxClockSkewMs: 500).clockVouched)
        #expect(!readings.judgedByLastBlock(timeMs: t0 - 1, maxClockSkewMs: 500).clockVouched)
        #expect(!readings.judgedByLastBlock(timeMs: t0 + 1_001, maxClockSkewMs: 500).clockVouched)
    }

    @Test func notYetValidUntilTheClockOrABlockReachesNotBefore() throws {
        let l = try ledger(F.grant(from: t0 + 1_000, until: t0 + 60_000))
        #expect(ask(l, wall: t0 + 999, since: 999).reason == .notYetValid)
        #expect(ask(l, wall: t0 + 1_000, since: 1_000).allowed)
    }

    @Test func ledgerRulesApplyAsTheNextBlockWould() throws {
        let grant = F.grant(ops: ["read"], maxAmount: 5, until: t0 + 60_000, budget: 3)
        let l = try ledger(grant)
        #expect(ask(l, op: "write", wall: t0).reason == .outOfScope)
        #expect(ask(l, amount: 6, wall: t0).reason == .overActionCap)
        #expect(ask(l, amount: 4, wall: t0).reason == .overBudget)
        #expect(ask(l, key: F.agents[5], wall: t0).reason == .unknownSession)
        #expect(ask(l, session: Digest.zero, wall: t0).reason == .unknownSession)
        var revoked = l
        _ = try revoked.apply(LedgerBlock(height: 2, timeMs: t0 + 10, requests: [F.revoke(grant.id)]))
        #expect(ask(revoked, wall: t0 + 10).reason == .revoked)
    }

    @Test func aKeyWithSeveralSessionsIsAllowedIfAnyAllows() throws {
        let narrow = F.grant(nonce: 1, ops: ["read"], until: t0 + 50_000)
        let wide = F.grant(nonce: 2, ops: ["read", "write"], until: t0 + 20_000)
        let l = try ledger(narrow, wide)
        let write = ask(l, op: "write", wall: t0)
        #expect(write.allowed && write.session == wide.id)
        let read = ask(l, wall: t0)
        #expect(read.allowed && read.session == narrow.id)  // the one expiring last
        let pinned = ask(l, op: "write", session: narrow.id, wall: t0)
        #expect(pinned.reason == .outOfScope && pinned.session == narrow.id)
        let denied = ask(l, op: "delete", wall: t0)
        #expect(denied.reason == .outOfScope && denied.session == narrow.id)
    }

    @Test func batchAnswersInOrder() throws {
        let l = try ledger(F.grant(until: t0 + 60_000))
        let checks = [
            Check(sessionKey: F.agents[0].publicKey, operation: "read", resource: "files/a", amount: 1),
            Check(sessionKey: F.agents[0].publicKey, operation: "read", resource: "mail/x", amount: 1),
            Check(sessionKey: F.agents[4].publicKey, operation: "read", resource: "files/a", amount: 1),
        ]
        let answers = l.check(CheckBatch(checks: checks), readings: ClockReadings(wallClockMs: t0, sinceLastBlockMs: 0, sinceQuorumMs: 0, clockVouched: true))
        #expect(answers.answers.map(\.reason) == [nil, .outOfScope, .unknownSession])
    }
}
