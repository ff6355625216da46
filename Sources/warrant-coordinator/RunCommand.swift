import ArgumentParser
import Foundation
import WarrantCheck
import WarrantCoordinator
import WarrantCrypto
import WarrantStorage
import WarrantTopology
import WarrantTransport
import WarrantWire

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Launch a topology, run its agents and fault schedule, record the history and judge it.",
        discussion: """
            Writes OUT/history.jsonl (docs/HISTORY.md), OUT/summary.json and OUT/cluster.json; \
            node logs and databases stay under OUT/nodes/NAME/, agent logs and histories under \
            OUT/agents/NAME/. Exits 0 only when every check passes.
            """)

    @Argument(help: "The topology file.")
    var topology: String

    @Option(help: "Output directory (default: runs/NAME-TIME).")
    var out: String?

    @Option(help: "Seed for the agents' choices and any nemesis schedule (default: the topology's seeds).")
    var seed: UInt64?

    @Option(help: "Log level of the nodes.")
    var logLevel: String = "info"

    func run() async throws {
        let loaded: Topology
        do {
            loaded = try Topology.load(topology, seed: seed)
        } catch {
            throw CommandFailure("\(error)")
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let dir = URL(fileURLWithPath: out ?? "runs/\(loaded.cluster.name)-\(stamp)").standardizedFileURL.path
        if FileManager.default.fileExists(atPath: "\(dir)/history.jsonl") {
            throw CommandFailure("\(dir) already holds a run; choose another --out")
        }
        let children = ChildProcesses()
        Watchdog.dieOnSignals()  // the children follow through their watchdog pipes
        do {
            let verdict = try await execute(loaded, dir: dir, children: children)
            if !verdict.passed { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // A runtime failure (a port in use, a node that died at start): said plainly,
            // without the usage text a mistyped option gets.
            children.stopAll()
            throw CommandFailure("\(error)")
        }
    }

    func execute(_ topology: Topology, dir: String, children: ChildProcesses) async throws -> Verdict {
        for warning in topology.warnings { say("warning: \(warning)") }
        say("run: \(topology.cluster.name), \(topology.nodes.count) nodes, \(topology.agents.count) agents, \(topology.faults.count) faults, \(topology.workload.durationMs / 1_000) s; files in \(dir)")
        let launched = try await launch(topology: topology.file, into: dir, logLevel: logLevel, children: children)
        let cluster = launched.running
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

        let verdict = RunRecord.judge(events, topology: topology, keys: cluster.keys, durationS: durationS)
        try RunRecord.writeSummary(verdict, to: dir)
        say("")
        say(verdict.table)
        say("")
        say("history \(dir)/history.jsonl · summary \(dir)/summary.json · node logs and databases \(dir)/nodes/")
        return verdict
    }
}
