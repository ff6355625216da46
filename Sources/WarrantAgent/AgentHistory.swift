import WarrantErrors
import Foundation
import WarrantHistory

/// The agent's part of the run's history: every request it sent and every answer, as
/// JSON lines in the docs/HISTORY.md schema, merged by the coordinator at the end.
final class AgentHistory: @unchecked Sendable {
    // @unchecked: the file handle is only used under `lock`; the rest is immutable.
    private let lock = NSLock()
    private let handle: FileHandle
    private let epochMs: UInt64
    private let clock: any AgentClock

    init(path: String, epochMs: UInt64, clock: any AgentClock) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw AgentError(.setup, "\(path): cannot open the history file for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
        self.epochMs = epochMs
        self.clock = clock
    }

    /// Milliseconds since the run began.
    var now: UInt64 {
        let wall = clock.wallMs
        return wall > epochMs ? wall - epochMs : 0
    }

    func record(_ event: HistoryEvent) {
        lock.withLock {
            guard let line = try? HistoryFile.line(event) else { return }
            handle.write(line)
        }
    }
}

/// What went wrong in WarrantAgent.
public enum AgentErrorCode: String, ErrorCode {
    /// Keys, topology or history file unusable.
    case setup
    /// The principal refused or did not answer a session request.
    case noSession = "no_session"
}

public typealias AgentError = WarrantError<AgentErrorCode>
