import Foundation
import WarrantConsensus
import WarrantCoordinator
import WarrantCrypto
import WarrantSync
import WarrantWire

/// One behaviour of a validator under test, driven and judged through a `ValidatorHarness`.
public struct ValidatorCase: Sendable {
    public let name: String
    let run: @Sendable (ValidatorHarness) async throws -> Void

    init(_ name: String, _ run: @escaping @Sendable (ValidatorHarness) async throws -> Void) {
        self.name = name
        self.run = run
    }
}

/// The validator suite (docs/CONFORMANCE.md). Scripted cases first, in an order that
/// leaves the implementation able to go on after each; then judgements over everything
/// it sent during the run. A case is named after the rule a failure breaks.
public enum ValidatorSuite {
    public static let cases: [ValidatorCase] = [
        ValidatorCase("commits-with-the-cluster", commits),
        ValidatorCase("votes-in-every-round", votesEveryRound),
        ValidatorCase("prevotes-nil-for-an-invalid-proposal") { try await rewrittenProposal($0, "a forged request") { block in block.requests.append(ByteString(forgedAct())) } },
        ValidatorCase("prevotes-nil-for-an-untimely-proposal") { try await rewrittenProposal($0, "a time 10 s ahead") { block in block.timeMs += 10_000 } },
        ValidatorCase("precommits-only-after-a-quorum", needsQuorum),
        ValidatorCase("keeps-its-lock", keepsLock),
        ValidatorCase("reports-equivocation", reportsEquivocation),
        ValidatorCase("catches-up-after-being-cut-off", catchesUp),
        ValidatorCase("refuses-tampered-catch-up-answers", refusesTamperedCatchUp),
        ValidatorCase("ignores-replayed-messages", ignoresReplays),
        ValidatorCase("check-expiry", checkExpiry),
        ValidatorCase("check-fail-closed-when-cut-off", checkFailClosed),
        ValidatorCase("check-fail-closed-after-restart-while-cut-off", checkFailClosedAfterRestart),
        ValidatorCase("check-clock-judged-by-the-other-validators", checkClock),
        ValidatorCase("refuses-forged-messages", refusesForgeries),
        ValidatorCase("never-signs-conflicting-votes", noConflictingVotes),
        ValidatorCase("votes-only-for-proposed-blocks", votesOnlyForProposedBlocks),
        ValidatorCase("proposes-valid-blocks", proposesValidBlocks),
        ValidatorCase("sends-only-current-messages", sendsOnlyCurrent),
        ValidatorCase("agrees-with-the-cluster", agrees),
    ]

    // MARK: scripted cases

    static func commits(_ h: ValidatorHarness) async throws {
        let from = await h.clusterHeight()
        try await h.waitUntil("the implementation commits 5 heights with the cluster", timeoutMs: 20_000) {
            await h.iutCommits.keys.max() ?? 0 >= from + 5
        }
    }

    /// Over 10 quiet heights every played peer gets the implementation's prevote and
    /// precommit of round 0 (allowing one miss in twenty for a height it joined late).
    static func votesEveryRound(_ h: ValidatorHarness) async throws {
        let from = await h.clusterHeight() + 1
        try await h.waitUntil("10 heights", timeoutMs: 20_000) { await h.clusterHeight() >= from + 10 }
        try await Task.sleep(for: .milliseconds(500))
        let sent = await h.sent
        var missing = 0, expected = 0
        for height in from..<(from + 10) {
            for peer in 0..<3 {
                for type in [VoteType.prevote, .precommit] {
                    expected += 1
                    let got = sent.contains { $0.peer == peer && Votes.vote($0.message).map { $0.type == type && $0.height == height && $0.round == 0 } ?? false }
                    if !got { missing += 1 }
                }
            }
        }
        guard missing * 20 <= expected else { throw CaseFailure("\(missing) of \(expected) round-0 votes never reached the peer they were owed to") }
    }

