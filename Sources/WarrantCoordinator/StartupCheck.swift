import Foundation
import WarrantWire

extension ChildProcesses {
    /// Why a node just started died, if it did in its first moments: its process ended
    /// before its client endpoint answered a status query (waiting at most `patience`).
    /// Nil when it answered (or is still starting when patience runs out).
    public func startupFailure(of name: String, data: String, cluster: RunningCluster?,
                               patience: Duration = .seconds(10)) async -> String? {
        let log = "\(data)/node.log"
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            if !isRunning(name) { return "it exited at once: \(Self.lastError(inLog: log) ?? "no reason logged"); see \(log)" }
            if let cluster, await cluster.status(of: name, timeout: .milliseconds(500)) != nil { return nil }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// The last error a node logged (its `critical` or `error` line), to say why it died.
    public static func lastError(inLog path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").suffix(40)
        return lines.last { $0.contains("critical") || $0.lowercased().contains("error") }.map { String($0.suffix(400)) }
    }
}

extension RunningCluster {
    /// One node's status, or nil if it does not answer in time.
    public func status(of node: String, timeout: Duration) async -> NodeStatus? {
        guard let client = clients.first(where: { $0.name == node }),
              let answer = try? await client.ask(StatusQuery(), signedBy: coordinator, timeout: timeout),
              case .nodeStatus(let status) = answer else { return nil }
        return status
    }
}
