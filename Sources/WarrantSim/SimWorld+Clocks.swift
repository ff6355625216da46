import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantHistory
import WarrantLedger
import WarrantReplica
import WarrantWire

/// The simulated world: rule 4. Every node's replica probes its peers' clocks and heights
/// on a timer, as on a real node; local checks ("may this key do this now?") are asked
/// of honest nodes at random instants and recorded as `probe` events, which the same
/// checkers as in real runs judge (expiry, fail_closed, revocation). Clock traffic and
/// the checks draw from their own random stream.
extension SimWorld {
    /// How often a node probes: as on real nodes.
    var probeIntervalMs: UInt64 { QuorumClock.probeInterval(maxStalenessMs: genesis.parameters.maxStalenessMs) }

    mutating func probeClocks(_ index: Int) {
        step(index) { replica, wall, monotonic in replica.probeClocks(now: wall, monotonicMs: monotonic) }
        schedule(at: now + probeIntervalMs, .clockProbe(node: index, incarnation: nodes[index].incarnation))
    }

    /// What node `index` judges a local check on now, as a real node's shell computes it.
    func readings(_ index: Int) -> ClockReadings {
        nodes[index].replica.readings(now: localNow(index), monotonicMs: now, sinceLastBlockMs: now - nodes[index].appliedAt)
    }

    /// A local check of a random honest, running node about a session the workload made
    /// (mostly recent ones, some long expired or revoked), recorded as a `probe`.
    mutating func localCheck() {
        schedule(at: now + 50 + clockRandom.next() % 150, .localCheck)
        let candidates = nodes.indices.filter { isHonest($0) && !nodes[$0].crashed }
        guard !candidates.isEmpty, !workload.grants.isEmpty else { return }
        let index = candidates[Int(clockRandom.next() % UInt64(candidates.count))]
        let grants = workload.grants
        let pick = clockRandom.next() % 3 == 0 ? Int(clockRandom.next() % UInt64(grants.count))
            : grants.count - 1 - Int(clockRandom.next() % UInt64(min(grants.count, 8)))
        let target = grants[pick]
        let question = Check(sessionKey: target.key, operation: "read", resource: "files/a/1", amount: 1, session: target.id)
        let answer = nodes[index].replica.ledger.check(question, readings: readings(index))
        if answer.reason == .clockSkew { coverage.reached(.clockSkewDenial) }
        if answer.reason == .stale, target.grant.expiresAt <= localNow(index) { coverage.reached(.expiryWhileCutOff) }
        history.append(HistoryEvent(time: now - Self.t0, kind: .probe, node: nodes[index].name,
                                    outcome: answer.allowed ? "allow" : "deny", reason: answer.reason?.name, height: answer.height,
                                    session: target.id.hex, receivedAt: now - Self.t0, wallClockMs: answer.wallClockMs,
                                    sinceLastBlockMs: answer.sinceLastBlockMs))
    }

    /// Runs `body` with the clock stream standing in for the consensus one.
    mutating func usingClockRandom(_ body: (inout SimWorld) -> Void) {
        swap(&random, &clockRandom)
        body(&self)
        swap(&random, &clockRandom)
    }
}