    /// At a height a played peer proposes, the implementation alone gets the proposal
    /// rewritten (re-signed by the proposer); it must not prevote for it.
    static func rewrittenProposal(_ h: ValidatorHarness, _ what: String, _ edit: @escaping @Sendable (inout Block) -> Void) async throws {
        let height = try await nextHeight(h) { p0, _ in p0 >= 0 }
        let proposer = await h.proposer(height: height, round: 0)
        let key = h.peerKey(proposer)
        await h.script(toIUT: { from, bytes in
            guard from == proposer, let proposal = Votes.proposal(bytes), proposal.height == height, proposal.round == 0 else { return [bytes] }
            var block = proposal.block
            edit(&block)
            return [Envelope.seal(Proposal(height: height, round: 0, validRound: -1, block: block), by: key).encoded]
        })
        try await h.waitUntil("the cluster decides height \(height)", timeoutMs: 20_000) { await h.clusterHeight() >= height + 1 }
        await h.heal()
        let decided = await h.decided[height]
        for vote in await h.votes(.prevote, height: height, round: 0) where vote != nil && vote != decided {
            throw CaseFailure("it prevoted at height \(height), round 0, for the proposal with \(what) (\(vote!.short))")
        }
    }

    /// Round 0 of a height: the implementation hears the proposal but only one played
    /// peer's prevote (and no precommit): two prevotes in all, a quorum minus one. It must
    /// not precommit the block.
    static func needsQuorum(_ h: ValidatorHarness) async throws {
        let height = try await nextHeight(h) { p0, _ in p0 >= 0 }
        let heard = (await h.proposer(height: height, round: 0) + 1) % 3
        await h.script(toIUT: { from, bytes in
            guard let vote = Votes.vote(bytes), vote.height == height, vote.round == 0 else { return [bytes] }
            return vote.type == .prevote && from == heard ? [bytes] : []
        })
        try await h.waitUntil("the cluster decides height \(height)", timeoutMs: 20_000) { await h.clusterHeight() >= height + 1 }
        try await Task.sleep(for: .milliseconds(1_000))
        await h.heal()
        for vote in await h.votes(.precommit, height: height, round: 0) where vote != nil {
            throw CaseFailure("it precommitted \(vote!.short) at height \(height), round 0, having seen two prevotes for it (a quorum is three)")
        }
    }

    /// Round 0: a polka for block B reaches the implementation, but every precommit any
    /// validator hears from a played peer is turned into one for nil (re-signed by that
    /// peer), and the implementation's own reaches nobody, so round 0 ends undecided.
    /// Round 1's proposer then offers the implementation a different, fresh block B′.
    /// Locked on B, it must not prevote B′.
    static func keepsLock(_ h: ValidatorHarness) async throws {
        let height = try await nextHeight(h) { p0, p1 in p0 >= 0 && p1 >= 0 }
        let proposer1 = await h.proposer(height: height, round: 1)
        let key = h.peerKey(proposer1)
        let keys = (0..<3).map { h.peerKey($0) }
        @Sendable func nilPrecommit(_ from: Int, _ bytes: [UInt8]) -> [UInt8]? {
            guard let vote = Votes.vote(bytes), vote.height == height, vote.round == 0, vote.type == .precommit else { return nil }
            return Envelope.seal(Precommit(height: height, round: 0, block: nil), by: keys[from]).encoded
        }
        await h.script(toIUT: { from, bytes in
            if let rewritten = nilPrecommit(from, bytes) { return [rewritten] }
            guard from == proposer1, let proposal = Votes.proposal(bytes), proposal.height == height, proposal.round == 1 else { return [bytes] }
            var block = proposal.block
            block.timeMs = UInt64(Date().timeIntervalSince1970 * 1_000)
            return [Envelope.seal(Proposal(height: height, round: 1, validRound: -1, block: block), by: key).encoded]
        }, fromIUT: { _, bytes in
            guard let vote = Votes.vote(bytes), vote.height == height, vote.round == 0, vote.type == .precommit else { return true }
            return false
        }, amongPeers: { from, _, bytes in [nilPrecommit(from, bytes) ?? bytes] })
        try await h.waitUntil("the implementation prevotes in round 1 of height \(height)", timeoutMs: 20_000) {
            await !h.votes(.prevote, height: height, round: 1).isEmpty
        }
        await h.heal()
        let locked = await h.votes(.precommit, height: height, round: 0).compactMap { $0 }
        guard let lock = locked.first else {
            throw CaseFailure("it never precommitted in round 0 of height \(height) although a polka reached it")
        }
        for vote in await h.votes(.prevote, height: height, round: 1) where vote != nil && vote != lock {
            throw CaseFailure("locked on \(lock.short) in round 0, it prevoted a different fresh block \(vote!.short) in round 1")
        }
    }

