import Foundation
import WarrantCheck
import WarrantCrypto
import WarrantHistory
import WarrantStorage
import WarrantTopology
import WarrantWire

/// A run's record on disk: the history assembled from the coordinator's events, the
/// agents' files and the nodes' databases, and the verdict of every checker over it —
/// what `run` writes and `check RUN_DIR` reads again.
public enum RunRecord {
    /// Reads a history file (JSON lines); an unreadable line is reported, not skipped silently.
    public static func readHistory(_ path: String) -> [HistoryEvent] {
        HistoryFile.read(path) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    }

    public static func writeHistory(_ events: [HistoryEvent], to path: String) throws {
        try HistoryFile.write(events, to: path)
    }

    /// The whole history of a run in `dir`: the coordinator's events, each agent's, every
    /// height a node's database holds that its commit stream did not show, and every
    /// committed block's content — in time order.
    public static func assemble(coordinator events: [HistoryEvent], topology: Topology, dir: String, nodes: [ClusterFile.Node],
                                endedAt time: UInt64) -> [HistoryEvent] {
        var all = events
        for agent in topology.agents { all += readHistory("\(dir)/agents/\(agent.name)/history.jsonl") }
        all += databaseCommits(missingFrom: all, nodes: nodes, at: time)
        all += blockEvents(for: all, nodes: nodes)
        all.sort { ($0.time, $0.kind.rawValue) < ($1.time, $1.kind.rawValue) }
        return all
    }

    /// Every height each node's database holds but its commit stream did not show (it was
    /// down, or the stream dropped it), as `commit` events marked `database`: agreement and
    /// nothing-lost then cover every stored block; liveness ignores these.
    static func databaseCommits(missingFrom events: [HistoryEvent], nodes: [ClusterFile.Node], at time: UInt64) -> [HistoryEvent] {
        var seen = Set<String>()
        for event in events where event.kind == .commit { seen.insert("\(event.node ?? "") \(event.height ?? 0)") }
        var out: [HistoryEvent] = []
        for node in nodes {
            guard let store = try? LedgerStore(path: node.databasePath, durable: false),
                  let applied = try? store.appliedBlocks() else { continue }
            for block in applied where !seen.contains("\(node.name) \(block.height)") {
                out.append(HistoryEvent(time: time, kind: .commit, node: node.name, height: block.height, block: block.block.hex,
                                        state: block.stateHash.hex, accepted: block.accepted.map(\.hex), detail: "database"))
            }
        }
        return out
    }

    /// A `block` event for every block some node committed, read from the databases.
    static func blockEvents(for events: [HistoryEvent], nodes: [ClusterFile.Node]) -> [HistoryEvent] {
        var firstSeen: [String: (time: UInt64, height: UInt64)] = [:]
        for event in events where event.kind == .commit {
            guard let hash = event.block, let height = event.height else { continue }
            if firstSeen[hash] == nil || firstSeen[hash]!.time > event.time { firstSeen[hash] = (event.time, height) }
        }
        var found: [String: [UInt8]] = [:]
        for node in nodes {
            guard let store = try? LedgerStore(path: node.databasePath, durable: false),
                  let blocks = try? store.committedBlocks(from: 1, maxCount: Int.max) else { continue }
            for entry in blocks where firstSeen[entry.certificate.block.hex] != nil {
                found[entry.certificate.block.hex] = entry.block.cborBytes
            }
        }
        return found.map { hash, bytes in
            HistoryEvent(time: firstSeen[hash]!.time, kind: .block, height: firstSeen[hash]!.height, block: hash, bytes: Hex.encode(bytes))
        }
    }

    /// Every checker over a run's history, and the `workload` check: each agent of the
    /// topology sent requests (a run whose agents could not start proves nothing).
    public static func judge(_ events: [HistoryEvent], topology: Topology, keys: ClusterKeys, durationS: Double) -> Verdict {
        judgement(events, topology: topology, keys: keys, durationS: durationS).verdict
    }

