import Foundation
import WarrantTransport
import WarrantWire

/// One fault against a cluster started by `up`, by hand or from scripts/ (partition.sh,
/// heal.sh, kill.sh, …): link faults as signed control commands, kill and restart through
/// the `up` process that owns the children (so that a restarted node still dies with it),
/// pause and resume as signals. Each returns the line to print and throws, naming the
/// node at fault, when the fault was applied only in part.
public struct HandFaults: Sendable {
    public let directory: String
    public let cluster: RunningCluster

    /// The cluster in `directory`, with every node in `naming` checked to exist.
    public init(directory: String, naming nodes: [String] = [], notice: (String) -> Void = { _ in }) throws(CoordinatorError) {
        self.directory = directory
        cluster = try RunningCluster.open(directory: directory, notice: notice)
        try checkNames(nodes)
    }

    var control: ClusterControl { ClusterControl(cluster: cluster) }

    /// Groups are comma-separated node lists; nodes named in no group form one more.
    public func partition(_ groups: [String]) async throws(CoordinatorError) -> String {
        let sides = groups.map { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        guard !sides.isEmpty else { throw CoordinatorError(.badInput, "name at least one group of nodes") }
        try checkNames(sides.flatMap { $0 })
        return try Self.finish(await control.partition(sides), "partitioned: \(sides.map { $0.joined(separator: ",") }.joined(separator: " / "))\(layerNote)")
    }

    public func oneWay(from: String, to: String) async throws(CoordinatorError) -> String {
        try checkNames([from, to])
        return try Self.finish(await control.cut(from: [from], to: [to], oneWay: true), "cut \(from) → \(to)\(layerNote)")
    }

    public func heal() async throws(CoordinatorError) -> String {
        let (problems, dropped) = await control.heal()
        return try Self.finish(problems, "healed" + (dropped.map { " (the network rules had dropped \($0) packets)" } ?? ""))
    }

    /// Which layer applied a link fault, when it is the network's.
    var layerNote: String { cluster.file.netns == nil ? "" : " (nftables rules in the nodes' namespaces)" }

    public func degrade(_ nodes: [String], delayMs: UInt64, jitterMs: UInt64, lossPerMille: UInt64) async throws(CoordinatorError) -> String {
        guard lossPerMille <= 1_000 else { throw CoordinatorError(.badInput, "--loss-per-mille must be 0…1000") }
        guard delayMs <= LinkFaultSpec.maxDelayMs, jitterMs <= LinkFaultSpec.maxDelayMs else {
            throw CoordinatorError(.badInput, "--ms and --jitter-ms must be 0…\(LinkFaultSpec.maxDelayMs)")
        }
        try checkNames(nodes)
        var problems: [String] = []
        for node in nodes { problems += await control.degrade(node, delayMs: delayMs, jitterMs: jitterMs, dropPerMille: lossPerMille) }
        return try Self.finish(problems, "links of \(nodes.joined(separator: ",")): +\(delayMs) ms (±\(jitterMs)), \(lossPerMille)‰ lost")
    }

    public func skew(_ node: String, ms: Int64) async throws(CoordinatorError) -> String {
        guard ms >= -ControlCommand.maxClockOffsetMs, ms <= ControlCommand.maxClockOffsetMs else {
            throw CoordinatorError(.badInput, "--ms must be within ±\(ControlCommand.maxClockOffsetMs) (a day)")
        }
        try checkNames([node])
        return try Self.finish(await control.send(node, .setClockOffset(ms: ms)), "\(node)'s wall clock offset: \(ms) ms")
    }

    /// `mode`: comma-separated behaviours (docs/CHAOS.md), or `honest`; the node checks the names.
    public func byzantine(_ node: String, mode: String) async throws(CoordinatorError) -> String {
        try checkNames([node])
        return try Self.finish(await control.send(node, .setByzantine(mode: mode)), "\(node) is now \(mode)")
    }

    /// SIGKILL, by the `up` process that owns the nodes.
    public func kill(_ nodes: [String]) async throws(CoordinatorError) -> [String] {
        try checkNames(nodes)
        var lines: [String] = []
        for node in nodes {
            _ = try pid(of: node)
            lines.append(try await askUp("kill \(node)"))
        }
        return lines
    }

    /// Starts killed nodes again from their databases, by the `up` process.
    public func restart(_ nodes: [String]) async throws(CoordinatorError) -> [String] {
        try checkNames(nodes)
        var lines: [String] = []
        for node in nodes { lines.append(try await askUp("restart \(node)")) }
        return lines
    }

    /// SIGSTOP (`pause`) or SIGCONT (`resume`) to node processes.
    public func signal(_ nodes: [String], pause: Bool) throws(CoordinatorError) -> String {
        try checkNames(nodes)
        for node in nodes { Foundation.kill(try pid(of: node), pause ? SIGSTOP : SIGCONT) }
        return "\(pause ? "paused" : "resumed") \(nodes.joined(separator: ","))"
    }

    func checkNames(_ nodes: [String]) throws(CoordinatorError) {
        for node in nodes where !cluster.file.nodes.contains(where: { $0.name == node }) {
            throw CoordinatorError(.badInput, "no node is named '\(node)' in \(ClusterFile.path(in: directory)) (nodes: \(cluster.file.nodes.map(\.name).joined(separator: ", ")))")
        }
    }

    static func finish(_ problems: [String], _ done: String) throws(CoordinatorError) -> String {
        guard problems.isEmpty else { throw CoordinatorError(.refused, "\(done) only in part: \(problems.joined(separator: "; "))") }
        return done
    }

    /// The pid of a node process, checked to be alive and to be warrant-node.
    func pid(of node: String) throws(CoordinatorError) -> Int32 {
        guard let pid = cluster.file.nodes.first(where: { $0.name == node })?.pid else { throw CoordinatorError(.badInput, "no node '\(node)'") }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        guard command.contains("warrant-node") else { throw CoordinatorError(.unreachable, "\(node) (pid \(pid)) is not running") }
        return pid
    }

    /// One line to the `up` process's child-owner endpoint; its answer without the "ok ".
    func askUp(_ line: String) async throws(CoordinatorError) -> String {
        let answer: String
        do {
            let address = try LocalEndpoint.address(directory: directory, name: "coordinator")
            let client = try RequestClient(dialing: address, maxMessageBytes: 4_096)
            defer { client.close() }
            answer = String(decoding: try await client.request(Array(line.utf8), timeout: .seconds(20)), as: UTF8.self)
        } catch {
            throw CoordinatorError(.unreachable, "the `warrant-coordinator up` that started \(directory) does not answer (\(error)); is the cluster running?")
        }
        guard answer.hasPrefix("ok") else { throw CoordinatorError(.refused, answer) }
        return String(answer.dropFirst(3))
    }
}

extension HandFaults {
    /// The faults `fault KIND …` names, with what each takes.
    public static let usage = [
        "partition GROUP…     cut the links between groups (comma-separated nodes; the rest form one more), both ways",
        "one-way FROM TO      drop every message from one node to another (not back)",
        "heal                 remove every link fault (partitions, delay, loss)",
        "kill NODE…           SIGKILL nodes;  restart NODE…  start them again from their databases",
        "pause NODE…          freeze nodes (SIGSTOP);  resume NODE…  thaw them (SIGCONT)",
        "delay NODE… --ms N [--jitter-ms N] [--loss-per-mille N]   latency and loss on every link of nodes (0 0 clears)",
        "skew NODE --ms N     shift a node's wall clock (negative: behind; 0 undoes; within a day)",
        "byzantine NODE MODE  switch a node to Byzantine behaviours (comma-separated; honest switches back)",
    ]

