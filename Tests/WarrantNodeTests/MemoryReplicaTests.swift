import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantReplica
import WarrantTestSupport
import WarrantWire

/// The replica the simulator drives: the same `Replica`, over `MemoryStore` with modelled
/// signatures. A single validator (f = 0) decides alone, which keeps each step visible.
@Suite struct MemoryReplicaTests {
    let key = PublicKey(unchecked: Blake2b.hash(Array("solo validator".utf8)).bytes)
    var workload = LedgerWorkload(seed: 5)
    let t0 = ReplicaCluster.genesisTimeMs

    func open(_ store: MemoryStore) throws -> Replica<MemoryStore> {
        try Replica(signer: .modelled(key), validators: ValidatorSet([key]), genesis: workload.genesis, genesisTimeMs: t0,
                    store: store, nonceSeed: 11)
    }

    /// Sends every outbound item's timers back in, in order, until the replica decides
    /// `count` blocks (bounded).
    func drive(_ replica: inout Replica<MemoryStore>, _ first: [Outbound], until count: Int, now start: UInt64) throws -> [CommitNotice] {
        var pending = first, notices: [CommitNotice] = [], now = start
        for _ in 0..<200 where notices.count < count {
            guard !pending.isEmpty else { break }
            let item = pending.removeFirst()
            switch item {
            case .committed(let notice, _): notices.append(notice)
            case .schedule(let kind, let height, let round, let after) where kind != .rebroadcast:
                now += after
                pending += try replica.timeout(kind, height: height, round: round, now: now)
            default: break
            }
        }
        return notices
    }

    @Test mutating func decidesStoresAndReopensFromItsStore() throws {
        var replica = try open(MemoryStore())
        var out = try replica.start(now: t0 + 10, monotonicMs: 10)
        let request = SignatureSchemeSeal.modelled(workload.nextEnvelope(at: t0 + 20))
        out += try replica.submit(request, now: t0 + 20).outbound
        let notices = try drive(&replica, out, until: 1, now: t0 + 20)
        let first = try #require(notices.first)
        #expect(first.height == 1 && replica.ledger.height == 1)
        #expect(try replica.storedResult(of: Blake2b.hash(request)) != nil)
        // Reopened from its store (a restart): the same height, state and stored block.
        let reopened = try open(replica.store)
        #expect(reopened.ledger.height == 1 && reopened.ledger.stateHash == replica.ledger.stateHash)
        #expect(try reopened.store.committedBlocks(from: 1, maxCount: 5).count == 1)
        // Nothing left after the decision: a crash may lose the record written with it
        // (height 2), leaving the one before (height 1) — and the replica still resumes
        // at height 2 from the stored block.
        #expect(try replica.store.loadConsensusRecord()?.height == 2)
        var crashed = replica
        crashed.crash(losingRecord: true)
        #expect(try crashed.store.loadConsensusRecord()?.height == 1)
        #expect(try open(crashed.store).core.height == 2)
    }

    @Test func aCrashMayLoseOnlyTheRecordWrittenAfterADecisionBeforeAnythingLeft() throws {
        var store = MemoryStore()
        let early = ConsensusRecord(height: 1, round: 0, step: .propose, lockedValue: nil, lockedRound: -1, validValue: nil, validRound: -1,
                                    ownVotes: [], ownProposals: [], lastBlockHash: .zero, lastBlockTimeMs: t0, lastCertificate: nil,
                                    appliedStateHash: nil)
        var later = early
        later.round = 3
        try store.saveConsensusRecord(early)
        var lost = store
        lost.crash(losingRecord: true)  // no decision since: nothing to lose
        #expect(try lost.loadConsensusRecord()?.round == 0)
        try store.saveConsensusRecord(later)
        store.noteSent()
        store.crash(losingRecord: true)  // a vote left after it: the record is durable
        #expect(try store.loadConsensusRecord()?.round == 3)
    }

    @Test func aSignerVerifiesOnlyUnderItsOwnScheme() throws {
        let body = RevokeAll(nonce: 9)
        let modelled = ReplicaSigner.modelled(key).seal(body)
        #expect(SignatureScheme.modelled.verifies(modelled) && !SignatureScheme.ed25519.verifies(modelled))
        let real = try SigningKey(seed: [UInt8](repeating: 4, count: 32))
        let sealed = ReplicaSigner.ed25519(real).seal(body)
        #expect(SignatureScheme.ed25519.verifies(sealed) && !SignatureScheme.modelled.verifies(sealed))
        #expect(ReplicaSigner.ed25519(real).publicKey == real.publicKey && ReplicaSigner.modelled(key).scheme == .modelled)
    }
}

/// The workload's envelopes are Ed25519-signed; the modelled replica wants modelled ones.
enum SignatureSchemeSeal {
    static func modelled(_ bytes: [UInt8]) -> [UInt8] {
        let envelope = try! Envelope(decoding: bytes)
        return Envelope(kind: envelope.kind, sender: envelope.sender, body: envelope.body,
                        signature: SignatureScheme.modelledSignature(by: envelope.sender, kind: envelope.kind, body: envelope.body)).encoded
    }
}
