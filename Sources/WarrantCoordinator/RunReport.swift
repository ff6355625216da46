import Foundation
import WarrantCheck
import WarrantCrypto
import WarrantHistory
import WarrantTopology

/// The picture of a run (`DIR/report.html`), as data: a lane per node with what was done
/// to it and when, its probe answers and commits per second; each session's life; the
/// violations and blast-radius windows where they happened; and the verdict. Built from
/// the history and the checkers alone, so `report DIR` redraws any recorded run.
/// `RunReport+HTML` draws it.
public struct RunReport: Sendable {
    /// A stretch of time in which something was done to a node.
    public struct Interval: Sendable, Hashable {
        public enum Kind: String, Sendable {
            case down, paused, partitioned, skewed, degraded
        }

        public var kind: Kind
        public var start: UInt64
        public var end: UInt64
        /// Which peers, how much skew, what delay and loss.
        public var label: String
        /// `network` or `process` for link faults.
        public var layer: String?
    }

    /// One answer to a local check: a probe's or an agent's.
    public struct Tick: Sendable, Hashable {
        public var time: UInt64
        public var allowed: Bool
        public var reason: String?
    }

    public struct Lane: Sendable {
        public var node: String
        /// Byzantine behaviours and planted bugs the node ran with.
        public var roles: [String]
        public var intervals: [Interval] = []
        public var ticks: [Tick] = []
        /// Heights committed in each second of the run.
        public var commitsPerSecond: [Int] = []
    }

    /// A session from its grant's commit to its expiry or revocation (run ms).
    public struct SessionLife: Sendable {
        public var label: String
        public var start: UInt64
        public var expiresAt: Int64
        /// The height whose commit revoked it, and when that was.
        public var revokedHeight: UInt64?
        public var revokedAt: UInt64?
    }

    public var title: String
    public var durationMs: UInt64
    public var epochMs: UInt64
    public var lanes: [Lane]
    public var sessions: [SessionLife]
    public var violations: [Violation]
    public var windows: [BlastWindow]
    public var verdict: Verdict
    /// Each fault as the run printed it, with its time and layer.
    public var faults: [(time: UInt64, detail: String, layer: String?)]

