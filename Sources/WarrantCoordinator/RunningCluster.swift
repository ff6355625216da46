import Foundation
import WarrantCrypto
import WarrantTopology
import WarrantWire

/// A running cluster as the hand commands see it: its cluster.json, topology and keys,
/// and a verified client for every node.
public struct RunningCluster: Sendable {
    public let file: ClusterFile
    public let topology: Topology
    public let keys: ClusterKeys
    public let coordinator: SigningKey
    public let clients: [NodeClient]

    public init(directory: String) throws(CoordinatorError) {
        try self.init(file: ClusterFile.read(from: directory))
    }

    /// The cluster a cluster file describes (before it is written, for the launcher).
    public init(file: ClusterFile) throws(CoordinatorError) {
        self.file = file
        do {
            topology = try Topology.load(file.topology)
            keys = try ClusterKeys(directory: file.keys, topology: topology)
            coordinator = try KeyFile.readSecret(at: file.coordinatorKey)
        } catch {
            throw CoordinatorError(.badFile, "\(error)")
        }
        let keys = self.keys
        clients = file.nodes.map { NodeClient(name: $0.name, address: $0.client, nodeKey: keys.nodes[$0.name]) }
    }

    public func client(_ name: String) throws(CoordinatorError) -> NodeClient {
        guard let client = clients.first(where: { $0.name == name }) else {
            throw CoordinatorError(.badFile, "no node is named '\(name)' in \(ClusterFile.path(in: file.topology))")
        }
        return client
    }

    /// Every node's status, asked of the nodes themselves (nil with the reason for a node
    /// that did not answer).
    public func statuses(timeout: Duration = .seconds(3)) async -> [(node: String, status: NodeStatus?, problem: String?)] {
        await withTaskGroup(of: (Int, NodeStatus?, String?).self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask { [coordinator] in
                    do throws(CoordinatorError) {
                        let answer = try await client.ask(StatusQuery(), signedBy: coordinator, timeout: timeout)
                        guard case .nodeStatus(let status) = answer else { return (index, nil, "answered a \(answer.kind.name)") }
                        return (index, status, nil)
                    } catch {
                        return (index, nil, error.message)
                    }
                }
            }
            var results = Array(repeating: (node: "", status: NodeStatus?.none, problem: String?.none), count: clients.count)
            for await (index, status, problem) in group { results[index] = (clients[index].name, status, problem) }
            return results
        }
    }

    /// Sends an ordered request to `preferred` (or the first node), failing over to the
    /// next node when one does not answer. Resending the same bytes is safe: a node
    /// answers it with the original result.
    public func order(_ bytes: [UInt8], preferred: String? = nil, timeout: Duration = .seconds(15)) async throws(CoordinatorError) -> (node: String, answer: Message) {
        var order = clients
        if let preferred, let index = order.firstIndex(where: { $0.name == preferred }) { order.insert(order.remove(at: index), at: 0) }
        var problems: [String] = []
        for client in order {
            do {
                return (client.name, try await client.send(bytes, timeout: timeout))
            } catch {
                problems.append(error.message)
            }
        }
        throw CoordinatorError(.unreachable, "no node answered: \(problems.joined(separator: "; "))")
    }
}
