import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// What a replica asks its shell to do with the outside world, in order.
public enum Outbound: Hashable, Sendable {
    /// Send this signed envelope to every peer.
    case broadcast([UInt8])
    /// Send this signed envelope to one peer.
    case send(to: PublicKey, [UInt8])
    /// Run a timer; when it fires, call `Replica.timeout(_:height:round:now:)`.
    case schedule(TimeoutKind, height: UInt64, round: UInt64, afterMs: UInt64)
    /// A block was applied and stored (durably): publish it, answer waiting clients. The
    /// decided block comes along for shells that record it (the simulator's history).
    case committed(CommitNotice, CommittedBlock)
}

/// What became of one envelope from a peer: the work it caused, or why it was refused.
public struct Reception: Sendable {
    public var outbound: [Outbound] = []
    /// Why the envelope was refused (bad signature, forged certificate, …), naming the peer.
    public var refusal: String?

    public init(outbound: [Outbound] = [], refusal: String? = nil) {
        self.outbound = outbound
        self.refusal = refusal
    }
}
