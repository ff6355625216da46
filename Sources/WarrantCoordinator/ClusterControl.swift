import Foundation
import WarrantCrypto
import WarrantWire

/// Fault commands to a running cluster's control endpoints, signed by the coordinator's
/// key. Nonces come from the wall clock (and increase within a process), so commands
/// from successive processes — `run`, then a script — keep increasing as nodes require.
public actor ClusterControl {
    let cluster: RunningCluster
    var nonce = UInt64(Date().timeIntervalSince1970 * 1_000)
    /// The link faults each node was told to apply since the last heal, in order: a
    /// restarted node has none of them until `reapply` sends them again.
    var linkFaults: [String: [LinkFaultSpec]] = [:]

    public init(cluster: RunningCluster) {
        self.cluster = cluster
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

    /// Blocks messages from `from` to `to` only (one way).
    public func oneWay(from: String, to: String) async -> [String] {
        await send(from, .setLinkFaults(LinkFaultSpec(peer: to, direction: .outbound, blocked: true)))
            + send(to, .setLinkFaults(LinkFaultSpec(peer: from, direction: .inbound, blocked: true)))
    }

    public func heal() async -> [String] {
        var problems: [String] = []
        for node in cluster.topology.nodes { problems += await send(node.name, .clearLinkFaults) }
        return problems
    }

    /// Latency and loss on every link of `node`.
    public func degrade(_ node: String, delayMs: UInt64, jitterMs: UInt64 = 0, dropPerMille: UInt64) async -> [String] {
        var problems: [String] = []
        for peer in cluster.topology.nodes.map(\.name) where peer != node {
            problems += await send(node, .setLinkFaults(LinkFaultSpec(peer: peer, direction: .both, dropPerMille: dropPerMille,
                                                                      delayMs: delayMs, jitterMs: jitterMs)))
        }
        return problems
    }
}
