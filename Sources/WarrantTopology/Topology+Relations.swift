import WarrantConsensus

extension Topology {
    /// The relations between parameters that the protocol needs (docs/TOPOLOGY.md,
    /// "Parameter relations"); each violation names the key to change.
    func checkRelations(_ f: TOMLFields) throws(TopologyError) {
        let c = cluster.consensus, staleness = cluster.ledger.maxStalenessMs
        // An idle cluster commits one block per heartbeat: local checks must never find a
        // healthy cluster stale between two of them.
        guard c.heartbeatIntervalMs * 2 <= staleness else {
            throw f.error(.relation, "heartbeat_interval_ms", "\(c.heartbeatIntervalMs) ms must be at most half of max_staleness_ms (\(staleness) ms), or a healthy idle cluster looks stale")
        }
        // One round-0 height (propose, prevote, precommit) must fit well within staleness.
        let round0 = c.timeoutProposeMs + c.timeoutPrevoteMs + c.timeoutPrecommitMs
        guard round0 * 2 <= staleness else {
            throw f.error(.relation, "timeout_propose_ms", "the round-0 timeouts add up to \(round0) ms; they must be at most half of max_staleness_ms (\(staleness) ms)")
        }
        // Lost votes come back within a round.
        guard c.rebroadcastIntervalMs < c.timeoutPrevoteMs + c.timeoutPrecommitMs else {
            throw f.error(.relation, "rebroadcast_interval_ms", "\(c.rebroadcastIntervalMs) ms must be below timeout_prevote_ms + timeout_precommit_ms (\(c.timeoutPrevoteMs + c.timeoutPrecommitMs) ms)")
        }
        // A session shorter than the skew margin is denied by every local check for its whole life.
        for (index, agent) in agents.enumerated() where agent.session.ttlMs <= cluster.ledger.maxClockSkewMs {
            throw TopologyError(.relation, file: file, key: "agents[\(index)].ttl_ms",
                                "\(agent.session.ttlMs) ms is not above max_clock_skew_ms (\(cluster.ledger.maxClockSkewMs) ms): local checks would deny the session all its life")
        }
        for (index, fault) in faults.enumerated() where fault.atMs > workload.durationMs {
            throw TopologyError(.relation, file: file, key: "faults[\(index)].at_ms",
                                "\(fault.atMs) ms is after the workload ends (duration_ms = \(workload.durationMs))")
        }
    }
}
