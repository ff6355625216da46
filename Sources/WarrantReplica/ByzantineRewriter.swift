import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantLedger
import WarrantWire

/// Byzantine behaviour, implemented once: a rewriting of the signed envelopes an honest
/// replica produces, re-signed with the validator's own key — all a real faulty validator
/// can do. A node's shell and the simulator pass every outgoing envelope through it, so
/// both misbehave alike; the replica's own state stays that of an honest node.
///
/// Deterministic given its seed: the simulator seeds it from the run's seed.
public struct ByzantineRewriter: Sendable {
    public var behaviours: Set<ByzantineBehaviour>
    public let signer: ReplicaSigner
    var random: SplitMix64
    /// Acts heard, to slip into forged blocks later (the newest 200).
    var heardActs: [[UInt8]] = []
    /// Envelopes sent, to replay (the newest 64).
    var sent: [[UInt8]] = []

    public init(behaviours: Set<ByzantineBehaviour>, signer: ReplicaSigner, seed: UInt64) {
        self.behaviours = behaviours.filter(\.runsOnNodes)
        self.signer = signer
        random = SplitMix64(seed: seed)
    }

    public var isHonest: Bool { behaviours.isEmpty }

    /// Remembers an envelope this validator received (acts, for `forge`).
    public mutating func heard(_ bytes: [UInt8]) {
        guard behaviours.contains(.forge), Envelope.peekKind(bytes) == .act else { return }
        if heardActs.count >= 200 { heardActs.removeFirst() }
        heardActs.append(bytes)
    }

    /// One broadcast to `peerCount` peers (in a fixed order): the envelopes each gets.
    /// `ledger` is the validator's own, for forging requests that look plausible.
    public mutating func broadcast(_ bytes: [UInt8], peerCount: Int, ledger: Ledger) -> [[[UInt8]]] {
        var perPeer = Array(repeating: [bytes], count: peerCount)
        guard !behaviours.isEmpty, peerCount > 0, let opened = try? SignedMessage(openingUnverified: bytes),
              opened.envelope.sender == signer.publicKey else { return perPeer }
        switch opened.message {
        case .proposal(let proposal):
            if let other = rewritten(proposal, ledger: ledger) {
                let split = Int(random.next() % UInt64(peerCount + 1))
                for position in split..<peerCount { perPeer[position] = [other] }
            }
        case .prevote(let vote):
            perPeer = votes(.prevote, height: vote.height, round: vote.round, block: vote.block, original: bytes, peerCount: peerCount)
        case .precommit(let vote):
            perPeer = votes(.precommit, height: vote.height, round: vote.round, block: vote.block, original: bytes, peerCount: peerCount)
        default:
            break
        }
        if behaviours.contains(.replay), Envelope.peekKind(bytes) != .clockProbe {
            if !sent.isEmpty, random.next() % 4 == 0 {
                let old = sent[Int(random.next() % UInt64(sent.count))]
                for position in perPeer.indices { perPeer[position].append(old) }
            }
            if sent.count >= 64 { sent.removeFirst() }
            sent.append(bytes)
        }
        return perPeer
    }

    /// An answer to one peer's question. Clock readings claim height 0 and the clock the
    /// prober is believed to have (`proberClockMs`: the simulator knows it; a node passes
    /// its own), so that a skewed node looks vouched for and a node that fell behind looks
    /// current; with `forge`, catch-up answers now and then carry a tampered block, under
    /// its real certificate or under one only this validator really signed.
    public mutating func answer(_ bytes: [UInt8], proberClockMs: UInt64) -> [UInt8] {
        guard !behaviours.isEmpty, let opened = try? SignedMessage(openingUnverified: bytes) else { return bytes }
        switch opened.message {
        case .clockReading(let reading):
            return signer.seal(ClockReading(nonce: reading.nonce, height: 0, timeMs: proberClockMs)).encoded
        case .committedBlocks(var blocks) where behaviours.contains(.forge) && !blocks.entries.isEmpty && random.next() % 2 == 0:
            var forged = blocks.entries[0]
            forged.block.timeMs += 1
            if random.next() % 2 == 0 {
                forged.certificate.block = forged.block.hash
                let body = forged.certificate.precommit.cborBytes
                forged.certificate.signatures = forged.certificate.signatures.map {
                    CommitSignature(validator: $0.validator, signature: signer.signature(kind: .precommit, body: body))
                }
            }
            blocks.entries[0] = forged
            return signer.seal(blocks).encoded
        default:
            return bytes
        }
    }

