import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// Table tests in the style of Malachite's `TestStep`: one input, the directives it
/// must produce and the state it must leave, one table per line of Algorithm 1 that
/// changes state. Cores are 4-validator ones from `TestCluster`; n1 proposes round 0.
@Suite struct AlgorithmStepTests {
    enum Input {
        case start
        case request(String, from: RequestOrigin = .client)
        /// `arrival`: ms after `now` (negative: before) at which the proposal arrives;
        /// every block is dated `now + 1`.
        case proposal(round: UInt64, validRound: Int64 = -1, from: Int, valid: Bool = true, value: String = "v", arrival: Int64 = 0)
        case vote(VoteType, round: UInt64, value: String?, from: Int)
        case timeout(TimeoutKind, round: UInt64)
    }

    struct Step {
        let line: String
        let input: Input
        let directives: [String]
        /// "round step lockedRound validRound", e.g. "r0 prevote L-1 V-1".
        let state: String
    }

    var cluster = TestCluster(size: 4)
    let now = TestCluster.genesisTime
    /// Blocks named by letter, built for height 1 by the round's proposer.
    var blocks: [String: Block] = [:]

    mutating func block(_ name: String, proposer: Int) -> Block {
        if let block = blocks[name] { return block }
        let core = cluster.nodes[proposer].core
        let block = Block(height: 1, timeMs: now + 1, proposer: core.me, previous: .zero, lastCommit: nil,
                          stateHash: TestCluster.genesisState, requests: [ByteString(Array(name.utf8))], evidence: [])
        blocks[name] = block
        return block
    }

    func label(_ digest: Digest?) -> String {
        guard let digest else { return "nil" }
        return blocks.first { $0.value.hash == digest }?.key ?? "new"
    }

    func describe(_ directive: Directive) -> String {
        switch directive {
        case .persist: "persist"
        case .broadcastProposal(let p): "propose r\(p.round) vr=\(p.validRound) \(label(p.block.hash))"
        case .rebroadcastProposal(let p): "re-propose r\(p.round)"
        case .broadcastVote(let type, _, let round, let block): "\(type.rawValue) r\(round) \(label(block))"
        case .rebroadcastVote(let v): "re-\(v.type.rawValue) r\(v.round)"
        case .rebroadcastCertificate: "re-certificate"
        case .scheduleTimeout(let kind, _, let round, let after): "timeout \(kind.rawValue) r\(round) +\(after)"
        case .decide(let block, let certificate): "decide h\(block.height) \(label(certificate.block)) (\(certificate.signatures.count) precommits)"
        case .forwardRequest: "forward"
        case .broadcastEvidence: "gossip evidence"
        }
    }

