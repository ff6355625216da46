import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// The simulated world: rule 4. Every node probes its peers' clocks and heights on a
/// timer and keeps a `QuorumClock`, as a real node does; local checks ("may this key do
/// this now?") are asked of honest nodes at random instants and recorded as `probe`
/// events, which the same checkers as in real runs judge (expiry, fail_closed,
/// revocation). Clock traffic and the checks draw from their own random stream, so they
/// leave the consensus schedule of a seed as it was.
extension SimWorld {
    /// How often a node probes: as on real nodes.
    var probeIntervalMs: UInt64 { QuorumClock.probeInterval(maxStalenessMs: genesis.parameters.maxStalenessMs) }

    static func freshQuorumClock(_ validators: ValidatorSet, _ key: PublicKey, _ genesis: Genesis, nonceSeed: UInt64,
                                 trustStart: Bool = false, now: UInt64 = 0, wall: UInt64 = 0) -> QuorumClock {
        QuorumClock(validators: validators, me: key, maxStalenessMs: genesis.parameters.maxStalenessMs,
                    maxClockSkewMs: genesis.parameters.maxClockSkewMs, nonceSeed: nonceSeed, trustStart: trustStart,
                    startMonotonicMs: now, startWallMs: wall)
    }

    /// A node (re)starts its rule-4 evidence: nothing heard before counts — unless
    /// sabotaged to trust its start.
    mutating func resetQuorumClock(_ index: Int) {
        let trust = isHonest(index) && options.sabotage == .resetStalenessOnRestart
        nodes[index].quorumClock = Self.freshQuorumClock(validators, validatorKeys[nodes[index].validator], genesis,
                                                         nonceSeed: clockRandom.next(), trustStart: trust, now: now,
                                                         wall: localNow(index))
        nodes[index].appliedAt = now
        schedule(at: now + 1 + clockRandom.next() % probeIntervalMs, .clockProbe(node: index, incarnation: nodes[index].incarnation))
    }

    mutating func probeClocks(_ index: Int) {
        let probe = nodes[index].quorumClock.probe(monotonicMs: now)
        for peer in nodes.indices where peer != index { send(from: index, to: peer, .clockProbe(probe)) }
        schedule(at: now + probeIntervalMs, .clockProbe(node: index, incarnation: nodes[index].incarnation))
    }

    /// A probe from `from` arrives at `to`: the reading goes back. A Byzantine validator
    /// answers what helps a faulty node most: the prober's own clock (so a skewed node
    /// looks vouched for) and height 0 (so a node that fell behind looks current).
    mutating func answerProbe(_ probe: ClockProbe, from: Int, to: Int) {
        let reading = isHonest(to)
            ? ClockReading(nonce: probe.nonce, height: nodes[to].ledger.height, timeMs: localNow(to))
            : ClockReading(nonce: probe.nonce, height: 0, timeMs: localNow(from))
        send(from: to, to: from, .clockReading(reading))
    }

    mutating func takeReading(_ reading: ClockReading, from: Int, to: Int) {
        let outcome = nodes[to].quorumClock.onReading(reading, from: validatorKeys[nodes[from].validator],
                                                      appliedHeight: nodes[to].ledger.height, monotonicMs: now)
        if case .ahead = outcome, now >= (nodes[to].askedAt[from] ?? 0) + 200 {
            nodes[to].askedAt[from] = now
            usingClockRandom { $0.askForBlocks(to, from: from) }
        }
    }

    /// What node `index` judges a local check on now, as a real node's shell computes it.
    func readings(_ index: Int) -> ClockReadings {
        let verdict = nodes[index].quorumClock.verdict(monotonicMs: now, wallMs: localNow(index))
        let readings = ClockReadings(wallClockMs: localNow(index), sinceLastBlockMs: now - nodes[index].appliedAt,
                                     sinceQuorumMs: verdict.sinceQuorumMs, clockVouched: verdict.clockVouched,
                                     clockOffsetMs: verdict.clockOffsetMs)
        guard isHonest(index), options.sabotage == .trustOwnBlockTimes else { return readings }
        return readings.judgedByLastBlock(timeMs: nodes[index].ledger.lastBlockTimeMs, maxClockSkewMs: genesis.parameters.maxClockSkewMs)
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
        let answer = nodes[index].ledger.check(question, readings: readings(index))
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
