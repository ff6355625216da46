import ArgumentParser
import Foundation
import WarrantAgent
import WarrantCrypto
import WarrantTransport
import WarrantTopology

/// `warrant-agent --topology FILE --id NAME …`: one autonomous agent.
@main
struct WarrantAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant-agent",
        abstract: "Run one Warrant agent from a topology file: get a session, act under it, renew, misbehave as told.",
        discussion: "Usually started by `warrant-coordinator run`, which plays the agents' principals on --principal.")

    @Option(help: "The topology file.")
    var topology: String
    @Option(help: "This agent's name in the topology.")
    var id: String
    @Option(help: "Directory of key files (NAME.key for this agent, NAME.pub for the one it delegates to).")
    var keys: String = "keys"
    @Option(help: "The principal endpoint (the coordinator's), which signs session requests.")
    var principal: String
    @Option(help: "Where to write this agent's history (JSON lines).")
    var history: String
    @Option(help: "The run's start, ms since the epoch (history times count from it).")
    var epochMs: UInt64 = UInt64(Date().timeIntervalSince1970 * 1_000)
    @Option(help: "How long to act, ms after the run's start (default: the topology's workload duration).")
    var durationMs: UInt64?
    @Option(help: "Seed for the agent's choices (default: the topology's workload seed).")
    var seed: UInt64?
    @Option(help: "Exit when this file descriptor reaches end of file (the parent's watchdog pipe).")
    var watchdogFd: Int32?

    func run() async throws {
        if let watchdogFd { Watchdog.exitOnEndOfFile(watchdogFd) }
        let loaded: Topology
        let key: SigningKey
        var delegateKey: PublicKey?
        do {
            loaded = try Topology.load(topology)
            key = try KeyFile.readSecret(at: "\(keys)/\(id).key")
            guard let spec = loaded.agent(named: id) else { throw ValidationError("\(topology): no agent is named '\(id)'") }
            if let other = spec.delegateTo { delegateKey = try KeyFile.readPublic(at: "\(keys)/\(other).pub") }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
        let spec = loaded.agent(named: id)!
        let runtime = try AgentRuntime(
            spec: spec, key: key,
            endpoints: AgentEndpoints(nodes: loaded.nodes.map { ($0.name, $0.client) }, principal: principal),
            delegateKey: delegateKey, historyPath: history, epochMs: epochMs, requestTimeoutMs: loaded.cluster.requestTimeoutMs,
            seed: seed ?? loaded.workload.seed)
        if spec.exec != nil {
            // Every other agent's public key, for the program's delegations.
            let others = loaded.agents.map(\.name).filter { $0 != id }
            let keys = Dictionary(uniqueKeysWithValues: others.compactMap { name in
                (try? KeyFile.readPublic(at: "\(self.keys)/\(name).pub")).map { (name, $0) }
            })
            await runtime.runProgram(untilMs: durationMs ?? loaded.workload.durationMs, agentKeys: keys)
        } else {
            await runtime.run(untilMs: durationMs ?? loaded.workload.durationMs)
        }
    }
}
