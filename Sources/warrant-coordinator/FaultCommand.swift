import ArgumentParser
import Foundation
import WarrantCoordinator
import WarrantTransport
import WarrantWire

/// `warrant-coordinator fault KIND …`: one fault against a running cluster, by hand or
/// from the scripts in scripts/ (partition.sh, heal.sh, kill.sh, …).
struct FaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Inject one fault into a running cluster (started by `up`).",
        subcommands: [Partition.self, OneWay.self, Heal.self, Kill.self, Restart.self, Pause.self, Resume.self, Delay.self,
                      Skew.self, Byzantine.self])

    /// A running cluster whose nodes are all named; fails clearly otherwise.
    static func cluster(_ options: ClusterOptions, naming nodes: [String]) throws -> RunningCluster {
        let running = try options.cluster()
        for node in nodes where !running.file.nodes.contains(where: { $0.name == node }) {
            throw CommandFailure("no node is named '\(node)' in \(ClusterFile.path(in: options.dir)) (nodes: \(running.file.nodes.map(\.name).joined(separator: ", ")))")
        }
        return running
    }

    static func finish(_ problems: [String], _ done: String) throws {
        guard problems.isEmpty else {
            throw CommandFailure("\(done) only in part: \(problems.joined(separator: "; "))")
        }
        print(done)
    }

    /// The pid of a node process, checked to be alive and to be warrant-node.
    static func pid(of node: String, in running: RunningCluster) throws -> Int32 {
        guard let pid = running.file.nodes.first(where: { $0.name == node })?.pid else { throw CommandFailure("no node '\(node)'") }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        guard command.contains("warrant-node") else { throw CommandFailure("\(node) (pid \(pid)) is not running") }
        return pid
    }

    /// Asks the `up` process that owns the children to kill or restart one (so that a
    /// restarted node still dies with it).
    static func askUp(_ options: ClusterOptions, _ line: String) async throws {
        let address = try LocalEndpoint.address(directory: options.dir, name: "coordinator")
        do {
            let client = try RequestClient(dialing: address, maxMessageBytes: 4_096)
            defer { client.close() }
            let answer = String(decoding: try await client.request(Array(line.utf8), timeout: .seconds(20)), as: UTF8.self)
            guard answer.hasPrefix("ok") else { throw CommandFailure(answer) }
            print(answer.dropFirst(3))
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("the `warrant-coordinator up` that started \(options.dir) does not answer (\(error)); is the cluster running?")
        }
    }

    struct Partition: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cut the links between groups of nodes, both ways (e.g. n0,n1,n2 n3).")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "Groups, each a comma-separated list of nodes; nodes named in no group form one more.")
        var groups: [String]
        func run() async throws {
            let sides = groups.map { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
            guard !sides.isEmpty else { throw CommandFailure("name at least one group of nodes") }
            let running = try FaultCommand.cluster(cluster, naming: sides.flatMap { $0 })
            try finish(await ClusterControl(cluster: running).partition(sides), "partitioned: \(sides.map { $0.joined(separator: ",") }.joined(separator: " / "))")
        }
    }

    struct OneWay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "one-way", abstract: "Drop every message from one node to another (not back).")
        @OptionGroup var cluster: ClusterOptions
        @Argument var from: String
        @Argument var to: String
        func run() async throws {
            let running = try FaultCommand.cluster(cluster, naming: [from, to])
            try finish(await ClusterControl(cluster: running).oneWay(from: from, to: to), "cut \(from) → \(to)")
        }
    }

    struct Heal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every link fault (partitions, delay, loss).")
        @OptionGroup var cluster: ClusterOptions
        func run() async throws {
            try finish(await ClusterControl(cluster: try cluster.cluster()).heal(), "healed")
        }
    }

    struct Kill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "SIGKILL nodes.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "Node names, as in the topology.") var nodes: [String]
        func run() async throws {
            let running = try FaultCommand.cluster(cluster, naming: nodes)
            for node in nodes {
                _ = try FaultCommand.pid(of: node, in: running)
                try await FaultCommand.askUp(cluster, "kill \(node)")
            }
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start killed nodes again from their databases.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "Node names, as in the topology.") var nodes: [String]
        func run() async throws {
            _ = try FaultCommand.cluster(cluster, naming: nodes)
            for node in nodes { try await FaultCommand.askUp(cluster, "restart \(node)") }
        }
    }

    /// Sends a signal to node processes (pause and resume).
    static func signal(_ nodes: [String], _ options: ClusterOptions, _ number: Int32, _ done: String) throws {
        let running = try cluster(options, naming: nodes)
        for node in nodes { kill(try pid(of: node, in: running), number) }
        print("\(done) \(nodes.joined(separator: ","))")
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Freeze nodes (SIGSTOP).")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "Node names, as in the topology.") var nodes: [String]
        func run() async throws { try FaultCommand.signal(nodes, cluster, SIGSTOP, "paused") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Thaw paused nodes (SIGCONT).")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "Node names, as in the topology.") var nodes: [String]
        func run() async throws { try FaultCommand.signal(nodes, cluster, SIGCONT, "resumed") }
    }

    struct Delay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Latency and loss on every link of nodes (0 and 0 to clear; or heal).")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "Node names, as in the topology.") var nodes: [String]
        @Option(help: "Added latency, ms (0–60000).") var ms: UInt64 = 0
        @Option(help: "Random extra latency up to this, ms (0–60000).") var jitterMs: UInt64 = 0
        @Option(help: "Messages lost per thousand (0–1000).") var lossPerMille: UInt64 = 0
        func validate() throws {
            guard lossPerMille <= 1_000 else { throw ValidationError("--loss-per-mille must be 0…1000") }
            guard ms <= LinkFaultSpec.maxDelayMs, jitterMs <= LinkFaultSpec.maxDelayMs else {
                throw ValidationError("--ms and --jitter-ms must be 0…\(LinkFaultSpec.maxDelayMs)")
            }
        }
        func run() async throws {
            let running = try FaultCommand.cluster(cluster, naming: nodes)
            let control = ClusterControl(cluster: running)
            var problems: [String] = []
            for node in nodes { problems += await control.degrade(node, delayMs: ms, jitterMs: jitterMs, dropPerMille: lossPerMille) }
            try finish(problems, "links of \(nodes.joined(separator: ",")): +\(ms) ms (±\(jitterMs)), \(lossPerMille)‰ lost")
        }
    }

    struct Skew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shift a node's wall clock (negative: behind; 0 to undo).")
        @OptionGroup var cluster: ClusterOptions
        @Argument var node: String
        @Option(help: "Offset in ms, within ±86400000 (a day).") var ms: Int64
        func validate() throws {
            guard ms >= -ControlCommand.maxClockOffsetMs, ms <= ControlCommand.maxClockOffsetMs else {
                throw ValidationError("--ms must be within ±\(ControlCommand.maxClockOffsetMs) (a day)")
            }
        }
        func run() async throws {
            let running = try FaultCommand.cluster(cluster, naming: [node])
            try finish(await ClusterControl(cluster: running).send(node, .setClockOffset(ms: ms)), "\(node)'s wall clock offset: \(ms) ms")
        }
    }

    struct Byzantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch a node to a Byzantine behaviour (honest to switch back).")
        @OptionGroup var cluster: ClusterOptions
        @Argument var node: String
        @Argument(help: "equivocate, withhold, forge, replay, or honest.") var mode: String
        func run() async throws {
            let running = try FaultCommand.cluster(cluster, naming: [node])
            try finish(await ClusterControl(cluster: running).send(node, .setByzantine(mode: mode)), "\(node) is now \(mode)")
        }
    }
}
