import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantLedger
import WarrantReplica
import WarrantTestSupport
import WarrantWire

/// The one implementation of Byzantine behaviour, as nodes and the simulator use it: every
/// rewritten envelope is still validly signed by the validator (a real faulty validator
/// can do nothing else), and each behaviour does what its name promises.
@Suite struct ByzantineRewriterTests {
    static let key = try! SigningKey(seed: [UInt8](repeating: 0x42, count: 32))
    static let ledger = Ledger(genesis: LedgerWorkload(seed: 1).genesis)
    static let peers = 9

    func rewriter(_ behaviours: Set<ByzantineBehaviour>, seed: UInt64 = 7) -> ByzantineRewriter {
        ByzantineRewriter(behaviours: behaviours, signer: .ed25519(Self.key), seed: seed)
    }

    func prevote(height: UInt64, block: Digest?) -> [UInt8] {
        Envelope.seal(Prevote(height: height, round: 0, block: block), by: Self.key).encoded
    }

    func proposal(height: UInt64) -> [UInt8] {
        let block = Block(height: height, timeMs: 1_000 * height, proposer: Self.key.publicKey, previous: .zero, lastCommit: nil,
                          stateHash: Self.ledger.stateHash, requests: [], evidence: [])
        return Envelope.seal(Proposal(height: height, round: 0, validRound: -1, block: block), by: Self.key).encoded
    }

    @Test func anHonestRewriterChangesNothing() {
        var honest = rewriter([])
        let vote = prevote(height: 3, block: Blake2b.hash([1]))
        #expect(honest.broadcast(vote, peerCount: Self.peers, ledger: Self.ledger) == Array(repeating: [vote], count: Self.peers))
        #expect(honest.answer(vote, proberClockMs: 5) == vote)
    }

    @Test func equivocationSendsTwoConflictingVotesBothValidlySigned() throws {
        var byzantine = rewriter([.equivocate])
        var conflicting = 0
        for height in UInt64(1)...40 {
            let vote = prevote(height: height, block: Blake2b.hash([UInt8(height)]))
            let sent = Set(byzantine.broadcast(vote, peerCount: Self.peers, ledger: Self.ledger).flatMap { $0 })
            for bytes in sent {
                let opened = try SignedMessage(opening: bytes)
                #expect(opened.envelope.sender == Self.key.publicKey)
                guard case .prevote(let v) = opened.message else { Issue.record("not a prevote"); continue }
                #expect(v.height == height)
            }
            if sent.count == 2 { conflicting += 1 }
            #expect(sent.count <= 2)
        }
        #expect(conflicting >= 20, "only \(conflicting) of 40 votes were equivocated")
    }

    @Test func withholdingLeavesSomePeersWithoutTheVote() {
        var byzantine = rewriter([.withhold])
        let sent = (UInt64(1)...40).flatMap { byzantine.broadcast(prevote(height: $0, block: nil), peerCount: Self.peers, ledger: Self.ledger) }
        let withheld = sent.filter(\.isEmpty).count
        #expect(withheld > sent.count / 5 && withheld < sent.count * 3 / 5, "\(withheld) of \(sent.count) withheld")
    }

    @Test func forgedProposalsCarryARequestThatFailsVerification() throws {
        var byzantine = rewriter([.forge])
        var forged = 0
        for height in UInt64(1)...20 {
            for bytes in Set(byzantine.broadcast(proposal(height: height), peerCount: Self.peers, ledger: Self.ledger).flatMap { $0 }) {
                guard case .proposal(let p) = try SignedMessage(opening: bytes).message else { continue }
                let bad = p.block.requests.filter { (try? SignedMessage(opening: $0.bytes)) == nil }
                forged += bad.count
            }
        }
        #expect(forged >= 5, "only \(forged) forged requests in 20 proposals")
    }

    @Test func replayResendsEnvelopesSentBefore() {
        var byzantine = rewriter([.replay])
        var seen: Set<[UInt8]> = [], replayed = 0
        for height in UInt64(1)...40 {
            let vote = prevote(height: height, block: nil)
            let sent = byzantine.broadcast(vote, peerCount: 3, ledger: Self.ledger)
            replayed += sent[0].filter { seen.contains($0) }.count
            #expect(sent.allSatisfy { $0.contains(vote) })
            seen.insert(vote)
        }
        #expect(replayed >= 4, "only \(replayed) replays in 40 broadcasts")
    }

    @Test func clockReadingsClaimHeightZeroAndTheProbersClock() throws {
        var byzantine = rewriter([.withhold])
        let honest = Envelope.seal(ClockReading(nonce: 9, height: 12, timeMs: 1_000), by: Self.key).encoded
        guard case .clockReading(let lie) = try SignedMessage(opening: byzantine.answer(honest, proberClockMs: 77_000)).message else {
            Issue.record("not a clock reading")
            return
        }
        #expect(lie == ClockReading(nonce: 9, height: 0, timeMs: 77_000))
    }

    @Test func theVocabularyParsesOneSpellingAndNamesTheChoices() throws {
        #expect(try ByzantineBehaviour.parse(["forge", "invalid-vote"]) == [.forge, .invalidVote])
        #expect(throws: MisbehaviourError.self) { try ByzantineBehaviour.parse(["forged-proposal"]) }
        #expect(throws: MisbehaviourError.self) { try ByzantineBehaviour.parse(["twins"], onNodes: true) }
        do {
            _ = try Sabotage.parse(["ignore-expiry", "oops"])
            Issue.record("parsed a bug that does not exist")
        } catch {
            #expect(error.description.contains("'oops' is not one of skip-lock"))
        }
        #expect(Set(Sabotage.allCases.map(\.breaks)) == ["agreement", "expiry", "validity", "fail_closed", "faults_honoured"])
    }
}
