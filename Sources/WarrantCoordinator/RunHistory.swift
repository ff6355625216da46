import Foundation
import WarrantCheck
import WarrantHistory

/// The coordinator's own part of a run's history (commits seen on the commit streams,
/// faults, its own requests), in memory until the run ends.
public final class RunHistory: @unchecked Sendable {
    // @unchecked: `events` is only touched under `lock`.
    private let lock = NSLock()
    private var events: [HistoryEvent] = []
    public let epochMs: UInt64

    public init(epochMs: UInt64) {
        self.epochMs = epochMs
    }

    /// Milliseconds since the run began.
    public var now: UInt64 {
        let wall = UInt64(Date().timeIntervalSince1970 * 1_000)
        return wall > epochMs ? wall - epochMs : 0
    }

    public func record(_ event: HistoryEvent) { lock.withLock { events.append(event) } }

    public var all: [HistoryEvent] { lock.withLock { events } }
}
