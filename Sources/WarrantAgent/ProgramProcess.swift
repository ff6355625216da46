import Foundation
import WarrantSync

/// An agent program running as a child of `warrant-agent`: its standard output read line
/// by line (a line past `ProgramRequest.maxLineBytes` is dropped and reported), its
/// standard input written without ever blocking the agent (a program that stops reading
/// loses messages, and is reported, rather than stalling the agent), its standard error
/// the agent's own (the agent's log), its exit observed. It never holds a key, and it dies
/// with the agent (`setpriv --pdeathsig`, where util-linux has it).
public final class ProgramProcess: Sendable {
    public enum Event: Sendable, Hashable {
        case line(String)
        /// A line longer than the limit (its length), dropped.
        case tooLong(Int)
        /// Lines that arrived faster than they were taken and were dropped.
        case overflow
        case exited(Int32)
    }

    /// Lines the agent has not taken yet, at most: past it they are dropped (a flood).
    public static let backlog = 256
    /// Bytes of input kept for a program that is not reading, at most.
    public static let maxPendingInput = 256 * 1024

    public let events: AsyncStream<Event>
    public let pid: Int32
    private let process: Process
    private let input: FileHandle
    private let pending = Locked<(bytes: [UInt8], dropped: Int)>(([], 0))

    /// Starts `command` (`command[0]` found on PATH), with `environment` added to ours.
    public init(command: [String], environment: [String: String] = [:]) throws(AgentError) {
        guard let program = command.first else { throw AgentError(.setup, "exec: an empty command") }
        let process = Process()
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--pdeathsig", "KILL", "--", "/usr/bin/env"] + command
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(Self.backlog))
        do {
            try process.run()
        } catch {
            throw AgentError(.setup, "exec \(program): \(error.localizedDescription)")
        }
        self.process = process
        self.events = events
        pid = process.processIdentifier
        input = stdin.fileHandleForWriting
        let fd = input.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let output = stdout.fileHandleForReading.fileDescriptor
        let reader = Thread {
            Self.readLines(output) { event in
                if case .dropped = continuation.yield(event) { continuation.yield(.overflow) }
            }
            // Output ends when the program exits (or closes it): then its exit, and the end.
            process.waitUntilExit()
            continuation.yield(.exited(process.terminationStatus))
            continuation.finish()
        }
        reader.start()
    }

    /// Queues one message and writes what the pipe takes now. False when the program has
    /// left more than `maxPendingInput` unread: the message is dropped.
    @discardableResult
    public func send(_ message: ProgramMessage) -> Bool {
        let line = Array((message.line + "\n").utf8)
        let queued = pending.withLock { state -> Bool in
            guard state.bytes.count + line.count <= Self.maxPendingInput else {
                state.dropped += 1
                return false
            }
            state.bytes += line
            return true
        }
        flush()
        return queued
    }

    /// Writes as much queued input as the pipe takes without waiting.
    public func flush() {
        pending.withLock { state in
            while !state.bytes.isEmpty {
                let written = state.bytes.withUnsafeBytes { write(input.fileDescriptor, $0.baseAddress, $0.count) }
                if written <= 0 { return }
                state.bytes.removeFirst(written)
            }
        }
    }

    /// Messages dropped because the program was not reading, and bytes still queued.
    public var unread: (dropped: Int, queued: Int) { pending.withLock { ($0.dropped, $0.bytes.count) } }

    public var isRunning: Bool { process.isRunning }

    /// Tells the program to stop, closes its input, and waits up to `grace` for it to
    /// exit; then SIGKILL. Returns false when it had to be killed.
    public func stop(grace: Duration = .seconds(2)) async -> Bool {
        send(.stop)
        try? input.close()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }

    /// Splits the bytes of `fd` into lines until end of file.
    static func readLines(_ fd: Int32, _ emit: (Event) -> Void) {
        var buffer: [UInt8] = []
        var discarding = 0  // bytes of a too-long line being skipped
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            for byte in chunk[0..<count] {
                if byte == UInt8(ascii: "\n") {
                    if discarding > 0 {
                        emit(.tooLong(discarding))
                    } else if !buffer.isEmpty {
                        emit(.line(String(decoding: buffer, as: UTF8.self)))
                    }
                    buffer.removeAll(keepingCapacity: true)
                    discarding = 0
                } else if discarding > 0 {
                    discarding += 1
                } else if buffer.count >= ProgramRequest.maxLineBytes {
                    discarding = buffer.count + 1
                    buffer.removeAll(keepingCapacity: true)
                } else {
                    buffer.append(byte)
                }
            }
        }
        if discarding > 0 { emit(.tooLong(discarding)) } else if !buffer.isEmpty { emit(.line(String(decoding: buffer, as: UTF8.self))) }
    }
}