    /// A played peer sends the implementation two different prevotes for one round: it
    /// must gossip the evidence (or propose it).
    static func reportsEquivocation(_ h: ValidatorHarness) async throws {
        let height = await h.clusterHeight() + 2
        let liar = h.peerKey(1)
        await h.script(toIUT: { from, bytes in
            guard from == 1, let vote = Votes.vote(bytes), vote.type == .prevote, vote.height >= height else { return [bytes] }
            let other: Digest? = vote.block == nil ? Blake2b.hash(Array("equivocation".utf8)) : nil
            return [bytes, Envelope.seal(Prevote(height: vote.height, round: vote.round, block: other), by: liar).encoded]
        })
        defer { Task { await h.heal() } }
        try await h.waitUntil("evidence against n2 from the implementation", timeoutMs: 20_000) {
            await h.sent.contains { entry in
                switch entry.message.message {
                case .evidence(let evidence): (try? evidence.offense().key.validator) == liar.publicKey
                case .proposal(let proposal): proposal.block.evidence.contains { (try? $0.offense().key.validator) == liar.publicKey }
                default: false
                }
            }
        }
    }

    static func catchesUp(_ h: ValidatorHarness) async throws {
        await h.script(toIUT: { _, _ in [] }, fromIUT: { _, _ in false })
        let cut = await h.clusterHeight()
        try await h.waitUntil("the cluster commits 8 heights without the implementation", timeoutMs: 20_000) { await h.clusterHeight() >= cut + 8 }
        await h.heal()
        let target = await h.clusterHeight()
        try await h.waitUntil("the implementation catches up to height \(target)", timeoutMs: 20_000) { await h.iutHeight() >= target }
    }

    /// Cut off for a few heights, then every catch-up answer it gets carries a tampered
    /// first block (one millisecond later) under the real certificate: it must not commit
    /// it. Then the honest answers flow and it catches up.
    static func refusesTamperedCatchUp(_ h: ValidatorHarness) async throws {
        await h.script(toIUT: { _, _ in [] }, fromIUT: { _, _ in false })
        let cut = await h.clusterHeight()
        try await h.waitUntil("the cluster commits 4 heights without the implementation", timeoutMs: 20_000) { await h.clusterHeight() >= cut + 4 }
        let keys = (0..<3).map { h.peerKey($0) }
        await h.script(toIUT: { from, bytes in
            guard Envelope.peekKind(bytes) == .committedBlocks, let opened = try? SignedMessage(openingUnverified: bytes),
                  case .committedBlocks(var blocks) = opened.message, !blocks.entries.isEmpty else { return [bytes] }
            blocks.entries[0].block.timeMs += 1
            return [Envelope.seal(blocks, by: keys[from]).encoded]
        })
        try await Task.sleep(for: .milliseconds(3_000))
        await h.heal()
        let target = await h.clusterHeight()
        try await h.waitUntil("the implementation catches up to height \(target) from honest answers", timeoutMs: 20_000) { await h.iutHeight() >= target }
        let (mine, theirs) = (await h.iutCommits, await h.decided)
        for height in (cut + 1)...target where mine[height] != nil && mine[height] != theirs[height] {
            throw CaseFailure("at height \(height) it committed \(mine[height]!.short), a tampered block; the cluster decided \(theirs[height]?.short ?? "?")")
        }
    }

    /// Every played peer sends, beside each envelope, one of its envelopes of an earlier
    /// height again: it must go on committing the cluster's blocks.
    static func ignoresReplays(_ h: ValidatorHarness) async throws {
        let old = Locked<[[[UInt8]]]>([[], [], []])
        await h.script(toIUT: { from, bytes in
            let replay: [UInt8]? = old.withLock { buffers in
                if buffers[from].count >= 64 { buffers[from].removeFirst() }
                buffers[from].append(bytes)
                return buffers[from].count > 20 ? buffers[from][buffers[from].count / 3] : nil
            }
            return replay.map { [bytes, $0] } ?? [bytes]
        })
        let from = await h.clusterHeight()
        try await h.waitUntil("the implementation commits 6 heights amid replays", timeoutMs: 20_000) { await h.iutCommits.keys.max() ?? 0 >= from + 6 }
        await h.heal()
        let (mine, theirs) = (await h.iutCommits, await h.decided)
        for height in from...(from + 6) where mine[height] != nil && theirs[height] != nil && mine[height] != theirs[height] {
            throw CaseFailure("amid replays it committed \(mine[height]!.short) at height \(height); the cluster decided \(theirs[height]!.short)")
        }
    }