    /// One fault by name, as `warrant-coordinator fault KIND ARGS…` gives it; the lines
    /// to print. Wrong arguments are refused naming the kind's usage.
    public static func apply(_ kind: String, _ args: [String], dir: String, ms: Int64?, jitterMs: Int64, lossPerMille: Int64,
                             notice: (String) -> Void) async throws(CoordinatorError) -> [String] {
        func need(_ ok: Bool) throws(CoordinatorError) {
            guard ok else {
                let line = usage.first { $0.hasPrefix(kind + " ") || $0.contains("  \(kind) ") } ?? usage.joined(separator: "\n")
                throw CoordinatorError(.badInput, "fault \(kind): usage: \(line)")
            }
        }
        switch kind {
        case "partition":
            try need(!args.isEmpty)
            return [try await HandFaults(directory: dir, notice: notice).partition(args)]
        case "one-way":
            try need(args.count == 2)
            return [try await HandFaults(directory: dir, notice: notice).oneWay(from: args[0], to: args[1])]
        case "heal":
            try need(args.isEmpty)
            return [try await HandFaults(directory: dir, notice: notice).heal()]
        case "kill", "restart", "pause", "resume", "delay":
            try need(!args.isEmpty)
            let faults = try HandFaults(directory: dir, naming: args, notice: notice)
            switch kind {
            case "kill": return try await faults.kill(args)
            case "restart": return try await faults.restart(args)
            case "pause", "resume": return [try faults.signal(args, pause: kind == "pause")]
            default:
                let delay = ms ?? 0
                guard delay >= 0, jitterMs >= 0, lossPerMille >= 0 else { throw CoordinatorError(.badInput, "--ms, --jitter-ms and --loss-per-mille must not be negative") }
                return [try await faults.degrade(args, delayMs: UInt64(delay), jitterMs: UInt64(jitterMs), lossPerMille: UInt64(lossPerMille))]
            }
        case "skew":
            try need(args.count == 1 && ms != nil)
            return [try await HandFaults(directory: dir, notice: notice).skew(args[0], ms: ms ?? 0)]
        case "byzantine":
            try need(args.count == 2)
            return [try await HandFaults(directory: dir, notice: notice).byzantine(args[0], mode: args[1])]
        default:
            throw CoordinatorError(.badInput, "fault: no fault is named '\(kind)'; the faults:\n  \(usage.joined(separator: "\n  "))")
        }
    }
}
