import WarrantCrypto
import WarrantWire

/// Proposals and votes for the next height that arrive while this validator is still
/// deciding the current one. A validator a few milliseconds behind its peers would
/// otherwise drop the next height's proposal and votes and sit out that height until the
/// rebroadcast interval brings them again (measured on four nodes under load: one block
/// in twenty waited 500 ms for that). The paper assumes gossip delivers every message
/// eventually; keeping these and replaying them once the height starts is how that holds
/// without a round trip.
///
/// Bounded per sender, so a Byzantine validator flooding the next height crowds out only
/// itself; past the bound new messages are dropped (the rebroadcast still brings them).
/// The edge verified every signature before anything is kept here.
struct EarlyMessages: Hashable, Sendable {
    enum Message: Hashable, Sendable {
        case proposal(Proposal, from: PublicKey, signaturesValid: Bool)
        case vote(SignedVote)

        var height: UInt64 {
            switch self {
            case .proposal(let proposal, _, _): proposal.height
            case .vote(let vote): vote.height
            }
        }
    }

    /// Enough for a proposal and both votes in two rounds.
    static let perSender = 6
    private var kept: [PublicKey: [Message]] = [:]

    var isEmpty: Bool { kept.isEmpty }

    /// Keeps a message from `sender`; false when the sender's share is full.
    mutating func keep(_ message: Message, from sender: PublicKey) -> Bool {
        guard kept[sender, default: []].count < Self.perSender, !kept[sender, default: []].contains(message) else { return false }
        kept[sender, default: []].append(message)
        return true
    }

    /// Everything kept for `height`, senders in key order and each sender's in arrival
    /// order (so replay is deterministic); the rest is discarded.
    mutating func take(height: UInt64) -> [Message] {
        defer { kept = [:] }
        return kept.keys.sorted().flatMap { kept[$0]!.filter { $0.height == height } }
    }
}
