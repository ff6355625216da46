import Foundation

/// Child processes that never outlive the coordinator: each gets the read end of a pipe
/// as its standard input and exits when it reads end of file, which happens when the
/// coordinator exits for any reason, SIGKILL included (PR_SET_PDEATHSIG fires when the
/// spawning *thread* exits, which under Swift concurrency is no guide). Their output goes
/// to a log file.
public final class ChildProcesses: @unchecked Sendable {
    // @unchecked: every mutable member is guarded by `lock`; Process and Pipe are
    // only touched under it.
    private let lock = NSLock()
    private var children: [String: (process: Process, watchdog: Pipe)] = [:]
    /// Under `--netns`: each child starts in its own namespace.
    public let netns: NetnsLayout?

    public init(netns: NetnsLayout? = nil) {
        self.netns = netns
    }

    /// Starts `executable` as `name`, logging to `log`. The child must exit on EOF of
    /// its standard input (warrant-node and warrant-agent do, with `--watchdog-fd 0`).
    @discardableResult
    public func start(_ name: String, executable: String, arguments: [String], log: String) throws(CoordinatorError) -> Int32 {
        let process = Process()
        let (executable, arguments) = netns?.namespace(ofChild: name).map { Netns.wrap(executable, arguments, in: $0) }
            ?? (executable, arguments)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let watchdog = Pipe()
        // Only this process may hold the write end: a sibling started later would
        // otherwise inherit it and keep the pipe open after we die.
        _ = fcntl(watchdog.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        process.standardInput = watchdog
        // Appended to: a restarted node's earlier lines stay.
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        guard let output = FileHandle(forWritingAtPath: log) else { throw CoordinatorError(.launch, "\(log): cannot open for writing") }
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw CoordinatorError(.launch, "\(name): cannot start \(executable): \(error.localizedDescription)")
        }
        try? watchdog.fileHandleForReading.close()
        lock.withLock { children[name] = (process, watchdog) }
        return process.processIdentifier
    }

    public func pid(_ name: String) -> Int32? { lock.withLock { children[name]?.process.processIdentifier } }

    public func isRunning(_ name: String) -> Bool { lock.withLock { children[name]?.process.isRunning ?? false } }

    /// Sends `signal` to one child.
    public func signal(_ name: String, _ signal: Int32) {
        guard let pid = pid(name) else { return }
        kill(pid, signal)
    }

    /// SIGKILLs a child and waits for it (a `kill` fault; `start` brings it back).
    public func killNow(_ name: String) {
        let child = lock.withLock { children.removeValue(forKey: name) }
        guard let child else { return }
        kill(child.process.processIdentifier, SIGKILL)
        child.process.waitUntilExit()
    }

    /// Stops every child: SIGTERM, then SIGKILL after `grace`.
    public func stopAll(grace: TimeInterval = 3) {
        let all = lock.withLock { () -> [(process: Process, watchdog: Pipe)] in
            defer { children = [:] }
            return Array(children.values)
        }
        for child in all where child.process.isRunning { child.process.terminate() }
        let deadline = Date().addingTimeInterval(grace)
        for child in all {
            while child.process.isRunning && Date() < deadline { usleep(20_000) }
            if child.process.isRunning { kill(child.process.processIdentifier, SIGKILL) }
            child.process.waitUntilExit()
        }
    }

    /// The directory of the running executable, where SwiftPM also puts warrant-node
    /// and warrant-agent.
    public static var executableDirectory: String {
        ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }
}
