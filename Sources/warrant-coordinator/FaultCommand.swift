import ArgumentParser
import WarrantCoordinator

/// `warrant-coordinator fault KIND …`: one fault against a running cluster (`HandFaults`).
struct FaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault", abstract: "Inject one fault into a running cluster (started by `up`).",
        subcommands: [Partition.self, OneWay.self, Heal.self, Kill.self, Restart.self, Pause.self, Resume.self, Delay.self,
                      Skew.self, Byzantine.self])

    /// Options of every fault: the cluster and the nodes it names.
    struct Nodes: ParsableArguments {
        @Option(help: "The cluster directory (holding cluster.json), as given to `up`.") var dir: String = "cluster"
        @Argument(help: "Node names, as in the topology.") var nodes: [String]
        func faults() throws -> HandFaults { try HandFaults(directory: dir, naming: nodes, notice: warn) }
    }

    struct Partition: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cut the links between groups of nodes, both ways (e.g. n0,n1,n2 n3).")
        @Option(help: "The cluster directory.") var dir: String = "cluster"
        @Argument(help: "Groups, each a comma-separated list of nodes; nodes named in no group form one more.") var groups: [String]
        func run() async throws { print(try await HandFaults(directory: dir, notice: warn).partition(groups)) }
    }

    struct OneWay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "one-way", abstract: "Drop every message from one node to another (not back).")
        @Option(help: "The cluster directory.") var dir: String = "cluster"
        @Argument var from: String
        @Argument var to: String
        func run() async throws { print(try await HandFaults(directory: dir, notice: warn).oneWay(from: from, to: to)) }
    }

    struct Heal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every link fault (partitions, delay, loss).")
        @Option(help: "The cluster directory.") var dir: String = "cluster"
        func run() async throws { print(try await HandFaults(directory: dir, notice: warn).heal()) }
    }

    struct Kill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "SIGKILL nodes.")
        @OptionGroup var target: Nodes
        func run() async throws { for line in try await target.faults().kill(target.nodes) { print(line) } }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start killed nodes again from their databases.")
        @OptionGroup var target: Nodes
        func run() async throws { for line in try await target.faults().restart(target.nodes) { print(line) } }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Freeze nodes (SIGSTOP).")
        @OptionGroup var target: Nodes
        func run() async throws { print(try target.faults().signal(target.nodes, pause: true)) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Thaw paused nodes (SIGCONT).")
        @OptionGroup var target: Nodes
        func run() async throws { print(try target.faults().signal(target.nodes, pause: false)) }
    }

    struct Delay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Latency and loss on every link of nodes (0 and 0 to clear; or heal).")
        @OptionGroup var target: Nodes
        @Option(help: "Added latency, ms (0–60000).") var ms: UInt64 = 0
        @Option(help: "Random extra latency up to this, ms (0–60000).") var jitterMs: UInt64 = 0
        @Option(help: "Messages lost per thousand (0–1000).") var lossPerMille: UInt64 = 0
        func run() async throws {
            print(try await target.faults().degrade(target.nodes, delayMs: ms, jitterMs: jitterMs, lossPerMille: lossPerMille))
        }
    }

    struct Skew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shift a node's wall clock (negative: behind; 0 to undo).")
        @Option(help: "The cluster directory.") var dir: String = "cluster"
        @Argument var node: String
        @Option(help: "Offset in ms, within ±86400000 (a day).") var ms: Int64
        func run() async throws { print(try await HandFaults(directory: dir, notice: warn).skew(node, ms: ms)) }
    }

    struct Byzantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch a node to Byzantine behaviours (honest to switch back).")
        @Option(help: "The cluster directory.") var dir: String = "cluster"
        @Argument var node: String
        @Argument(help: "Comma-separated behaviours (equivocate, withhold, invalid-vote, forge, replay), or honest.") var mode: String
        func run() async throws { print(try await HandFaults(directory: dir, notice: warn).byzantine(node, mode: mode)) }
    }
}