    /// `judge`, with what the run's picture needs besides the verdict: the checkers' input
    /// and every violation (the verdict keeps only a few examples).
    public static func judgement(_ events: [HistoryEvent], topology: Topology, keys: ClusterKeys, durationS: Double)
        -> (verdict: Verdict, input: CheckInput, violations: [Violation]) {
        let input = CheckInput(events: events, honest: Set(topology.honestNodes), genesis: keys.genesis(topology),
                               signatures: .ed25519, livenessBoundMs: 20_000)
        var violations = Checks.all(input)
        // An agent's requests: those it signed, and the grants of its sessions (which it
        // submits itself, signed by its principal).
        var requested = Set<PublicKey>()
        for event in events where event.kind == .request {
            guard let hex = event.bytes, let bytes = try? Hex.decode(hex), let envelope = try? Envelope(decoding: bytes) else { continue }
            requested.insert(envelope.sender)
            if envelope.kind == .grant, let grant = try? Grant(cbor: envelope.body) { requested.insert(grant.sessionKey) }
        }
        for agent in topology.agents where agent.behaviour != .external && (keys.agents[agent.name].map({ !requested.contains($0) }) ?? true) {
            violations.append(Violation(.workload, "agent \(agent.name) sent no request (see agents/\(agent.name)/agent.log)"))
        }
        let verdict = Verdict(events: events, violations: violations, nodes: topology.nodes.map(\.name), durationS: durationS,
                              blastRadius: Checks.blastRadius(input))
        return (verdict, input, violations)
    }

    /// Draws the run's picture into `DIR/report.html`; returns its path.
    @discardableResult
    public static func writeReport(_ events: [HistoryEvent], judged: (verdict: Verdict, input: CheckInput, violations: [Violation]),
                                   topology: Topology, keys: ClusterKeys, to dir: String) throws(CoordinatorError) -> String {
        let (verdict, input, violations) = judged
        let report = RunReport(title: topology.cluster.name, events: events, input: input, violations: violations,
                               verdict: verdict, topology: topology, keys: keys)
        let path = "\(dir)/report.html"
        do {
            try report.html.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CoordinatorError(.badFile, "\(path): \(error.localizedDescription)")
        }
        return path
    }

    /// `report DIR`: the picture of a recorded run, drawn again from its history.
    public static func redraw(_ dir: String) throws(CoordinatorError) -> String {
        let (events, topology, keys, duration) = try recorded(dir)
        return try writeReport(events, judged: judgement(events, topology: topology, keys: keys, durationS: duration),
                               topology: topology, keys: keys, to: dir)
    }

    public static func writeSummary(_ verdict: Verdict, to dir: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(verdict).write(to: URL(fileURLWithPath: "\(dir)/summary.json"))
    }

    /// A recorded run judged again, offline: its verdict (`check RUN_DIR`).
    public static func rejudge(_ dir: String) throws(CoordinatorError) -> Verdict {
        let (events, topology, keys, duration) = try recorded(dir)
        return judge(events, topology: topology, keys: keys, durationS: duration)
    }

    /// A recorded run's history, topology, keys and length.
    static func recorded(_ dir: String) throws(CoordinatorError) -> ([HistoryEvent], Topology, ClusterKeys, Double) {
        let file = try ClusterFile.read(from: dir)
        let topology: Topology
        let keys: ClusterKeys
        do {
            topology = try Topology.load(file.topology)
            keys = try ClusterKeys(directory: file.keys, topology: topology)
        } catch {
            throw CoordinatorError(.badFile, "\(error)")
        }
        let events = readHistory("\(dir)/history.jsonl")
        guard !events.isEmpty else { throw CoordinatorError(.badFile, "\(dir)/history.jsonl is missing or empty") }
        let duration = Double((events.map(\.time).max() ?? 0) - (events.map(\.time).min() ?? 0)) / 1_000
        return (events, topology, keys, duration)
    }
}
