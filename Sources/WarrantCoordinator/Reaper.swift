import Foundation
import WarrantSync

/// What cleans up after a coordinator however it ends, SIGKILL included: a child
/// (`warrant-coordinator netns-clean --owner PID --after-eof`) that waits for end of file
/// on a pipe only the coordinator holds open, then removes the network namespaces a
/// `--netns` run made and unmounts the disks (`disk_mb`) it mounted, keeping their files.
/// A normal end does both itself; the reaper then finds nothing left.
public enum Reaper {
    private static let pipe = Locked<Pipe?>(nil)

    /// Starts this process's reaper, once (later calls do nothing). The write end of its
    /// pipe stays open, and out of every other child, for the rest of this process's life.
    public static func start(owner: Int32, log: String) throws(CoordinatorError) {
        guard pipe.withLock({ $0 == nil }) else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["netns-clean", "--owner", "\(owner)", "--after-eof"]
        let made = Pipe()
        _ = fcntl(made.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        process.standardInput = made
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = FileHandle(forWritingAtPath: log)
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw CoordinatorError(.launch, "cannot start the reaper: \(error.localizedDescription)")
        }
        try? made.fileHandleForReading.close()
        pipe.withLock { $0 = made }
    }

    /// The reaper's side: ignores the signals that end a foreground job, waits for end of
    /// file on standard input, then removes what `owner` left. Returns what it removed.
    public static func reap(owner: Int32) -> [String] {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        var byte: UInt8 = 0
        while read(0, &byte, 1) > 0 {}
        // The nodes saw the same end of file and exit on their own: wait for them (a
        // bounded while), so that no file is copied off a disk while a node still writes it.
        let disks = DiskFaults.mountPoints(owner: owner)
        for _ in 0..<50 where DiskFaults.inUse(disks) { usleep(100_000) }
        return Netns.removeWhenIdle(owner: owner) + DiskFaults.unmountAll(owner: owner)
    }
}