    /// Runs the steps on node `me`, checking each step's directives and resulting state.
    mutating func run(_ me: Int, _ steps: [Step], record: ConsensusRecord? = nil) {
        if let record {
            let core = cluster.nodes[me].core
            cluster.nodes[me].core = ConsensusCore(validators: core.validators, me: core.me, restoring: record)
        }
        for step in steps {
            var directives: [Directive] = []
            var ignored: Ignored?
            switch step.input {
            case .start:
                directives = cluster.nodes[me].core.onStart(now: now)
            case .request(let text, let origin):
                let bytes = Array(text.utf8)
                let reaction = cluster.nodes[me].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, from: origin, now: now)
                directives = reaction.directives
                if case .ignored(let why) = reaction { ignored = why }
            case .proposal(let round, let validRound, let from, let valid, let value, let arrival):
                let proposal = Proposal(height: 1, round: round, validRound: validRound, block: block(value, proposer: from))
                let reaction = cluster.nodes[me].core.onProposal(proposal, from: cluster.nodes[from].key.publicKey,
                                                                  signaturesValid: valid, now: UInt64(Int64(now) + arrival))
                directives = reaction.directives
                if case .ignored(let why) = reaction { ignored = why }
            case .vote(let type, let round, let value, let from):
                let digest = value.map { name in blocks[name]?.hash ?? Blake2b.hash(Array(name.utf8)) }
                let reaction = cluster.nodes[me].core.onVote(cluster.sign(from, type: type, height: 1, round: round, block: digest), now: now)
                directives = reaction.directives
                if case .ignored(let why) = reaction { ignored = why }
            case .timeout(let kind, let round):
                let reaction = cluster.nodes[me].core.onTimeout(kind, height: 1, round: round, now: now)
                directives = reaction.directives
                if case .ignored(let why) = reaction { ignored = why }
            }
            // The shell's duty: own votes, once signed, come back to the core and count.
            var index = 0
            while index < directives.count {
                if case .broadcastVote(let type, let height, let round, let block) = directives[index] {
                    let own = cluster.sign(me, type: type, height: height, round: round, block: block)
                    directives += cluster.nodes[me].core.onVote(own, now: now).directives
                }
                index += 1
            }
            let described = ignored.map { ["ignored \($0.rawValue)"] } ?? directives.map(describe)
            #expect(described == step.directives, "\(step.line)")
            let core = cluster.nodes[me].core
            let state = core.height > 1 ? "h\(core.height) r\(core.round) \(core.step.rawValue)"
                : "r\(core.round) \(core.step.rawValue) L\(core.lockedRound) V\(core.validRound)"
            #expect(state == step.state, "\(step.line)")
        }
    }

    /// A record putting n0 in round `round`, prevote step, locked on `locked` at `lockedRound`.
    mutating func lockedRecord(round: UInt64, locked: String, lockedRound: Int64) -> ConsensusRecord {
        let value = block(locked, proposer: 1)
        return ConsensusRecord(height: 1, round: round, step: .propose, lockedValue: value, lockedRound: lockedRound,
                               validValue: value, validRound: lockedRound, ownVotes: [], ownProposals: [],
                               lastBlockHash: .zero, lastBlockTimeMs: now, lastCertificate: nil,
                               appliedStateHash: TestCluster.genesisState)
    }

    @Test mutating func l11StartRoundAsNonProposerSchedulesProposeTimeout() {
        // L21, plus the heartbeat wait at round 0 (1000 ms after genesis) on top of timeoutPropose.
        run(0, [Step(line: "L21", input: .start, directives: ["timeout rebroadcast r0 +500", "timeout propose r0 +2000"],
                     state: "r0 propose L-1 V-1")])
    }

    @Test mutating func l14IdleProposerWaitsForHeartbeatThenProposes() {
        run(1, [
            Step(line: "L14 idle", input: .start, directives: ["timeout rebroadcast r0 +500", "timeout heartbeat r0 +1000"],
                 state: "r0 propose L-1 V-1"),
            Step(line: "L18–L19 on work", input: .request("job"),
                 directives: ["forward", "persist", "propose r0 vr=-1 new", "persist", "prevote r0 new"],
                 state: "r0 prevote L-1 V-1"),
        ])
    }

    @Test mutating func l22PrevotesAValidProposalAndNilForAnInvalidOne() {
        run(0, [
            Step(line: "L22–L24", input: .proposal(round: 0, from: 1), directives: ["persist", "prevote r0 v"], state: "r0 prevote L-1 V-1"),
        ])
        var other = AlgorithmStepTests()
        other.run(0, [
            Step(line: "L26", input: .proposal(round: 0, from: 1, valid: false), directives: ["persist", "prevote r0 nil"],
                 state: "r0 prevote L-1 V-1"),
        ])
    }

    @Test mutating func l23LockedOnAnotherValuePrevotesNil() {
        let record = lockedRecord(round: 1, locked: "u", lockedRound: 0)
        run(0, [
            // Round 1's proposer is n2; it proposes a fresh value v while n0 is locked on u.
            Step(line: "L23 locked elsewhere", input: .proposal(round: 1, from: 2), directives: ["persist", "prevote r1 nil"],
                 state: "r1 prevote L0 V0"),
        ], record: record)
    }

    @Test mutating func l28PrevotesAReproposedValueBackedByAnEarlierPolka() {
        _ = block("v", proposer: 1)
        run(0, [
            Step(line: "L28 polka of vr=0", input: .vote(.prevote, round: 0, value: "v", from: 1), directives: [], state: "r0 propose L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 2), directives: [], state: "r0 propose L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 3), directives: [], state: "r0 propose L-1 V-1"),
            // f + 1 round-1 messages make n0 skip to round 1 (L55), where n2 re-proposes v with vr=0.
            Step(line: "L55", input: .vote(.prevote, round: 1, value: nil, from: 3), directives: [], state: "r0 propose L-1 V-1"),
            Step(line: "L55 skip", input: .vote(.prevote, round: 1, value: nil, from: 1),
                 directives: ["timeout propose r1 +1250"], state: "r1 propose L-1 V-1"),
            // With its own prevote, n0 now holds 2f + 1 round-1 prevotes: L34 arms the timer.
            Step(line: "L28–L30", input: .proposal(round: 1, validRound: 0, from: 2),
                 directives: ["persist", "prevote r1 v", "timeout prevote r1 +750"], state: "r1 prevote L-1 V-1"),
        ])
    }

    @Test mutating func l55SkipsToTheRoundFPlusOneValidatorsHaveReached() {
        // n2 rebroadcasts its round-4 prevote, n3 its round-5 one: no round holds f + 1
        // messages, yet two validators are at round 4 or later (simulator seed 953).
        run(0, [
            Step(line: "L55 one ahead", input: .vote(.prevote, round: 4, value: nil, from: 2), directives: [], state: "r0 propose L-1 V-1"),
            Step(line: "L55 generalised", input: .vote(.prevote, round: 5, value: nil, from: 3),
                 directives: ["timeout propose r4 +2000"], state: "r4 propose L-1 V-1"),
        ])
    }

    @Test mutating func l22FreshProposalsMustBeTimely() {
        // precision 500 ms, messageDelay 1000 ms + 500 ms per round; the block is dated now + 1.
        run(0, [Step(line: "L22 dated 600 ms ahead of our clock", input: .proposal(round: 0, from: 1, arrival: -599),
                     directives: ["persist", "prevote r0 nil"], state: "r0 prevote L-1 V-1")])
        var late = AlgorithmStepTests()
        late.run(0, [Step(line: "L22 arriving 1501 ms after its time", input: .proposal(round: 0, from: 1, arrival: 1_502),
                          directives: ["persist", "prevote r0 nil"], state: "r0 prevote L-1 V-1")])
        var inBounds = AlgorithmStepTests()
        inBounds.run(0, [Step(line: "L22 499 ms ahead", input: .proposal(round: 0, from: 1, arrival: -498),
                              directives: ["persist", "prevote r0 v"], state: "r0 prevote L-1 V-1")])
        // At round 2 the allowed delay has grown to 2000 ms: the same lateness is timely.
        var roundTwo = AlgorithmStepTests()
        let record = ConsensusRecord(height: 1, round: 2, step: .propose, lockedValue: nil, lockedRound: -1, validValue: nil,
                                     validRound: -1, ownVotes: [], ownProposals: [], lastBlockHash: .zero,
                                     lastBlockTimeMs: now, lastCertificate: nil, appliedStateHash: TestCluster.genesisState)
        roundTwo.run(0, [Step(line: "L22 round 2, 2400 ms late", input: .proposal(round: 2, from: 3, arrival: 2_401),
                              directives: ["persist", "prevote r2 v"], state: "r2 prevote L-1 V-1")], record: record)
    }

    @Test mutating func l28AReproposedValueKeepsItsTimeAndIsNotRechecked() {
        _ = block("v", proposer: 1)
        let record = ConsensusRecord(height: 1, round: 1, step: .propose, lockedValue: nil, lockedRound: -1, validValue: nil,
                                     validRound: -1, ownVotes: [], ownProposals: [], lastBlockHash: .zero,
                                     lastBlockTimeMs: now, lastCertificate: nil, appliedStateHash: TestCluster.genesisState)
        run(0, [
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 1), directives: [], state: "r1 propose L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 2), directives: [], state: "r1 propose L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 3), directives: [], state: "r1 propose L-1 V-1"),
            Step(line: "L28 a minute after its time", input: .proposal(round: 1, validRound: 0, from: 2, arrival: 60_000),
                 directives: ["persist", "prevote r1 v"], state: "r1 prevote L-1 V-1"),
        ], record: record)
    }

    @Test func timelinessBoundsAreInclusive() {
        let p = ConsensusParameters()
        #expect(p.isTimely(blockTimeMs: 10_500, receivedAt: 10_000, round: 0))
        #expect(!p.isTimely(blockTimeMs: 10_501, receivedAt: 10_000, round: 0))
        #expect(p.isTimely(blockTimeMs: 8_500, receivedAt: 10_000, round: 0))
        #expect(!p.isTimely(blockTimeMs: 8_499, receivedAt: 10_000, round: 0))
        #expect(p.isTimely(blockTimeMs: 8_000, receivedAt: 10_000, round: 1))
        #expect(!p.isTimely(blockTimeMs: 7_999, receivedAt: 10_000, round: 1))
        #expect(p.isTimely(blockTimeMs: 0, receivedAt: 100, round: 0))
    }

    @Test mutating func l29LockedInALaterRoundThanVrPrevotesNil() {
        // n0 locked on u in round 1; in round 2, n3 re-proposes v with vr=0 (< lockedRound).
        let record = lockedRecord(round: 2, locked: "u", lockedRound: 1)
        _ = block("v", proposer: 1)
        run(0, [
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 1), directives: [], state: "r2 propose L1 V1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 2), directives: [], state: "r2 propose L1 V1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 3), directives: [], state: "r2 propose L1 V1"),
            Step(line: "L29 lock newer than vr", input: .proposal(round: 2, validRound: 0, from: 3), directives: ["persist", "prevote r2 nil"],
                 state: "r2 prevote L1 V1"),
        ], record: record)
    }

    @Test mutating func l28ARestartedProposerPrevotesItsOwnReproposal() {
        // n0 locked on u in round 0 behind a polka it persisted, then restarted in round 2;
        // round 3 is n0's to propose. Simulator seed 8333043: the restored core had
        // forgotten the polka, so L28 never held for its own re-proposal, and a proposer
        // has no propose timeout — it sat out every round it proposed.
        let u = block("u", proposer: 1)
        let polka = (1...3).map { cluster.sign($0, type: .prevote, height: 1, round: 0, block: u.hash) }
        let record = ConsensusRecord(height: 1, round: 2, step: .precommit, lockedValue: u, lockedRound: 0, validValue: u,
                                     validRound: 0, validPolka: polka, ownVotes: [], ownProposals: [], lastBlockHash: .zero,
                                     lastBlockTimeMs: now, lastCertificate: nil, appliedStateHash: TestCluster.genesisState)
        run(0, [
            Step(line: "L65, L14–L19, L28–L30", input: .timeout(.precommit, round: 2),
                 directives: ["persist", "re-prevote r0", "re-prevote r0", "re-prevote r0", "propose r3 vr=0 u", "persist", "prevote r3 u"],
                 state: "r3 prevote L0 V0"),
        ], record: record)
    }

    @Test mutating func l34AnyQuorumOfPrevotesStartsThePrevoteTimeoutOnce() {
        run(0, [
            Step(line: "", input: .proposal(round: 0, from: 1), directives: ["persist", "prevote r0 v"], state: "r0 prevote L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: nil, from: 2), directives: [], state: "r0 prevote L-1 V-1"),
            Step(line: "L34–L35", input: .vote(.prevote, round: 0, value: "w", from: 3),
                 directives: ["timeout prevote r0 +500"], state: "r0 prevote L-1 V-1"),
            Step(line: "L34 once", input: .vote(.prevote, round: 0, value: nil, from: 1), directives: [], state: "r0 prevote L-1 V-1"),
        ])
    }

    @Test mutating func l36PolkaLocksAndPrecommits() {
        run(0, [
            Step(line: "", input: .proposal(round: 0, from: 1), directives: ["persist", "prevote r0 v"], state: "r0 prevote L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 1), directives: [], state: "r0 prevote L-1 V-1"),
            Step(line: "L36–L43", input: .vote(.prevote, round: 0, value: "v", from: 2),
                 directives: ["timeout prevote r0 +500", "persist", "precommit r0 v"], state: "r0 precommit L0 V0"),
        ])
    }

    @Test mutating func l36InPrecommitStepOnlyUpdatesValidValue() {
        run(0, [
            Step(line: "L57", input: .timeout(.propose, round: 0), directives: ["persist", "prevote r0 nil"], state: "r0 prevote L-1 V-1"),
            Step(line: "late proposal", input: .proposal(round: 0, from: 1), directives: [], state: "r0 prevote L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "v", from: 1), directives: [], state: "r0 prevote L-1 V-1"),
            Step(line: "L34", input: .vote(.prevote, round: 0, value: "v", from: 2), directives: ["timeout prevote r0 +500"],
                 state: "r0 prevote L-1 V-1"),
            Step(line: "L61", input: .timeout(.prevote, round: 0), directives: ["persist", "precommit r0 nil"], state: "r0 precommit L-1 V-1"),
            // The polka completes after n0 precommitted: no lock (L37 needs step prevote), but v is now valid.
            Step(line: "L36 L42–L43", input: .vote(.prevote, round: 0, value: "v", from: 3), directives: [], state: "r0 precommit L-1 V0"),
        ])
    }

    @Test mutating func l44NilPolkaPrecommitsNil() {
        run(0, [
            Step(line: "", input: .proposal(round: 0, from: 1), directives: ["persist", "prevote r0 v"], state: "r0 prevote L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: nil, from: 2), directives: [], state: "r0 prevote L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: nil, from: 3), directives: ["timeout prevote r0 +500"],
                 state: "r0 prevote L-1 V-1"),
            Step(line: "L44–L46", input: .vote(.prevote, round: 0, value: nil, from: 1), directives: ["persist", "precommit r0 nil"],
                 state: "r0 precommit L-1 V-1"),
        ])
    }

    @Test mutating func l47AndL65PrecommitQuorumThenTimeoutStartsNextRound() {
        run(0, [
            Step(line: "", input: .vote(.precommit, round: 0, value: nil, from: 1), directives: [], state: "r0 propose L-1 V-1"),
            Step(line: "", input: .vote(.precommit, round: 0, value: "w", from: 2), directives: [], state: "r0 propose L-1 V-1"),
            Step(line: "L47–L48", input: .vote(.precommit, round: 0, value: nil, from: 3), directives: ["timeout precommit r0 +500"],
                 state: "r0 propose L-1 V-1"),
            // Round 1's proposer is n2: n0 waits for its proposal.
            Step(line: "L65–L67", input: .timeout(.precommit, round: 0), directives: ["timeout propose r1 +1250"],
                 state: "r1 propose L-1 V-1"),
        ])
    }

    @Test mutating func l49DecidesWithAnyRoundsProposalAndPrecommitQuorum() {
        run(0, [
            Step(line: "", input: .proposal(round: 0, from: 1), directives: ["persist", "prevote r0 v"], state: "r0 prevote L-1 V-1"),
            Step(line: "", input: .vote(.precommit, round: 0, value: "v", from: 1), directives: [], state: "r0 prevote L-1 V-1"),
            Step(line: "", input: .vote(.precommit, round: 0, value: "v", from: 2), directives: [], state: "r0 prevote L-1 V-1"),
            Step(line: "L49–L54", input: .vote(.precommit, round: 0, value: "v", from: 3),
                 directives: ["decide h1 v (3 precommits)", "persist", "timeout rebroadcast r0 +500", "timeout propose r0 +2001"],
                 state: "h2 r0 propose"),
        ])
    }

    @Test mutating func l57AndL61TimeoutsOnlyActInTheirStep() {
        run(0, [
            Step(line: "L57–L60", input: .timeout(.propose, round: 0), directives: ["persist", "prevote r0 nil"], state: "r0 prevote L-1 V-1"),
            Step(line: "L57 stale", input: .timeout(.propose, round: 0), directives: ["ignored stale_timeout"], state: "r0 prevote L-1 V-1"),
            Step(line: "L61–L64", input: .timeout(.prevote, round: 0), directives: ["persist", "precommit r0 nil"], state: "r0 precommit L-1 V-1"),
            Step(line: "L61 stale", input: .timeout(.prevote, round: 0), directives: ["ignored stale_timeout"], state: "r0 precommit L-1 V-1"),
        ])
    }

    @Test mutating func refusalsAreValues() {
        run(0, [
            Step(line: "wrong proposer", input: .proposal(round: 0, from: 2), directives: ["ignored wrong_proposer"], state: "r0 propose L-1 V-1"),
            Step(line: "", input: .vote(.prevote, round: 0, value: "x", from: 3), directives: [], state: "r0 propose L-1 V-1"),
            Step(line: "duplicate vote", input: .vote(.prevote, round: 0, value: "x", from: 3), directives: ["ignored duplicate"], state: "r0 propose L-1 V-1"),
            // Kept as evidence, and counted for its own value (see VoteKeeper).
            Step(line: "equivocation", input: .vote(.prevote, round: 0, value: "y", from: 3), directives: ["persist", "gossip evidence"],
                 state: "r0 propose L-1 V-1"),
            Step(line: "the same offense again", input: .vote(.prevote, round: 0, value: "z", from: 3), directives: [],
                 state: "r0 propose L-1 V-1"),
            Step(line: "", input: .request("r"), directives: ["forward"], state: "r0 propose L-1 V-1"),
            // A client's resend is forwarded again (it is how a lost forward recovers) …
            Step(line: "client resends", input: .request("r"), directives: ["forward"], state: "r0 propose L-1 V-1"),
            // … a peer's copy is not, and a forwarded request is never forwarded further.
            Step(line: "duplicate from a peer", input: .request("r", from: .peer), directives: ["ignored duplicate"], state: "r0 propose L-1 V-1"),
            Step(line: "new from a peer", input: .request("s", from: .peer), directives: [], state: "r0 propose L-1 V-1"),
        ])
        #expect(cluster.nodes[0].core.pendingEvidence.count == 1)
    }
}
