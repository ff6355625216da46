import ArgumentParser
import Foundation
import WarrantCheck
import WarrantCoordinator
import WarrantTopology

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
    let input = CheckInput(events: events, honest: Set(topology.nodes.map(\.name)), genesis: keys.genesis(topology),
                           signatures: .ed25519, livenessBoundMs: 20_000)
    return Verdict(events: events, violations: Checks.all(input), nodes: topology.nodes.map(\.name), durationS: durationS,
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
        throw ValidationError("\(error)")
    }
    let events = readHistoryFile("\(dir)/history.jsonl")
    guard !events.isEmpty else { throw ValidationError("\(dir)/history.jsonl is missing or empty") }
    let duration = Double((events.map(\.time).max() ?? 0) - (events.map(\.time).min() ?? 0)) / 1_000
    let verdict = judge(events, topology: topology, keys: keys, durationS: duration)
    print(json ? try prettyJSON(verdict) : verdict.table)
    if !verdict.passed { throw ExitCode(1) }
}
