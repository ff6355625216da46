import Testing
import WarrantCheck
import WarrantCrypto
import WarrantHistory
import WarrantLedger
import WarrantWire

/// Each checker flags a history that breaks its rule, and passes one that does not.
@Suite struct CheckerTests {
    static let principal = PublicKey(unchecked: Blake2b.hash(Array("principal".utf8)).bytes)
    static let agent = PublicKey(unchecked: Blake2b.hash(Array("agent".utf8)).bytes)
    static let genesis = Genesis(principals: [Principal(name: "p", key: principal, owns: [ResourcePattern("files/*")!])])
    static let t0: UInt64 = 1_764_000_000_000

    static func seal<B: WireBody>(_ body: B, by signer: PublicKey, forged: Bool = false) -> [UInt8] {
        let bytes = body.cborBytes
        let signature = forged ? Signature(unchecked: [UInt8](repeating: 1, count: 64))
            : SignatureScheme.modelledSignature(by: signer, kind: B.kind, body: bytes)
        return Envelope(kind: B.kind, sender: signer, body: bytes, signature: signature).encoded
    }

    /// A history of one block holding `requests`, all accepted, committed by n0 and n1.
    static func history(_ requests: [[UInt8]], time: UInt64 = t0 + 10, secondState: String? = nil) -> [HistoryEvent] {
        let block = Block(height: 1, timeMs: time, proposer: principal, previous: .zero, lastCommit: nil,
                          stateHash: .zero, requests: requests.map(ByteString.init), evidence: [])
        let hash = block.hash.hex
        let accepted = requests.map { Blake2b.hash($0).hex }
        return [
            HistoryEvent(time: 10, kind: .block, height: 1, block: hash, bytes: Hex.encode(block.cborBytes)),
            HistoryEvent(time: 10, kind: .commit, node: "n0", height: 1, block: hash, state: "aa", accepted: accepted),
            HistoryEvent(time: 11, kind: .commit, node: "n1", height: 1, block: hash, state: secondState ?? "aa", accepted: accepted),
        ]
    }

    static func check(_ events: [HistoryEvent]) -> [Violation.Rule] {
        Checks.all(CheckInput(events: events, honest: ["n0", "n1"], genesis: genesis, signatures: .modelled)).map(\.rule)
    }

    static var grant: Grant {
        Grant(nonce: 1, sessionKey: agent, scope: Scope(operations: ["read"], resources: ["files/*"], maxAmount: 5),
              notBefore: t0, expiresAt: t0 + 1_000, budget: 10)
    }

    @Test func aValidHistoryPasses() {
        let grant = Self.seal(Self.grant, by: Self.principal)
        let act = Self.seal(Act(session: Blake2b.hash(grant), sequence: 1, operation: "read", resource: "files/a", amount: 5), by: Self.agent)
        #expect(Self.check(Self.history([grant, act])) == [])
    }

    @Test func differentStateHashesBreakAgreement() {
        #expect(Self.check(Self.history([], secondState: "bb")) == [.agreement])
    }

    @Test func anActAfterExpiryBreaksExpiry() {
        let grant = Self.seal(Self.grant, by: Self.principal)
        let act = Self.seal(Act(session: Blake2b.hash(grant), sequence: 1, operation: "read", resource: "files/a", amount: 1), by: Self.agent)
        var events = Self.history([grant])
        let later = Block(height: 2, timeMs: Self.t0 + 1_000, proposer: Self.principal, previous: .zero, lastCommit: nil,
                          stateHash: .zero, requests: [ByteString(act)], evidence: [])
        events += [
            HistoryEvent(time: 20, kind: .block, height: 2, block: later.hash.hex, bytes: Hex.encode(later.cborBytes)),
            HistoryEvent(time: 20, kind: .commit, node: "n0", height: 2, block: later.hash.hex, state: "cc", accepted: [Blake2b.hash(act).hex]),
        ]
        #expect(Self.check(events) == [.expiry])
    }

    @Test func overspendingBreaksBudget() {
        let grant = Self.seal(Self.grant, by: Self.principal)
        let acts = (1...3).map { Self.seal(Act(session: Blake2b.hash(grant), sequence: UInt64($0), operation: "read", resource: "files/a", amount: 4), by: Self.agent) }
        #expect(Self.check(Self.history([grant] + acts)) == [.budget])
    }

