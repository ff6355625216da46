import Testing
import WarrantCheck
import WarrantCrypto
import WarrantHistory
import WarrantLedger
import WarrantWire

/// The probe checkers (rules 3, 4, 5 on nodes' answers) and the blast radius, on small
/// histories whose chain says when a session expires and when it was revoked.
@Suite struct ProbeCheckTests {
    typealias C = CheckerTests
    /// The run starts at t0 − 10 ms, so history time t is wall time t0 − 10 + t.
    static let epoch = C.t0 - 10
    static let grantBytes = C.seal(C.grant, by: C.principal)  // expires at t0 + 1000, i.e. run time 1010
    static var session: String { Blake2b.hash(grantBytes).hex }

    /// Height 1 grants the session; height 2 (optionally) revokes it at run time 2000.
    static func history(revoked: Bool = false) -> [HistoryEvent] {
        var events = [HistoryEvent(time: 0, kind: .start, epochMs: epoch)] + C.history([grantBytes])
        let revoke = C.seal(Revoke(nonce: 2, session: Blake2b.hash(grantBytes)), by: C.principal)
        let block = Block(height: 2, timeMs: C.t0 + 20, proposer: C.principal, previous: .zero, lastCommit: nil, stateHash: .zero,
                          requests: revoked ? [ByteString(revoke)] : [], evidence: [])
        let accepted = revoked ? [Blake2b.hash(revoke).hex] : []
        events += [
            HistoryEvent(time: 2_000, kind: .block, height: 2, block: block.hash.hex, bytes: Hex.encode(block.cborBytes)),
            HistoryEvent(time: 2_000, kind: .commit, node: "n0", height: 2, block: block.hash.hex, state: "cc", accepted: accepted),
        ]
        return events
    }

    static func probe(_ node: String, at time: UInt64, allow: Bool = true, height: UInt64 = 1) -> HistoryEvent {
        HistoryEvent(time: time, kind: .probe, node: node, outcome: allow ? "allow" : "deny", reason: allow ? nil : "stale",
                     height: height, session: session, receivedAt: time + 2)
    }

    static func input(_ events: [HistoryEvent]) -> CheckInput {
        CheckInput(events: events, honest: ["n0", "n1", "n2", "n3"], genesis: C.genesis, signatures: .modelled)
    }

    @Test func anAllowAfterExpiryBreaksRuleThree() {
        let fine = Self.history() + [Self.probe("n1", at: 900)]
        #expect(Checks.probes(Self.input(fine)).isEmpty)
        #expect(Checks.blastRadius(Self.input(fine)).first { $0.node == "n1" }?.afterExpiryMs == -110)
        let late = Self.history() + [Self.probe("n1", at: 1_100)]
        #expect(Checks.probes(Self.input(late)).map(\.rule) == [.expiry])
        #expect(Checks.blastRadius(Self.input(late)).first { $0.node == "n1" }?.afterExpiryMs == 90)
    }

    @Test func aCutOffNodeMustStopAllowingWithinStaleness() {
        // max_staleness is 5000 ms; n3 is cut off at run time 100. The epoch is far back,
        // so the session's expiry is not what is judged here.
        let partition = HistoryEvent(time: 100, kind: .fault, detail: "partition n3 from the rest", nodes: ["n3"])
        let inTime = [HistoryEvent(time: 0, kind: .start, epochMs: Self.epoch - 10_000)] + Array(Self.history().dropFirst())
            + [partition, Self.probe("n3", at: 4_000)]
        #expect(Checks.probes(Self.input(inTime)).isEmpty)
        #expect(Checks.blastRadius(Self.input(inTime)).first { $0.node == "n3" }?.afterCutoffMs == 3_900)
        let tooLate = Array(inTime.dropLast()) + [Self.probe("n3", at: 6_000)]
        #expect(Checks.probes(Self.input(tooLate)).map(\.rule) == [.failClosed])
        // The majority side is not cut off.
        let majority = Array(inTime.dropLast()) + [Self.probe("n0", at: 6_000)]
        #expect(Checks.probes(Self.input(majority)).isEmpty)
    }

    @Test func aNodeWhoseClockIsFarOffMustNotAllow() {
        let events = [HistoryEvent(time: 0, kind: .start, epochMs: Self.epoch - 10_000)] + Array(Self.history().dropFirst())
        func probe(offset: Int64) -> HistoryEvent {
            var p = Self.probe("n1", at: 500)
            p.wallClockMs = UInt64(Int64(Self.epoch - 10_000) + 501 + offset)
            return p
        }
        #expect(Checks.probes(Self.input(events + [probe(offset: 300)])).isEmpty)
        #expect(Checks.probes(Self.input(events + [probe(offset: 2_000)])).map(\.rule) == [.failClosed])
        #expect(Checks.probes(Self.input(events + [probe(offset: -2_000)])).map(\.rule) == [.failClosed])
    }

    @Test func anAllowAtOrPastTheRevocationHeightBreaksRuleFive() {
        // The epoch is far back so expiry is not what fails.
        let events = [HistoryEvent(time: 0, kind: .start, epochMs: Self.epoch - 10_000)] + Array(Self.history(revoked: true).dropFirst())
        let before = events + [Self.probe("n2", at: 1_500, height: 1)]
        #expect(Checks.probes(Self.input(before)).isEmpty)
        #expect(Checks.blastRadius(Self.input(before)).first { $0.node == "n2" }?.allowsAfterRevokeApplied == 0)
        let applied = events + [Self.probe("n2", at: 2_100, height: 2)]
        #expect(Checks.probes(Self.input(applied)).map(\.rule) == [.revocation])
        #expect(Checks.blastRadius(Self.input(applied)).first { $0.node == "n2" }?.allowsAfterRevokeApplied == 1)
    }
}

/// Rule 7 on a history: a badly signed request acknowledged as accepted is a violation.
@Suite struct BadInputCheckTests {
    @Test func aForgedRequestAcknowledgedOkBreaksRuleSeven() {
        let forged = CheckerTests.seal(CheckerTests.grant, by: CheckerTests.principal, forged: true)
        let id = Blake2b.hash(forged).hex
        let request = HistoryEvent(time: 1, kind: .request, node: "n0", request: id, bytes: Hex.encode(forged))
        let input = { (outcome: String) in
            CheckInput(events: [request, HistoryEvent(time: 2, kind: .ack, node: "n0", request: id, outcome: outcome, reason: "bad_signature")],
                       honest: ["n0"], genesis: CheckerTests.genesis, signatures: .modelled)
        }
        #expect(Checks.badInput(input("fail")).isEmpty)
        #expect(Checks.badInput(input("ok")).map(\.rule) == [.badInput])
    }
}