    // MARK: local checks

    static func checkExpiry(_ h: ValidatorHarness) async throws {
        let session = try await grant(h, ttlMs: 3_000)
        try await expectCheck(h, session, allowed: true, "a live session")
        try await Task.sleep(for: .milliseconds(3_500))
        try await expectCheck(h, session, allowed: false, "a session expired 500 ms ago")
    }

    static func checkFailClosed(_ h: ValidatorHarness) async throws {
        let session = try await grant(h, ttlMs: 60_000)
        await h.script(toIUT: { _, _ in [] }, fromIUT: { _, _ in false })
        try await Task.sleep(for: .milliseconds(Int64(h.topology.cluster.ledger.maxStalenessMs) + 1_000))
        let answer = await h.attemptCheck(session)
        await h.heal()
        try await waitBack(h)
        guard let answer else { throw CaseFailure("its client endpoint did not answer while it was cut off") }
        guard !answer.allowed, answer.reason == .stale else {
            throw CaseFailure("cut off for \(h.topology.cluster.ledger.maxStalenessMs + 1_000) ms it answers \(describe(answer)), expected stale")
        }
    }

    static func checkFailClosedAfterRestart(_ h: ValidatorHarness) async throws {
        let session = try await grant(h, ttlMs: 60_000)
        await h.script(toIUT: { _, _ in [] }, fromIUT: { _, _ in false })
        try await h.restartIUT()
        var answer: CheckAnswer?
        for _ in 0..<30 where answer == nil {
            try await Task.sleep(for: .milliseconds(200))
            answer = await h.attemptCheck(session)
        }
        await h.heal()
        try await waitBack(h)
        guard let answer else { throw CaseFailure("restarted while cut off, its client endpoint did not answer") }
        guard !answer.allowed, answer.reason == .stale else {
            throw CaseFailure("restarted while cut off, it answers \(describe(answer)) before hearing any quorum, expected stale")
        }
    }

    /// Every played peer answers the implementation's clock probes 3 × maxClockSkew ahead
    /// (its own clock is right, and the blocks agree with it): the others do not vouch
    /// for its clock, so it must answer `clock_skew`.
    static func checkClock(_ h: ValidatorHarness) async throws {
        let session = try await grant(h, ttlMs: 60_000)
        let ahead = h.topology.cluster.ledger.maxClockSkewMs * 3
        let keys = (0..<3).map { h.peerKey($0) }
        await h.script(toIUT: { from, bytes in
            guard Envelope.peekKind(bytes) == .clockReading, let opened = try? SignedMessage(openingUnverified: bytes),
                  case .clockReading(let reading) = opened.message else { return [bytes] }
            return [Envelope.seal(ClockReading(nonce: reading.nonce, height: reading.height, timeMs: reading.timeMs + ahead), by: keys[from]).encoded]
        })
        try await Task.sleep(for: .milliseconds(Int64(h.topology.cluster.ledger.maxStalenessMs) + 1_500))
        let answer = await h.attemptCheck(session)
        await h.heal()
        guard let answer else { throw CaseFailure("its client endpoint did not answer") }
        guard !answer.allowed, answer.reason == .clockSkew else {
            throw CaseFailure("with every other validator's clock \(ahead) ms ahead of its own it answers \(describe(answer)), expected clock_skew")
        }
    }

