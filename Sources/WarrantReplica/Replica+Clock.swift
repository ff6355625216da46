import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantLedger
import WarrantWire

/// Rule 4's evidence at the edge: probing the other validators, answering their probes,
/// and turning their readings into what a local check is judged on.
extension Replica {
    /// A probe for every peer.
    public mutating func probeClocks(now: UInt64, monotonicMs: UInt64) -> [Outbound] {
        [.broadcast(signer.seal(quorumClock.probe(monotonicMs: monotonicMs)).encoded)]
    }

    /// A peer's probe: our applied height and wall clock, signed.
    func answer(_ probe: ClockProbe, from peer: PublicKey, now: UInt64) -> Outbound {
        .send(to: peer, signer.seal(ClockReading(nonce: probe.nonce, height: ledger.height, timeMs: now)).encoded)
    }

    /// A peer's reading of one of our probes. A peer that has applied blocks we lack is
    /// asked for them (within the catch-up throttle).
    mutating func take(_ reading: ClockReading, from peer: PublicKey, now: UInt64, monotonicMs: UInt64) -> [Outbound] {
        let outcome = quorumClock.onReading(reading, from: peer, appliedHeight: ledger.height, monotonicMs: monotonicMs)
        guard case .ahead = outcome, mayAskBlocks(from: peer, now: now) else { return [] }
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
