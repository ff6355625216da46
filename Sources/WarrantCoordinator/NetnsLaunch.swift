import Foundation
import WarrantTopology

/// How `run --netns` and `up --netns` begin. The first call (in the host's namespace)
/// checks for root and the tools, removes what killed coordinators left, makes this
/// run's namespaces and restarts the process inside the bridge's namespace; the second
/// call (inside) starts the `Reaper` and writes the topology with every node's address.
public enum NetnsLaunch {
    static let directoryVariable = "WARRANT_NETNS_DIR"

    /// The directory the process outside chose (a default name has the time in it, which
    /// the restarted process must not choose again).
    public static func directory(default dir: String) -> String {
        ProcessInfo.processInfo.environment[directoryVariable] ?? dir
    }

    /// Outside: never returns (the process starts again inside). Inside: the topology to
    /// launch (DIR/topology-netns.toml) and the layout.
    public static func prepare(topology: Topology, dir: String, say: @Sendable (String) -> Void) throws(CoordinatorError) -> (topology: String, layout: NetnsLayout) {
        let layout = try NetnsLayout(topology: topology, owner: getpid())
        guard ProcessInfo.processInfo.environment[Netns.insideVariable] == layout.bridge, Netns.isInside(layout.bridge) else {
            try Netns.requireTools()
            let stale = Netns.sweep()
            if !stale.isEmpty { say("netns: removed \(stale.count) namespaces a killed coordinator left: \(stale.joined(separator: " "))") }
            try Netns.create(layout)
            say("netns: \(layout.nodes.count) node and \(layout.agents.count) agent namespaces on a bridge in \(layout.bridge) (\(NetnsLayout.subnet).0/24); the coordinator moves there")
            try Netns.enter(layout.bridge, environment: [directoryVariable: dir])
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CoordinatorError(.badFile, "\(dir): \(error.localizedDescription)")
        }
        try Reaper.start(owner: layout.owner, log: "\(dir)/reaper.log")
        let path = "\(dir)/topology-netns.toml"
        let text: String
        do {
            text = try String(contentsOfFile: topology.file, encoding: .utf8)
        } catch {
            throw CoordinatorError(.badFile, "\(topology.file): \(error.localizedDescription)")
        }
        let rewritten = "# \(topology.file), each node at its namespace's address (warrant-coordinator --netns)\n"
            + (try layout.rewrite(topologyText: text, file: topology.file))
        do {
            try rewritten.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CoordinatorError(.badFile, "\(path): \(error.localizedDescription)")
        }
        return (path, layout)
    }
}