    /// A whole forged round: the proposal and every peer's votes for another block, with
    /// signatures that do not verify. It must decide the cluster's block, not that one.
    static func refusesForgeries(_ h: ValidatorHarness) async throws {
        let height = try await nextHeight(h) { p0, _ in p0 >= 0 }
        let peers = (0..<3).map { h.peerKey($0).publicKey }
        // The forged block: the round's real block one millisecond later; every forged vote names it.
        let forgedHash = Locked<Digest>(Votes.forgedBlock)
        await h.script(toIUT: { from, bytes in
            guard let opened = try? SignedMessage(openingUnverified: bytes) else { return [bytes] }
            let junk = Signature(unchecked: [UInt8](repeating: 9, count: 64))
            func forged<B: WireBody>(_ body: B) -> [UInt8] { Envelope(kind: B.kind, sender: peers[from], body: body.cborBytes, signature: junk).encoded }
            switch opened.message {
            case .proposal(let p) where p.height == height && p.round == 0:
                var block = p.block
                block.timeMs += 1
                forgedHash.withLock { $0 = block.hash }
                return [forged(Proposal(height: height, round: 0, validRound: -1, block: block))]
            case .prevote(let v) where v.height == height && v.round == 0:
                return [forged(Prevote(height: height, round: 0, block: v.block.map { _ in forgedHash.withLock { $0 } }))]
            case .precommit(let v) where v.height == height && v.round == 0:
                return [forged(Precommit(height: height, round: 0, block: v.block.map { _ in forgedHash.withLock { $0 } }))]
            default:
                return [bytes]
            }
        })
        try await h.waitUntil("the cluster decides height \(height)", timeoutMs: 20_000) { await h.clusterHeight() >= height + 1 }
        await h.heal()
        try await h.waitUntil("the implementation commits height \(height)", timeoutMs: 20_000) { await h.iutCommits[height] != nil }
        let (mine, theirs) = (await h.iutCommits[height], await h.decided[height])
        guard mine == theirs else { throw CaseFailure("it committed \(mine?.short ?? "?") at height \(height), a block only forged messages carried; the cluster decided \(theirs?.short ?? "?")") }
    }

    // MARK: judgements over the whole run

    static func noConflictingVotes(_ h: ValidatorHarness) async throws {
        var seen: [String: Digest?] = [:]
        for entry in await h.sent {
            let key: String, value: Digest?
            if let vote = Votes.vote(entry.message) {
                (key, value) = ("\(vote.type) h\(vote.height) r\(vote.round)", vote.block)
            } else if case .proposal(let p) = entry.message.message {
                (key, value) = ("proposal h\(p.height) r\(p.round)", p.block.hash)
            } else { continue }
            if let earlier = seen[key], earlier != value {
                throw CaseFailure("it signed two different \(key): \(earlier?.short ?? "nil") and \(value?.short ?? "nil")")
            }
            seen[key] = value
        }
    }

    static func votesOnlyForProposedBlocks(_ h: ValidatorHarness) async throws {
        let known = await h.knownBlocks
        for entry in await h.sent {
            guard let vote = Votes.vote(entry.message), let block = vote.block, vote.block != Votes.forgedBlock else { continue }
            guard known[vote.height]?.contains(block) == true else {
                throw CaseFailure("it voted (\(vote.type) h\(vote.height) r\(vote.round)) for \(block.short), a block nobody proposed")
            }
        }
    }

    static func proposesValidBlocks(_ h: ValidatorHarness) async throws {
        var proposals = 0
        for entry in await h.sent {
            guard case .proposal(let p) = entry.message.message else { continue }
            proposals += 1
            for request in p.block.requests where (try? SignedMessage(opening: request.bytes)) == nil {
                throw CaseFailure("its proposal at height \(p.height), round \(p.round) carries a request whose signature does not verify")
            }
        }
        guard proposals > 0 else { throw CaseFailure("it never proposed, although it is a validator in turn") }
    }

    /// A second after it committed height h + 1 it has no reason to send a vote of height
    /// h. (Votes queued before the links first connected may arrive late: the first
    /// heights after its start are not judged.)
    static func sendsOnlyCurrent(_ h: ValidatorHarness) async throws {
        let committed = await h.iutCommitTimes, first = await h.startHeight + 3
        for entry in await h.sent {
            guard let vote = Votes.vote(entry.message), vote.height >= first, let done = committed[vote.height + 1],
                  entry.at > done + 1_000 else { continue }
            throw CaseFailure("it sent its \(vote.type) of height \(vote.height) after it had committed height \(vote.height + 1) (a replay)")
        }
    }

    static func agrees(_ h: ValidatorHarness) async throws {
        let (mine, theirs) = (await h.iutCommits, await h.decided)
        for (height, block) in mine.sorted(by: { $0.key < $1.key }) where theirs[height] != nil && theirs[height] != block {
            throw CaseFailure("at height \(height) it committed \(block.short); the cluster decided \(theirs[height]!.short)")
        }
        guard !mine.isEmpty else { throw CaseFailure("its commit stream published nothing") }
    }

    // MARK: helpers

    /// A height a few ahead whose proposers of rounds 0 and 1 (peer index, -1 for the
    /// implementation) satisfy `wanted`, so a script can be set before it begins.
    static func nextHeight(_ h: ValidatorHarness, _ wanted: (Int, Int) -> Bool) async throws -> UInt64 {
        let start = await h.clusterHeight() + 3
        for height in start..<(start + 12) where wanted(await h.proposer(height: height, round: 0), await h.proposer(height: height, round: 1)) {
            return height
        }
        throw CaseFailure("no height in the next 12 has the proposers the case needs")
    }

