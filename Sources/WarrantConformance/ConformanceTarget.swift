import Foundation
import WarrantCoordinator
import WarrantCrypto
import WarrantLedger
import WarrantTopology

/// What a client conformance run talks to: the client endpoints of the implementation
/// under test, the keys it may sign with (a principal of the genesis, and the key that
/// signs queries) and the parameters the rules depend on. Nothing here is Warrant's own
/// node: any implementation of docs/PROTOCOL.md can be the target.
public struct ConformanceTarget: Sendable {
    /// The client endpoints; cases that must see every node ask each of them.
    public var nodes: [NodeClient]
    /// A principal of the genesis: its name, key and the patterns it owns.
    public var principal: (name: String, key: SigningKey, owns: [ResourcePattern])
    /// Signs status and session queries (any key the nodes answer).
    public var queryKey: SigningKey
    public var ledger: LedgerParameters
    public var maxMessageBytes: Int
    /// Signed control commands (cut a node off, skew its clock), when the runner holds the
    /// cluster's coordinator key: the cases for `stale` and `clock_skew` need them.
    public var control: ClusterControl?

    /// A cluster started by `warrant-coordinator up` (its directory holds cluster.json).
    public static func cluster(directory: String) throws -> ConformanceTarget {
        let running = try RunningCluster.open(directory: directory)
        return try ConformanceTarget(topology: running.topology, keys: running.file.keys, nodes: running.clients,
                                     queryKey: running.coordinator, control: ClusterControl(cluster: running))
    }

    /// Any implementation's client endpoint (`tcp://host:port`), with the keys directory
    /// and topology its genesis was made from. Answers are accepted from any signer.
    public static func endpoint(_ address: String, keys: String, topology path: String) throws -> ConformanceTarget {
        let topology = try Topology.load(path)
        let queryKey = try KeyFile.readSecret(at: "\(keys)/coordinator.key")
        return try ConformanceTarget(topology: topology, keys: keys, nodes: [NodeClient(name: address, address: address, nodeKey: nil)],
                                     queryKey: queryKey, control: nil)
    }

    init(topology: Topology, keys: String, nodes: [NodeClient], queryKey: SigningKey, control: ClusterControl?) throws {
        guard let spec = topology.principals.first(where: { $0.owns.contains { $0.text.hasSuffix("/*") } }) ?? topology.principals.first else {
            throw CoordinatorError(.badFile, "\(topology.file): the conformance suite needs a principal; the topology has none")
        }
        principal = (spec.name, try KeyFile.readSecret(at: "\(keys)/\(spec.name).key"), spec.owns)
        self.nodes = nodes
        self.queryKey = queryKey
        ledger = topology.cluster.ledger
        maxMessageBytes = topology.cluster.maxMessageBytes
        self.control = control
    }

    /// A resource the principal owns, unique to `label`.
    func ownedResource(_ label: String) -> String {
        let pattern = principal.owns.first { $0.text.hasSuffix("/*") } ?? principal.owns[0]
        return pattern.text.hasSuffix("/*") ? String(pattern.text.dropLast()) + "conform-\(label)" : pattern.text
    }

    /// The pattern that covers `ownedResource` for every label.
    var ownedPattern: String {
        (principal.owns.first { $0.text.hasSuffix("/*") } ?? principal.owns[0]).text
    }
}
