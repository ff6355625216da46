import Foundation
import WarrantHistory

/// A history on disk: one `HistoryEvent` per line as JSON with sorted keys (docs/HISTORY.md).
/// Agents append to theirs, the coordinator assembles a run's, the simulator writes one
/// per seed on request; all in this one encoding.
public enum HistoryFile {
    /// One event as its line, newline included.
    public static func line(_ event: HistoryEvent) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(event) + Data("\n".utf8)
    }

    public static func write(_ events: [HistoryEvent], to path: String) throws {
        var data = Data()
        for event in events { data += try line(event) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Reads a history file; a line that is not an event is told to `problem` (with the
    /// file and the decoding error) and left out, never skipped silently. A missing file
    /// reads as empty.
    public static func read(_ path: String, problem: (String) -> Void = { _ in }) -> [HistoryEvent] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { line in
            do {
                return try decoder.decode(HistoryEvent.self, from: Data(line.utf8))
            } catch {
                problem("\(path): a line is not a history event: \(error)")
                return nil
            }
        }
    }
}