    /// A session granted through its client endpoint, once it is fresh again (after a
    /// case that cut it off it must first hear a quorum at its own height).
    static func grant(_ h: ValidatorHarness, ttlMs: UInt64) async throws -> Check {
        try await h.waitUntil("the implementation reports itself fresh, its clock vouched for", timeoutMs: 15_000) { await h.iutFresh() }
        let principal = try h.keys.secret("alice"), agent = SigningKey()
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let grant = Grant(nonce: now, sessionKey: agent.publicKey, scope: Scope(operations: ["read"], resources: ["files/*"]),
                          notBefore: now, expiresAt: now + ttlMs, budget: 10)
        let answer: Message
        do {
            answer = try await h.client.ask(grant, signedBy: principal)
        } catch {
            throw CaseFailure("the grant sent to its client endpoint: \(error.message)")
        }
        guard case .result(let result) = answer, result.outcome.accepted else {
            throw CaseFailure("the grant sent to its client endpoint was not accepted: \(answer.kind.name)")
        }
        return Check(sessionKey: agent.publicKey, operation: "read", resource: "files/a", amount: 1)
    }

    static func expectCheck(_ h: ValidatorHarness, _ question: Check, allowed: Bool, _ what: String) async throws {
        guard let answer = await h.attemptCheck(question) else { throw CaseFailure("its client endpoint did not answer a check") }
        guard answer.allowed == allowed else { throw CaseFailure("for \(what) it answers \(describe(answer))") }
    }

    static func waitBack(_ h: ValidatorHarness) async throws {
        let target = await h.clusterHeight()
        try await h.waitUntil("the implementation is back at height \(target)", timeoutMs: 30_000) { await h.iutHeight() >= target }
    }

    static func describe(_ answer: CheckAnswer) -> String { answer.allowed ? "allow" : "deny \(answer.reason?.name ?? "?")" }

    /// An act whose signature is junk.
    static func forgedAct() -> [UInt8] {
        let act = Act(session: Blake2b.hash(Array("forged".utf8)), sequence: 1, operation: "read", resource: "files/a", amount: 0)
        return Envelope(kind: .act, sender: SigningKey().publicKey, body: act.cborBytes, signature: Signature(unchecked: [UInt8](repeating: 7, count: 64))).encoded
    }
}

/// Reading votes and proposals out of envelopes.
enum Votes {
    /// The block every forged vote names (never proposed by anyone honest).
    static let forgedBlock = Blake2b.hash(Array("conformance forged block".utf8))

    static func vote(_ message: SignedMessage) -> (type: VoteType, height: UInt64, round: UInt64, block: Digest?)? {
        switch message.message {
        case .prevote(let v): (.prevote, v.height, v.round, v.block)
        case .precommit(let v): (.precommit, v.height, v.round, v.block)
        default: nil
        }
    }

    static func vote(_ bytes: [UInt8]) -> (type: VoteType, height: UInt64, round: UInt64, block: Digest?)? {
        guard let kind = Envelope.peekKind(bytes), kind == .prevote || kind == .precommit,
              let opened = try? SignedMessage(openingUnverified: bytes) else { return nil }
        return vote(opened)
    }

    static func proposal(_ bytes: [UInt8]) -> Proposal? {
        guard Envelope.peekKind(bytes) == .proposal, let opened = try? SignedMessage(openingUnverified: bytes),
              case .proposal(let proposal) = opened.message else { return nil }
        return proposal
    }
}

extension ValidatorHarness {
    /// The implementation's votes of one kind at (height, round), as sent to any peer.
    public func votes(_ type: VoteType, height: UInt64, round: UInt64) -> [Digest?] {
        sent.compactMap { entry in
            guard let vote = Votes.vote(entry.message), vote.type == type, vote.height == height, vote.round == round else { return nil }
            return .some(vote.block)
        }
    }

    /// A check asked of its client endpoint (nil when it does not answer).
    func attemptCheck(_ question: Check) async -> CheckAnswer? {
        guard let answer = try? await client.ask(question, signedBy: peerKey(0), timeout: .seconds(3)),
              case .checkAnswer(let check) = answer else { return nil }
        return check
    }
}
