import ArgumentParser
import Foundation
import WarrantCheck
import WarrantCoordinator
import WarrantTopology
import WarrantCrypto
import WarrantWire

/// Reads a history file (JSON lines); an unreadable line is reported, not skipped.
func readHistoryFile(_ path: String) -> [HistoryEvent] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    let decoder = JSONDecoder()
    return text.split(separator: "\n").compactMap { line in
        do {
            return try decoder.decode(HistoryEvent.self, from: Data(line.utf8))
        } catch {
            FileHandle.standardError.write(Data("\(path): a line is not a history event: \(error)\n".utf8))
            return nil
        }
    }
}

/// Every checker over a run's history.
func judge(_ events: [HistoryEvent], topology: Topology, keys: ClusterKeys, durationS: Double) -> Verdict {
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
    for agent in topology.agents where keys.agents[agent.name].map({ !requested.contains($0) }) ?? true {
        violations.append(Violation(.workload, "agent \(agent.name) sent no request (see agents/\(agent.name)/agent.log)"))
    }
    return Verdict(events: events, violations: violations, nodes: topology.nodes.map(\.name), durationS: durationS,
                   blastRadius: Checks.blastRadius(input))
}

func writeSummary(_ verdict: Verdict, to dir: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(verdict).write(to: URL(fileURLWithPath: "\(dir)/summary.json"))
}

/// `check RUN_DIR`: every checker over a recorded run, offline; the same verdict `run` printed.
func judgeRun(_ dir: String, json: Bool) async throws {
    let file: ClusterFile
    let topology: Topology
    let keys: ClusterKeys
    do {
        file = try ClusterFile.read(from: dir)
        topology = try Topology.load(file.topology)
        keys = try ClusterKeys(directory: file.keys, topology: topology)
    } catch {
        throw CommandFailure("\(error)")
    }
    let events = readHistoryFile("\(dir)/history.jsonl")
    guard !events.isEmpty else { throw CommandFailure("\(dir)/history.jsonl is missing or empty") }
    let duration = Double((events.map(\.time).max() ?? 0) - (events.map(\.time).min() ?? 0)) / 1_000
    let verdict = judge(events, topology: topology, keys: keys, durationS: duration)
    print(json ? try prettyJSON(verdict) : verdict.table)
    if !verdict.passed { throw ExitCode(1) }
}