    public init(title: String, events: [HistoryEvent], input: CheckInput, violations: [Violation], verdict: Verdict,
                topology: Topology, keys: ClusterKeys) {
        self.title = title
        self.verdict = verdict
        self.violations = violations
        windows = Checks.blastWindows(input)
        epochMs = events.first { $0.kind == .start }?.epochMs ?? 0
        durationMs = max(1, events.map(\.time).max() ?? 1)
        faults = events.filter { $0.kind == .fault || $0.kind == .restart }.map { ($0.time, $0.kind == .restart ? "\($0.detail ?? "") \($0.node ?? "")" : $0.detail ?? "", $0.layer) }
        let names = topology.nodes.map(\.name)
        lanes = topology.nodes.map { spec in
            Lane(node: spec.name, roles: spec.byzantine.map { "Byzantine: \($0.rawValue)" } + spec.sabotage.map { "sabotage: \($0.rawValue)" }
                    + (spec.twinOf.map { ["twin of \($0)"] } ?? []))
        }
        let intervals = Self.intervals(events, nodes: names, end: durationMs)
        let seconds = Int(durationMs / 1_000) + 1
        for index in lanes.indices {
            let node = lanes[index].node
            lanes[index].intervals = intervals.filter { $0.node == node }.map(\.interval)
            lanes[index].ticks = events.filter { ($0.kind == .probe || $0.kind == .check) && $0.node == node && $0.outcome != nil }
                .map { Tick(time: $0.time, allowed: $0.outcome == "allow", reason: $0.reason) }
            var perSecond = Array(repeating: 0, count: seconds)
            for commit in events where commit.kind == .commit && commit.node == node {
                perSecond[min(seconds - 1, Int(commit.time / 1_000))] += 1
            }
            lanes[index].commitsPerSecond = perSecond
        }
        let timeline = SessionTimeline(input)
        let epoch = epochMs
        let agentOf = Dictionary(keys.agents.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        sessions = timeline.sessions.values.compactMap { facts in
            guard let start = timeline.firstCommit[facts.grantHeight] else { return nil }
            let revoked = timeline.revocationHeight(of: facts.id)
            return SessionLife(label: "\(agentOf[facts.key] ?? "key \(facts.key.hex.prefix(8))") \(facts.id.short)", start: start,
                               expiresAt: Int64(facts.expiresAt) - Int64(epoch), revokedHeight: revoked,
                               revokedAt: revoked.flatMap { timeline.firstCommit[$0] })
        }.sorted { ($0.start, $0.label) < ($1.start, $1.label) }
    }

    /// What was done to each node, and when: crashes until restarts, pauses until
    /// resumes, skews until the next skew of the node, link faults until the heal.
    public static func intervals(_ events: [HistoryEvent], nodes: [String], end: UInt64) -> [(node: String, interval: Interval)] {
        var result: [(node: String, interval: Interval)] = []
        var open: [String: (start: UInt64, kind: Interval.Kind, label: String, layer: String?)] = [:]  // "node/kind" -> start
        func close(_ node: String, _ kind: Interval.Kind, at time: UInt64) {
            guard let started = open.removeValue(forKey: "\(node)/\(kind.rawValue)") else { return }
            result.append((node, Interval(kind: kind, start: started.start, end: time, label: started.label, layer: started.layer)))
        }
        func begin(_ node: String, _ kind: Interval.Kind, _ time: UInt64, _ label: String, _ layer: String? = nil) {
            close(node, kind, at: time)
            open["\(node)/\(kind.rawValue)"] = (time, kind, label, layer)
        }
        var cuts = NetworkFaults()
        for event in events {
            if event.kind == .restart, let node = event.node {
                if event.detail == "crash" { begin(node, .down, event.time, "killed") } else { close(node, .down, at: event.time) }
                continue
            }
            guard event.kind == .fault, let detail = event.detail else { continue }
            let words = detail.split(separator: " ").map(String.init)
            let targets = words.count > 1 ? words[1].split(separator: ",").map(String.init) : []
            switch words.first {
            case "pause": for node in targets { begin(node, .paused, event.time, "paused") }
            case "resume": for node in targets { close(node, .paused, at: event.time) }
            case "skew":
                let ms = words.count > 3 ? words[3] : "?"
                for node in targets {
                    if ms == "0" { close(node, .skewed, at: event.time) } else { begin(node, .skewed, event.time, "clock \(ms.hasPrefix("-") ? "" : "+")\(ms) ms") }
                }
            case "partition", "cut":
                if words.first == "partition" {
                    cuts.partition([targets], all: nodes)
                } else if words.count >= 4 {
                    cuts.cut(from: targets, to: words[3].split(separator: ",").map(String.init), oneWay: words[2] == "->")
                }
                for node in nodes {
                    let inbound = cuts.cutPeers(toward: node)
                    let outbound = cuts.cuts.filter { $0.from == node }.map(\.to).sorted()
                    guard !inbound.isEmpty || !outbound.isEmpty else { continue }
                    let label = inbound == outbound ? "cut from \(inbound.joined(separator: ","))"
                        : "hears no \(inbound.isEmpty ? "-" : inbound.joined(separator: ",")); reaches no \(outbound.isEmpty ? "-" : outbound.joined(separator: ","))"
                    begin(node, .partitioned, event.time, label, event.layer)
                }
            case "delay":
                let label = words.prefix { $0 != "on" }.joined(separator: " ")
                for node in (words.last ?? "").split(separator: ",").map(String.init) { begin(node, .degraded, event.time, label, event.layer) }
            case "heal":
                cuts.heal()
                for node in nodes {
                    close(node, .partitioned, at: event.time)
                    close(node, .degraded, at: event.time)
                }
            default:
                continue
            }
        }
        for (key, started) in open {
            result.append((String(key.split(separator: "/")[0]), Interval(kind: started.kind, start: started.start, end: end, label: started.label, layer: started.layer)))
        }
        return result.sorted { ($0.node, $0.interval.start) < ($1.node, $1.interval.start) }
    }
}
