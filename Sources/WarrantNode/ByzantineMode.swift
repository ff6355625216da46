import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// Misbehaviours a validator process can be switched to, for chaos runs: up to f of
/// them must never break agreement, validity, revocation or nothing-lost. They act only
/// on what the node sends; its own state stays that of an honest node.
public enum ByzantineMode: String, CaseIterable, Hashable, Sendable {
    /// Send half the peers a conflicting vote (and a conflicting proposal) for every one.
    case equivocate
    /// Send no votes at all.
    case withhold
    /// Propose blocks carrying forged grants and stale acts (old, validly signed acts of
    /// sessions that may have expired or been revoked since).
    case forge
    /// Send old messages again, now and then.
    case replay
}

/// What a Byzantine node does to one outgoing envelope: pairs of (peer subset, bytes).
struct ByzantineOutbox {
    var modes: Set<ByzantineMode> = []
    /// Acts this node has seen, to slip into forged blocks later.
    var seenActs: [[UInt8]] = []
    /// Envelopes sent, to replay.
    var sent: [[UInt8]] = []
    var random = SplitMix64(seed: 0x5eed)

    mutating func remember(_ bytes: [UInt8], kind: MessageKind) {
        if kind == .act {
            if seenActs.count >= 200 { seenActs.removeFirst() }
            seenActs.append(bytes)
        }
    }

    /// Rewrites one broadcast into what each half of the peers gets.
    mutating func broadcast(_ bytes: [UInt8], peers: [String], key: SigningKey) -> [(peers: [String], bytes: [UInt8])] {
        guard !modes.isEmpty, let envelope = try? Envelope(decoding: bytes), envelope.sender == key.publicKey else {
            return [(peers, bytes)]
        }
        if modes.contains(.replay), !sent.isEmpty, random.next() % 4 == 0 {
            let old = sent[Int(random.next() % UInt64(sent.count))]
            if sent.count >= 128 { sent.removeFirst() }
            sent.append(bytes)
            return [(peers, bytes), (peers, old)]
        }
        if sent.count >= 128 { sent.removeFirst() }
        sent.append(bytes)
        let half = peers.count / 2
        let (first, second) = (Array(peers.prefix(half)), Array(peers.dropFirst(half)))
        switch envelope.kind {
        case .prevote, .precommit:
            if modes.contains(.withhold) { return [] }
            guard modes.contains(.equivocate), let vote = try? SignedVote(envelope: bytes) else { return [(peers, bytes)] }
            let other: Digest? = vote.block == nil ? Blake2b.hash(Array("byzantine \(random.next())".utf8)) : nil
            let conflicting = envelope.kind == .prevote
                ? Envelope.seal(Prevote(height: vote.height, round: vote.round, block: other), by: key).encoded
                : Envelope.seal(Precommit(height: vote.height, round: vote.round, block: other), by: key).encoded
            return [(first, bytes), (second, conflicting)]
        case .proposal:
            guard let proposal = try? Proposal(cbor: envelope.body) else { return [(peers, bytes)] }
            if modes.contains(.forge) {
                var block = proposal.block
                // Half the time a forged grant (the block is then invalid as a whole), half
                // the time only stale acts, validly signed, which the ledger must reject.
                block.requests += random.next() % 2 == 0 ? forgedRequests(key: key) : seenActs.suffix(3).map { ByteString($0) }
                let forged = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
                return [(peers, Envelope.seal(forged, by: key).encoded)]
            }
            if modes.contains(.equivocate) {
                var block = proposal.block
                block.timeMs += 1 + random.next() % 5
                let other = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
                return [(first, bytes), (second, Envelope.seal(other, by: key).encoded)]
            }
            return [(peers, bytes)]
        default:
            return [(peers, bytes)]
        }
    }

    /// A grant whose signature does not verify for the sender it names.
    mutating func forgedRequests(key: SigningKey) -> [ByteString] {
        let impostor = SigningKey()
        let grant = Grant(nonce: random.next(), sessionKey: impostor.publicKey, scope: Scope(operations: ["admin"], resources: ["*"]),
                          notBefore: 0, expiresAt: UInt64.max / 2, budget: UInt64.max / 2)
        // Signed by this validator, claiming to come from nobody in particular: the
        // signature does not verify for the sender it names.
        var forged = Envelope.seal(grant, by: impostor)
        forged = Envelope(kind: .grant, sender: key.publicKey, body: forged.body, signature: forged.signature)
        return [ByteString(forged.encoded)]
    }
}
