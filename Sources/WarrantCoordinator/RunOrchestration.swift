import Foundation
import WarrantCheck
import WarrantHistory
import WarrantTopology
import WarrantTransport

/// `warrant-coordinator run`: one whole run on real processes.
public enum RunOrchestration {
    /// `run`: the topology in `file` into `out` (default `runs/NAME-TIME`), which must not
    /// hold a run yet. On a failure to run (a port in use, a node that died at start) every
    /// child is stopped; a signal to this process ends them through their watchdog pipes.
    ///
    /// With `netns`, every node and agent runs in a network namespace of its own and link
    /// faults are nftables rules (the process restarts inside the bridge's namespace
    /// first: `NetnsLaunch`); the namespaces are removed when the run ends, and by the
    /// reaper if this process is killed.
    public static func run(file: String, out: String?, logLevel: String, seed: UInt64?, netns: Bool = false,
                           say: @escaping @Sendable (String) -> Void) async throws -> Verdict {
        var topology = try Topology.load(file, seed: seed)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        var dir = URL(fileURLWithPath: out ?? "runs/\(topology.cluster.name)-\(stamp)").standardizedFileURL.path
        if netns { dir = NetnsLaunch.directory(default: dir) }
        if FileManager.default.fileExists(atPath: "\(dir)/history.jsonl") {
            throw CoordinatorError(.badInput, "\(dir) already holds a run; choose another --out")
        }
        var layout: NetnsLayout?
        if netns {
            let prepared = try NetnsLaunch.prepare(topology: topology, dir: dir, say: say)
            topology = try Topology.load(prepared.topology, seed: seed)
            layout = prepared.layout
        }
        let children = ChildProcesses(netns: layout)
        Watchdog.dieOnSignals()
        defer {
            if let layout { say("netns: removed \(Netns.remove(owner: layout.owner).count) namespaces") }
            DiskFaults.unmountAll()
        }
        do {
            return try await run(topology, dir: dir, logLevel: logLevel, seed: seed, children: children, say: say)
        } catch {
            children.stopAll()
            throw error
        }
    }

    /// Launches `topology` into `dir`, starts the probes, principals and agents, plays the
    /// fault schedule (requests beside it), stops everything, assembles and judges the
    /// history, and writes the summary. `say` gets each line of the story as it happens.
    public static func run(_ topology: Topology, dir: String, logLevel: String, seed: UInt64?, children: ChildProcesses,
                           say: @escaping @Sendable (String) -> Void) async throws -> Verdict {
        for warning in topology.warnings { say("warning: \(warning)") }
        say("run: \(topology.cluster.name), \(topology.nodes.count) nodes, \(topology.agents.count) agents, \(topology.faults.count) faults, \(topology.workload.durationMs / 1_000) s; files in \(dir)")
        let launched = try await launch(topology: topology.file, into: dir, logLevel: logLevel, children: children)
        let cluster = launched.running
        let metrics = launched.file.nodes.compactMap { node in node.metrics.map { "\(node.name) \($0)" } }
        if !metrics.isEmpty { say("metrics: " + metrics.joined(separator: "  ")) }
        let history = RunHistory(epochMs: UInt64(Date().timeIntervalSince1970 * 1_000))
        history.record(HistoryEvent(time: 0, kind: .start, epochMs: history.epochMs))
        let recorder = try CommitRecorder(cluster: cluster, history: history)
        let principal = try PrincipalService(topology: topology, keys: cluster.keys,
                                             address: LocalEndpoint.address(directory: dir, name: "principal"))
        await principal.start()
        let prober = Prober(cluster: cluster, principal: principal, history: history, spec: topology.probes)
        await prober.start()
        let faults = FaultInjector(cluster: cluster, children: children, principal: principal, history: history,
                                   restartNode: launched.restart)

        let agents = try startAgents(topology, dir: dir, keys: cluster.file.keys, epochMs: history.epochMs,
                                     seed: seed ?? topology.workload.seed, durationMs: nil, children: children)
        var file = launched.file
        file.agents = agents
        try file.write(to: dir)

        // The fault schedule, then the end of the workload. Requests (revoke, revoke-all)
        // run beside it: one that cannot commit must not hold back the faults after it.
        var requests: [Task<Void, Never>] = []
        for fault in topology.faults {
            let wait = Int64(fault.atMs) - Int64(history.now)
            if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
            if fault.kind.isRequest {
                let started = Double(history.now) / 1_000
                requests.append(Task {
                    let line = await faults.apply(fault)
                    say(String(format: "%6.1f s  %@ (answered at %.1f s)", started, line, Double(history.now) / 1_000))
                })
            } else {
                say(String(format: "%6.1f s  %@", Double(history.now) / 1_000, await faults.apply(fault)))
            }
        }
        let remaining = Int64(topology.workload.durationMs) - Int64(history.now)
        if remaining > 0 { try await Task.sleep(for: .milliseconds(remaining)) }
        for agent in topology.agents { children.signal("agent:\(agent.name)", SIGTERM) }
        for request in requests { await request.value }
        await prober.stop()
        await faults.readLinks("end")
        try await Task.sleep(for: .seconds(2))  // the last blocks reach the commit streams
        let heights = await cluster.statuses().compactMap(\.status).map(\.height)
        say(String(format: "%6.1f s  workload over; heights %@", Double(history.now) / 1_000, heights.map(String.init).joined(separator: ", ")))
        recorder.stop()
        await principal.stop()
        let durationS = Double(history.now) / 1_000
        children.stopAll()

        // The history: the coordinator's events, the agents', and every committed block's content.
        let events = RunRecord.assemble(coordinator: history.all, topology: topology, dir: dir, nodes: file.nodes, endedAt: history.now)
        try RunRecord.writeHistory(events, to: "\(dir)/history.jsonl")

        let judged = RunRecord.judgement(events, topology: topology, keys: cluster.keys, durationS: durationS)
        let verdict = judged.verdict
        try RunRecord.writeSummary(verdict, to: dir)
        let report = try RunRecord.writeReport(events, judged: judged, topology: topology, keys: cluster.keys, to: dir)
        say("")
        say(verdict.table)
        say("")
        say("history \(dir)/history.jsonl · summary \(dir)/summary.json · picture \(report) · node logs and databases \(dir)/nodes/")
        return verdict
    }
}