    /// A conflicting proposal for the second part of the peers, or nil to send the
    /// original to all: with `forge` a block carrying a forged request or stale acts, with
    /// `equivocate` the same block at another time.
    mutating func rewritten(_ proposal: Proposal, ledger: Ledger) -> [UInt8]? {
        var block = proposal.block
        if behaviours.contains(.forge), random.next() % 2 == 0 {
            block.requests.append(ByteString(forgedRequest(ledger: ledger)))
        } else if behaviours.contains(.forge), random.next() % 2 == 0, !heardActs.isEmpty {
            // Validly signed but stale: acts whose sessions have since expired, been
            // revoked or been pruned. Honest ledgers must reject them.
            let stale = heardActs.filter { bytes in
                guard let envelope = try? Envelope(decoding: bytes), let act = try? Act(cbor: envelope.body) else { return false }
                guard let session = ledger.sessions[act.session] else { return true }
                return session.expiresAt <= proposal.block.timeMs || ledger.isRevoked(session)
            }
            guard !stale.isEmpty else { return nil }
            block.requests += stale.suffix(3).map(ByteString.init)
        } else if behaviours.contains(.equivocate), random.next() % 5 < 3 {
            block.timeMs += 1 + random.next() % 5
        } else {
            return nil
        }
        return signer.seal(Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)).encoded
    }

    /// A request whose signature does not verify for the sender it names: an act under a
    /// live session when there is one, otherwise a grant claimed from a principal.
    mutating func forgedRequest(ledger: Ledger) -> [UInt8] {
        let junk = Signature(unchecked: (0..<8).flatMap { _ in withUnsafeBytes(of: random.next()) { Array($0) } })
        // (min: dictionary order differs between processes, and the simulator must not)
        if let session = ledger.sessions.values.min(by: { $0.id < $1.id }) {
            let act = Act(session: session.id, sequence: (session.lastSequence ?? 0) + 1_000, operation: session.operations[0],
                          resource: "files/forged", amount: 0)
            return Envelope(kind: .act, sender: session.sessionKey, body: act.cborBytes, signature: junk).encoded
        }
        let principal = ledger.genesis.principals.map(\.key).min { $0.bytes.lexicographicallyPrecedes($1.bytes) } ?? signer.publicKey
        let grant = Grant(nonce: random.next(), sessionKey: signer.publicKey, scope: Scope(operations: ["admin"], resources: ["*"]),
                          notBefore: 0, expiresAt: UInt64.max / 2, budget: UInt64.max / 2)
        return Envelope(kind: .grant, sender: principal, body: grant.cborBytes, signature: junk).encoded
    }

    /// One vote to each peer: withheld (two times in five), a conflicting one to the
    /// second part of the peers (`equivocate`), or one for a block that does not exist
    /// (`invalid-vote`, one time in five).
    mutating func votes(_ type: VoteType, height: UInt64, round: UInt64, block: Digest?, original: [UInt8],
                        peerCount: Int) -> [[[UInt8]]] {
        func signed(_ block: Digest?) -> [UInt8] {
            type == .prevote ? signer.seal(Prevote(height: height, round: round, block: block)).encoded
                : signer.seal(Precommit(height: height, round: round, block: block)).encoded
        }
        let fake = Blake2b.hash(withUnsafeBytes(of: random.next()) { Array("byzantine".utf8) + $0 })
        let alternative = block == nil ? fake : (random.next() % 2 == 0 ? nil : fake)
        let split = Int(random.next() % UInt64(peerCount + 1))
        return (0..<peerCount).map { position in
            if behaviours.contains(.withhold), random.next() % 5 < 2 { return [] }
            if behaviours.contains(.invalidVote), random.next() % 5 == 0 { return [signed(fake)] }
            if behaviours.contains(.equivocate), position >= split { return [signed(alternative)] }
            return [original]
        }
    }
}
