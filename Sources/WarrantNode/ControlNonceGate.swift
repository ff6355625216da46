import WarrantWire

/// Which control nonces a node obeys. Nonces are milliseconds since the epoch on the
/// coordinator's clock; a command is obeyed only when its nonce is
///
/// 1. above the last one this node accepted (kept in its database), and
/// 2. above the moment this process started — so a command recorded before a restart is
///    refused even when the database that remembered its nonce was lost (a damaged
///    database restored from the peers) or could not be written (a node halted on a full
///    disk keeps the nonce only in memory), and
/// 3. at most a day ahead of the node's clock: one far ahead would lock every later
///    command out for good.
///
/// Checked in that order; the first that fails is the answer.
public struct ControlNonceGate: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        case obey
        /// Not above `floor`: the last nonce accepted, or when this process started.
        case replayed(floor: UInt64, sinceStart: Bool)
        /// More than a day ahead of the node's clock (`nowMs`).
        case tooFarAhead(nowMs: UInt64)
    }

    /// The last nonce accepted, by this process or (read from the database) an earlier one.
    public private(set) var lastAccepted: UInt64
    /// When this process started, on its unskewed wall clock (ms since the epoch).
    public let startedAtMs: UInt64

    public init(lastAccepted: UInt64, startedAtMs: UInt64) {
        self.lastAccepted = lastAccepted
        self.startedAtMs = startedAtMs
    }

    /// Judges `nonce` against the node's clock now (`nowMs`, skew included) and, when it
    /// is obeyed, remembers it.
    public mutating func admit(_ nonce: UInt64, nowMs: UInt64) -> Verdict {
        let floor = max(lastAccepted, startedAtMs)
        guard nonce > floor else { return .replayed(floor: floor, sinceStart: startedAtMs > lastAccepted) }
        guard nonce <= nowMs &+ UInt64(ControlCommand.maxClockOffsetMs) else { return .tooFarAhead(nowMs: nowMs) }
        lastAccepted = nonce
        return .obey
    }
}
