import Foundation
import WarrantTopology

/// Where each process of a `--netns` cluster lives: every node and every agent in a
/// network namespace of its own with its own address, joined by a veth pair to a bridge
/// in one more namespace, in which the coordinator itself runs (so it reaches every
/// endpoint, and nothing is added to the host's own network). Every name starts with
/// `wrnt-PID-`, the coordinator's process id: a later start finds what a killed
/// coordinator left by that prefix (docs/CHAOS.md).
public struct NetnsLayout: Codable, Sendable, Hashable {
    /// One process's namespace.
    public struct Host: Codable, Sendable, Hashable {
        /// The node's or agent's name in the topology.
        public var name: String
        public var namespace: String
        public var address: String
        /// Its veth end in the bridge's namespace (at most 15 characters, as Linux wants).
        public var device: String
    }

    public static let namePrefix = "wrnt-"
    /// The subnet on the bridge: .1 the coordinator, .10… nodes, .100… agents.
    public static let subnet = "10.213.0"
    static let firstAgent = 100

    /// The coordinator whose namespaces these are.
    public var owner: Int32
    /// The bridge's namespace, where the coordinator runs.
    public var bridge: String
    public var bridgeAddress: String
    public var nodes: [Host]
    public var agents: [Host]

    public var prefix: String { Self.prefix(owner: owner) }
    public var all: [Host] { nodes + agents }

    public static func prefix(owner: Int32) -> String { "\(namePrefix)\(owner)-" }

    public init(topology: Topology, owner: Int32) throws(CoordinatorError) {
        guard topology.agents.count <= 254 - Self.firstAgent else {
            throw CoordinatorError(.badInput, "--netns gives every agent an address of \(Self.subnet).\(Self.firstAgent)–254: at most \(254 - Self.firstAgent) agents; the topology has \(topology.agents.count)")
        }
        self.owner = owner
        let prefix = Self.prefix(owner: owner)
        bridge = "\(prefix)br"
        bridgeAddress = "\(Self.subnet).1"
        nodes = topology.nodes.enumerated().map { index, node in
            Host(name: node.name, namespace: "\(prefix)n\(index)", address: "\(Self.subnet).\(10 + index)", device: "vn\(index)")
        }
        agents = topology.agents.enumerated().map { index, agent in
            Host(name: agent.name, namespace: "\(prefix)a\(index)", address: "\(Self.subnet).\(Self.firstAgent + index)", device: "va\(index)")
        }
    }

    /// The namespace a child process of the coordinator runs in: node NAME, or agent
    /// `agent:NAME` (ChildProcesses' names).
    public func namespace(ofChild child: String) -> String? {
        if child.hasPrefix("agent:") { return agents.first { "agent:\($0.name)" == child }?.namespace }
        return nodes.first { $0.name == child }?.namespace
    }

    public func node(_ name: String) -> Host? { nodes.first { $0.name == name } }

    /// The owner's process id in a namespace name of this layout's form, if it is one.
    public static func owner(ofNamespace name: String) -> Int32? {
        guard name.hasPrefix(namePrefix) else { return nil }
        return Int32(name.dropFirst(namePrefix.count).prefix { $0 != "-" })
    }

    /// The topology's text with each node given its namespace's address (`host = …` on
    /// the line after its `[[nodes]]` header), for the nodes and agents to load. A node
    /// that names its own host or endpoints cannot be moved and is refused.
    public func rewrite(topologyText text: String, file: String) throws(CoordinatorError) -> String {
        var lines: [String] = []
        var index = 0
        var inNode = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") { inNode = false }
            if inNode, let key = trimmed.split(separator: "=").first?.trimmingCharacters(in: .whitespaces),
               ["host", "client", "commits", "control"].contains(key) {
                throw CoordinatorError(.badInput, "\(file): node \(nodes[index - 1].name) sets '\(key)'; under --netns every node gets its namespace's address, so a topology run this way must leave node addresses to the defaults")
            }
            lines.append(String(line))
            if trimmed.replacingOccurrences(of: " ", with: "").hasPrefix("[[nodes]]") {
                guard index < nodes.count else { throw CoordinatorError(.badInput, "\(file): more [[nodes]] tables than nodes") }
                lines.append("host = \"\(nodes[index].address)\"  # --netns: namespace \(nodes[index].namespace)")
                index += 1
                inNode = true
            }
        }
        return lines.joined(separator: "\n")
    }
}
