import ArgumentParser
import Foundation
import Logging
import WarrantFaults
import WarrantNode
import WarrantReplica
import WarrantTopology
import WarrantTransport

/// `warrant-node --topology FILE --id NAME [--data DIR] [--keys DIR]`: one validator.
@main
struct WarrantNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant-node",
        abstract: "Run one Warrant validator from a topology file.",
        discussion: """
            Keeps its state in DATA/node.sqlite and resumes from it after any crash. Reads its \
            secret key from KEYS/NAME.key and everyone's public keys from KEYS/*.pub \
            (warrant-coordinator keygen --topology FILE --out KEYS writes them).
            """)

    @Option(help: "The topology file.")
    var topology: String

    @Option(help: "This node's name in the topology.")
    var id: String

    @Option(help: "Data directory (default: data/NAME).")
    var data: String?

    @Option(help: "The database file (default: DATA/node.sqlite); its signing guard is kept beside it.")
    var database: String?

    @Option(help: "Directory of key files.")
    var keys: String = "keys"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Exit when this file descriptor reaches end of file (the parent's watchdog pipe).")
    var watchdogFd: Int32?

    @Option(help: "Plant a deliberate bug, to prove the checkers catch it: \(Sabotage.allCases.map(\.rawValue).joined(separator: ", ")). Repeatable. Never in a real deployment.")
    var sabotage: [String] = []

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics, HOST being the topology's host (default: the topology's metrics port for this node; 0: none).")
    var metricsPort: Int?

    @Option(help: "Start Byzantine: \(ByzantineBehaviour.allCases.filter(\.runsOnNodes).map(\.rawValue).joined(separator: ", ")). Repeatable. For chaos runs only.")
    var byzantine: [String] = []

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        let name = id
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "warrant.node.\(name)")
        let topology: Topology
        let clusterKeys: ClusterKeys
        do {
            topology = try Topology.load(self.topology)
            clusterKeys = try ClusterKeys(directory: keys, topology: topology)
        } catch {
            throw ValidationError("\(error)")
        }
        if let watchdogFd { Watchdog.exitOnEndOfFile(watchdogFd) }
        let bugs: Set<Sabotage>, behaviours: Set<ByzantineBehaviour>
        do {
            bugs = try Sabotage.parse(sabotage)
        } catch {
            throw ValidationError("--sabotage \(error)")
        }
        do {
            behaviours = try ByzantineBehaviour.parse(byzantine, onNodes: true)
        } catch {
            throw ValidationError("--byzantine \(error)")
        }
        raiseDescriptorLimit(logger)
        let port = metricsPort ?? topology.node(named: name)?.metricsPort ?? 0
        guard (0...65_535).contains(port) else { throw ValidationError("--metrics-port \(port) is not a port (0–65535)") }
        let shell: NodeShell
        do {
            shell = try NodeShell(topology: topology, name: name, keys: clusterKeys, dataDirectory: data ?? "data/\(name)", database: database, logger: logger,
                              sabotage: bugs, byzantine: behaviours, metricsPort: port == 0 ? nil : UInt16(port))
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        Watchdog.dieOnSignals()  // the database is safe at any instant
        do {
            try await shell.run()
        } catch {
            logger.critical("cannot serve", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
    }
}

/// Every client connection is a descriptor: a node takes its hard limit rather than a
/// soft default of 1024, which connections opened and closed in a hurry (scripts/
/// hostile-clients.py keeps thousands closing at once) would exhaust.
func raiseDescriptorLimit(_ logger: Logger) {
    var limit = rlimit()
    guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    if setrlimit(RLIMIT_NOFILE_VALUE, &limit) != 0 { logger.warning("cannot raise the descriptor limit", metadata: ["soft": "\(limit.rlim_cur)"]) }
}

private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
