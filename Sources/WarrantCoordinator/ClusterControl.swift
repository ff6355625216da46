import Foundation
import WarrantCrypto
import WarrantSync
import WarrantWire

/// Faults on a running cluster's links and nodes, in one of two layers. By default
/// (`process`) they are commands to the nodes' control endpoints, signed by the
/// coordinator's key, and each node's own link filter obeys them; nonces come from the
/// wall clock (and increase within a process), so commands from successive processes —
/// `run`, then a script — keep increasing as nodes require. In a `--netns` cluster
/// (`network`) cuts, partitions and loss are nftables rules in the nodes' namespaces
/// instead, which no node can ignore; delay stays in the process layer (the kernels here
/// have no `tc netem`). docs/CHAOS.md.
public actor ClusterControl {
    let cluster: RunningCluster
    var nonce = UInt64(Date().timeIntervalSince1970 * 1_000)
    /// The link filter settings each node was told to apply since the last heal, in
    /// order: a restarted node has none of them until `reapply` sends them again.
    var linkFaults: [String: [LinkFaultSpec]] = [:]
    /// The link faults in force, whichever layer applies them (the `links` readings of a
    /// run need the cuts).
    public private(set) var network: NetworkFaults
    /// Under `--netns`: the namespaces that get the rules, and the file that keeps the
    /// faults in force between hand commands.
    let layout: NetnsLayout?
    let stateFile: String

    public init(cluster: RunningCluster) {
        self.cluster = cluster
        layout = cluster.file.netns
        stateFile = Self.faultsFile(in: cluster.file.directory)
        network = (try? JSONDecoder().decode(NetworkFaults.self, from: Data(contentsOf: URL(fileURLWithPath: stateFile)))) ?? NetworkFaults()
    }

    /// The longest in-process hold-back now in force (delay plus jitter): a message the
    /// filter let through just before a cut may still be on its way this long.
    public var longestDelayMs: UInt64 {
        linkFaults.values.joined().map { $0.delayMs + $0.jitterMs }.max() ?? 0
    }

    /// Where the link faults in force are kept between hand commands.
    public static func faultsFile(in directory: String) -> String { "\(directory)/network-faults.json" }

    /// `network` when link faults are nftables rules (`--netns`), else `process`.
    public var layer: String { layout == nil ? "process" : "network" }

    /// Rewrites every node's nftables rules from `network` (one `nft` per node, all at
    /// once), adding up what the old rules dropped; keeps the faults in the cluster
    /// directory for the next hand command.
    func applyNetwork() -> [String] {
        guard let layout else { return [] }
        let scripts = layout.nodes.map { (node: $0, script: "list table inet warrant\n" + network.script(for: $0.name, layout: layout)) }
        let results = Locked([Result<String, CoordinatorError>?](repeating: nil, count: scripts.count))
        DispatchQueue.concurrentPerform(iterations: scripts.count) { index in
            let result = Result { () throws(CoordinatorError) -> String in try Netns.nft(in: scripts[index].node.namespace, scripts[index].script) }
            results.withLock { $0[index] = result }
        }
        var problems: [String] = []
        for (index, result) in results.withLock({ $0 }).enumerated() {
            switch result {
            case .success(let listing): network.droppedBefore += Netns.droppedPackets(inListing: listing)
            case .failure(let error): problems.append("\(scripts[index].node.name): \(error.message)")
            case nil: break
            }
        }
        if let data = try? JSONEncoder().encode(network) { try? data.write(to: URL(fileURLWithPath: stateFile)) }
        return problems
    }

    /// Sends one command; returns the problems (empty when obeyed).
    public func send(_ node: String, _ command: ControlCommand) async -> [String] {
        guard let entry = cluster.file.nodes.first(where: { $0.name == node }) else { return ["no node is named '\(node)'"] }
        nonce = max(nonce + 1, UInt64(Date().timeIntervalSince1970 * 1_000))
        let client = NodeClient(name: node, address: entry.control, nodeKey: cluster.keys.nodes[node])
        do throws(CoordinatorError) {
            let answer = try await client.ask(Control(nonce: nonce, command: command), signedBy: cluster.coordinator, timeout: .seconds(3))
            guard case .controlAnswer(let reply) = answer else { return ["\(node) answered a \(answer.kind.name)"] }
            switch command {
            case .setLinkFaults(let spec) where reply.ok: linkFaults[node, default: []].append(spec)
            case .clearLinkFaults where reply.ok: linkFaults[node] = nil
            default: break
            }
            return reply.ok ? [] : ["\(node): \(reply.message)"]
        } catch {
            return ["\(node): \(error.message)"]
        }
    }

    /// Cuts every link between different groups, both ways. Nodes in no group form one more.
    public func partition(_ groups: [[String]]) async -> [String] {
        network.partition(groups, all: cluster.topology.nodes.map(\.name))
        if layout != nil { return applyNetwork() }
        let named = Set(groups.flatMap { $0 })
        let rest = cluster.topology.nodes.map(\.name).filter { !named.contains($0) }
        let all = rest.isEmpty ? groups : groups + [rest]
        var problems: [String] = []
        for (i, a) in all.enumerated() {
            for (j, b) in all.enumerated() where i != j {
                for x in a { for y in b {
                    problems += await send(x, .setLinkFaults(LinkFaultSpec(peer: y, direction: .both, blocked: true)))
                } }
            }
        }
        return problems
    }

    /// Cuts every link from each of `from` to each of `to`: one way, or both ways.
    public func cut(from: [String], to: [String], oneWay: Bool) async -> [String] {
        network.cut(from: from, to: to, oneWay: oneWay)
        if layout != nil { return applyNetwork() }
        var problems: [String] = []
        for a in from {
            for b in to {
                problems += await self.oneWay(from: a, to: b)
                if !oneWay { problems += await self.oneWay(from: b, to: a) }
            }
        }
        return problems
    }

    /// Sends a restarted node the link faults it had before (a process keeps its link
    /// filter in memory), trying for up to `patience` while the node starts.
    public func reapply(to node: String, patience: Duration = .seconds(10)) async -> [String] {
        guard let specs = linkFaults[node], !specs.isEmpty else { return [] }
        let deadline = ContinuousClock.now + patience
        var problems: [String] = []
        for spec in specs {
            repeat {
                problems = await send(node, .setLinkFaults(spec))
                if problems.isEmpty { break }
                try? await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now < deadline
            if !problems.isEmpty { return problems }
        }
        linkFaults[node] = specs  // what was re-sent was appended again
        return []
    }

    /// Blocks messages from `from` to `to` only (one way), in the nodes' link filters.
    func oneWay(from: String, to: String) async -> [String] {
        await send(from, .setLinkFaults(LinkFaultSpec(peer: to, direction: .outbound, blocked: true)))
            + send(to, .setLinkFaults(LinkFaultSpec(peer: from, direction: .inbound, blocked: true)))
    }

    /// Ends every link fault in both layers; returns the problems and, under `--netns`,
    /// how many packets the network rules dropped since the last heal.
    public func heal() async -> (problems: [String], droppedPackets: UInt64?) {
        var problems: [String] = []
        var dropped: UInt64?
        let before = network
        network.heal()
        problems += applyNetwork()  // adds up what the rules in force had dropped
        if layout != nil { dropped = before.droppedBefore + network.droppedBefore }
        network.droppedBefore = 0
        for node in cluster.topology.nodes { problems += await send(node.name, .clearLinkFaults) }
        return (problems, dropped)
    }

    /// Latency and loss on every link of `node`.
    public func degrade(_ node: String, delayMs: UInt64, jitterMs: UInt64 = 0, dropPerMille: UInt64) async -> [String] {
        var problems: [String] = []
        var dropPerMille = dropPerMille
        if layout != nil {
            network.lose(node, perMille: dropPerMille)
            problems += applyNetwork()
            dropPerMille = 0
            if delayMs == 0 && jitterMs == 0 { return problems }
        }
        for peer in cluster.topology.nodes.map(\.name) where peer != node {
            problems += await send(node, .setLinkFaults(LinkFaultSpec(peer: peer, direction: .both, dropPerMille: dropPerMille,
                                                                      delayMs: delayMs, jitterMs: jitterMs)))
        }
        return problems
    }
}
