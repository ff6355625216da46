import Foundation

/// `DIR/cluster.json`, written by `warrant-coordinator up` and `run`: where every node
/// and agent of a running cluster is, so the hand commands (`grant`, `status`, …) and
/// scripts can reach them.
public struct ClusterFile: Codable, Sendable {
    public struct Node: Codable, Sendable {
        public var name: String
        public var pid: Int32
        public var client: String
        /// The first peer-link port of the node (links use the node's port block).
        public var peer: String
        public var commits: String
        public var control: String
        public var data: String
        /// The node's Prometheus endpoint (`http://HOST:PORT/metrics`); absent when off.
        public var metrics: String?
        /// The node's database when it is not `data/node.sqlite`: on a filesystem of its own
        /// (`disk_mb`), `data/disk/node.sqlite`.
        public var database: String?
        public var databasePath: String { database ?? "\(data)/node.sqlite" }

        public init(name: String, pid: Int32, client: String, peer: String, commits: String, control: String, data: String,
                    metrics: String? = nil, database: String? = nil) {
            self.metrics = metrics
            self.database = database
            self.name = name
            self.pid = pid
            self.client = client
            self.peer = peer
            self.commits = commits
            self.control = control
            self.data = data
        }
    }

    public struct Agent: Codable, Sendable {
        public var name: String
        public var pid: Int32

        public init(name: String, pid: Int32) {
            self.name = name
            self.pid = pid
        }
    }

    public var nodes: [Node]
    public var agents: [Agent]
    /// Path of the coordinator's secret key file.
    public var coordinatorKey: String
    public var topology: String
    /// Directory of every key file.
    public var keys: String
    /// Under `--netns`: every process's namespace and address; the coordinator and the
    /// hand commands run in `netns.bridge`.
    public var netns: NetnsLayout?

    /// The cluster directory (where the keys directory is).
    public var directory: String { URL(fileURLWithPath: keys).deletingLastPathComponent().path }

    enum CodingKeys: String, CodingKey {
        case nodes, agents, topology, keys, netns
        case coordinatorKey = "coordinator_key"
    }

    public init(nodes: [Node], agents: [Agent], coordinatorKey: String, topology: String, keys: String, netns: NetnsLayout? = nil) {
        self.netns = netns
        self.nodes = nodes
        self.agents = agents
        self.coordinatorKey = coordinatorKey
        self.topology = topology
        self.keys = keys
    }

    public static func path(in directory: String) -> String { "\(directory)/cluster.json" }

    public static func read(from directory: String) throws(CoordinatorError) -> ClusterFile {
        let path = path(in: directory)
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(ClusterFile.self, from: data)
        } catch {
            throw CoordinatorError(.badFile, "\(path): \(error.localizedDescription) — is a cluster running (warrant-coordinator up)?")
        }
    }

    public func write(to directory: String) throws(CoordinatorError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(in: directory)))
        } catch {
            throw CoordinatorError(.badFile, "\(Self.path(in: directory)): \(error.localizedDescription)")
        }
    }
}