    @Test func anActAfterRevocationBreaksRevocation() {
        let grant = Self.seal(Self.grant, by: Self.principal)
        let revoke = Self.seal(Revoke(nonce: 2, session: Blake2b.hash(grant)), by: Self.principal)
        let act = Self.seal(Act(session: Blake2b.hash(grant), sequence: 1, operation: "read", resource: "files/a", amount: 1), by: Self.agent)
        #expect(Self.check(Self.history([grant, revoke, act])) == [.revocation])
    }

    @Test func aForgedRequestBreaksValidity() {
        let grant = Self.seal(Self.grant, by: Self.principal, forged: true)
        #expect(Self.check(Self.history([grant])) == [.validity])
    }

    @Test func aGrantOutsideWhatThePrincipalOwnsBreaksValidity() {
        var grant = Self.grant
        grant.scope = Scope(operations: ["read"], resources: ["mail/*"])
        #expect(Self.check(Self.history([Self.seal(grant, by: Self.principal)])) == [.validity])
    }

    @Test func anAcknowledgedRequestMissingFromANodeIsLost() {
        let grant = Self.seal(Self.grant, by: Self.principal)
        var events = Self.history([grant])
        events[2].accepted = []
        events.append(HistoryEvent(time: 12, kind: .ack, node: "n0", request: Blake2b.hash(grant).hex, outcome: "ok", height: 1))
        #expect(Self.check(events).contains(.nothingLost))
    }

    @Test func noCommitAfterTheLastFaultBreaksLiveness() {
        var events = Self.history([])
        events.append(HistoryEvent(time: 100, kind: .fault, detail: "heal"))
        events.append(HistoryEvent(time: 100 + 40_000, kind: .request, node: "n0", request: "00"))
        let rules = Checks.liveness(CheckInput(events: events, honest: ["n0"], genesis: Self.genesis, signatures: .modelled,
                                               livenessBoundMs: 30_000))
        #expect(rules.map(\.rule) == [.liveness])
    }
}

/// The evidence checker: equivocation an honest node held must end up in a decided block.
@Suite struct EvidenceCheckerTests {
    static let validator = PublicKey(unchecked: Blake2b.hash(Array("validator".utf8)).bytes)

    static var evidence: Evidence {
        Evidence(CheckerTests.seal(Prevote(height: 1, round: 0, block: .zero), by: validator),
                 CheckerTests.seal(Prevote(height: 1, round: 0, block: nil), by: validator))
    }

    static func history(committingEvidence: Bool, heldAt: UInt64 = 5) -> [HistoryEvent] {
        let block = Block(height: 2, timeMs: CheckerTests.t0 + 20, proposer: validator, previous: .zero, lastCommit: nil,
                          stateHash: .zero, requests: [], evidence: committingEvidence ? [evidence] : [])
        let hash = block.hash.hex
        return [
            HistoryEvent(time: heldAt, kind: .evidence, node: "n0", bytes: Hex.encode(evidence.cborBytes)),
            HistoryEvent(time: 20, kind: .block, height: 2, block: hash, bytes: Hex.encode(block.cborBytes)),
            HistoryEvent(time: 20, kind: .commit, node: "n0", height: 2, block: hash, state: "aa", accepted: []),
            HistoryEvent(time: 60_000, kind: .fault, detail: "heal"),
        ]
    }

    static func check(_ events: [HistoryEvent]) -> [Violation.Rule] {
        Checks.evidence(CheckInput(events: events, honest: ["n0"], genesis: CheckerTests.genesis, signatures: .modelled,
                                   livenessBoundMs: 30_000))
            .map(\.rule)
    }

    @Test func heldEvidenceThatIsNeverCommittedIsAViolation() {
        #expect(Self.check(Self.history(committingEvidence: false)) == [.evidence])
        #expect(Self.check(Self.history(committingEvidence: true)) == [])
        // Held too close to the end of the history to be judged.
        #expect(Self.check(Self.history(committingEvidence: false, heldAt: 40_000)) == [])
    }
}
