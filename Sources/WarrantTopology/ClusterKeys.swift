import Foundation
import WarrantCrypto
import WarrantLedger

/// The public keys of everyone a topology names — nodes, principals, agents and the
/// coordinator — read from a keys directory of `NAME.pub` files (and `NAME.key` for the
/// secret keys one process holds). `warrant-coordinator keygen --topology` writes them.
public struct ClusterKeys: Sendable {
    public static let coordinatorName = "coordinator"

    public let directory: String
    public let nodes: [String: PublicKey]
    public let principals: [String: PublicKey]
    public let agents: [String: PublicKey]
    public let coordinator: PublicKey
    /// Nodes that sign with another node's key.
    public let twins: Set<String>

    /// Reads every public key the topology needs; a missing or broken file is named.
    public init(directory: String, topology: Topology) throws(CryptoError) {
        self.directory = directory
        func read(_ name: String) throws(CryptoError) -> PublicKey { try KeyFile.readPublic(at: "\(directory)/\(name).pub") }
        var nodes: [String: PublicKey] = [:], principals: [String: PublicKey] = [:], agents: [String: PublicKey] = [:]
        for node in topology.nodes { nodes[node.name] = try read(node.twinOf ?? node.name) }
        for principal in topology.principals { principals[principal.name] = try read(principal.name) }
        for agent in topology.agents { agents[agent.name] = try read(agent.name) }
        self.nodes = nodes
        self.principals = principals
        self.agents = agents
        coordinator = try read(Self.coordinatorName)
        twins = Set(topology.nodes.filter { $0.twinOf != nil }.map(\.name))
    }

    /// The secret key of `name`.
    public func secret(_ name: String) throws(CryptoError) -> SigningKey {
        try KeyFile.readSecret(at: "\(directory)/\(name).key")
    }

    /// Writes a key pair for every name in the topology (and the coordinator) that has
    /// none yet; returns the names it created.
    @discardableResult
    public static func generate(for topology: Topology, into directory: String) throws(CryptoError) -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CryptoError(.fileUnreadable, "\(directory): cannot create the keys directory: \(error.localizedDescription)")
        }
        var created: [String] = []
        let names = topology.validators.map(\.name) + topology.principals.map(\.name) + topology.agents.map(\.name) + [coordinatorName]
        for name in names where !FileManager.default.fileExists(atPath: "\(directory)/\(name).key") {
            let key = SigningKey()
            try KeyFile.writeSecret(key, to: "\(directory)/\(name).key")
            try KeyFile.writePublic(key.publicKey, to: "\(directory)/\(name).pub")
            created.append(name)
        }
        return created
    }

    /// What every node starts from: the principals with their keys and resources, and
    /// the ledger parameters of the topology.
    public func genesis(_ topology: Topology) -> Genesis {
        Genesis(principals: topology.principals.map { Principal(name: $0.name, key: principals[$0.name]!, owns: $0.owns) },
                parameters: topology.cluster.ledger)
    }

    /// The node named by a validator key (the validator itself, not its twin).
    public func nodeName(of key: PublicKey) -> String? {
        nodes.first { $0.value == key && !twins.contains($0.key) }?.key
    }
}
