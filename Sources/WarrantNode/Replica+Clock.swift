import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// Rule 4's evidence at the edge: probing the other validators, answering their probes,
/// and turning their readings into what a local check is judged on.
extension Replica {
    /// How often a node probes its peers: a tenth of `maxStaleness`, between 50 ms and 1 s,
    /// so a healthy node's contact is never more than a small part of the bound old.
    public static func probeInterval(maxStalenessMs: UInt64) -> UInt64 {
        min(1_000, max(50, maxStalenessMs / 10))
    }

    /// A probe for every peer.
    public mutating func probeClocks(now: UInt64, monotonicMs: UInt64) -> [Outbound] {
        [.broadcast(Envelope.seal(quorumClock.probe(monotonicMs: monotonicMs), by: key).encoded)]
    }

    /// A peer's probe: our applied height and wall clock, signed.
    func answer(_ probe: ClockProbe, from peer: PublicKey, now: UInt64) -> Outbound {
        .send(to: peer, Envelope.seal(ClockReading(nonce: probe.nonce, height: ledger.height, timeMs: now), by: key).encoded)
    }

    /// A peer's reading of one of our probes. A peer that has applied blocks we lack is
    /// asked for them (within the catch-up throttle).
    mutating func take(_ reading: ClockReading, from peer: PublicKey, now: UInt64, monotonicMs: UInt64) -> [Outbound] {
        let outcome = quorumClock.onReading(reading, from: peer, appliedHeight: ledger.height, monotonicMs: monotonicMs)
        guard case .ahead = outcome, askedAt[peer].map({ now >= $0 + catchUpIntervalMs }) ?? true else { return [] }
        return [askBlocks(from: peer, now: now)]
    }

    /// What a local check is judged on now.
    public func readings(now: UInt64, monotonicMs: UInt64, sinceLastBlockMs: UInt64) -> ClockReadings {
        let verdict = quorumClock.verdict(monotonicMs: monotonicMs, wallMs: now)
        let readings = ClockReadings(wallClockMs: now, sinceLastBlockMs: sinceLastBlockMs, sinceQuorumMs: verdict.sinceQuorumMs,
                                     clockVouched: verdict.clockVouched, clockOffsetMs: verdict.clockOffsetMs)
        guard sabotage.contains(.trustOwnBlockTimes) else { return readings }
        return readings.judgedByLastBlock(timeMs: ledger.lastBlockTimeMs, maxClockSkewMs: genesis.parameters.maxClockSkewMs)
    }
}
