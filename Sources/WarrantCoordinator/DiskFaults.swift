import Foundation
import WarrantCrypto
import WarrantStorage
#if canImport(Glibc)
import Glibc
#endif

/// Storage faults on real files. A node with `disk_mb` keeps its database on a tmpfs of
/// that size mounted at `DATA/disk` (its log stays on the run's own disk, so it can still
/// say why it halted); `fill-disk` fills that filesystem to the last byte with a ballast
/// file and `free-disk` removes it. `corrupt-db` and `truncate-db` damage the database
/// of a node that is down. Mounts are named `wrnt-PID-disk-NODE` after the coordinator
/// that made them: the run unmounts its own at the end (keeping the files), and a later
/// launch unmounts those of a coordinator no longer running.
public enum DiskFaults {
    static let ballastName = "ballast"

    /// The mount point of a node's disk, under its data directory.
    public static func mountPoint(data: String) -> String { "\(data)/disk" }

    /// Mounts a tmpfs of `megabytes` MiB at the node's disk (root only).
    public static func mount(data: String, node: String, megabytes: Int) throws(CoordinatorError) {
        guard getuid() == 0 else {
            throw CoordinatorError(.launch, "\(node) has disk_mb = \(megabytes): mounting its filesystem needs root")
        }
        let point = mountPoint(data: data)
        do {
            try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        } catch {
            throw CoordinatorError(.launch, "\(point): \(error.localizedDescription)")
        }
        guard !mounts().contains(where: { $0.point == point }) else { return }  // a restart keeps it
        do {
            try Netns.run(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "wrnt-\(getpid())-disk-\(node)", point])
        } catch {
            throw CoordinatorError(.launch, "mounting a \(megabytes) MiB tmpfs at \(point) for \(node): \(error)")
        }
    }

    /// Unmounts every disk this process mounted, keeping what was on it: the files are
    /// copied to the mount point's own directory underneath. Returns the mount points.
    @discardableResult
    public static func unmountAll(owner: Int32 = getpid(), keepingFiles: Bool = true) -> [String] {
        var done: [String] = []
        for entry in mounts() where entry.owner == owner {
            let saved = NSTemporaryDirectory() + "warrant-disk-\(owner)-\(done.count)"
            let manager = FileManager.default
            if keepingFiles {
                try? manager.createDirectory(atPath: saved, withIntermediateDirectories: true)
                for name in (try? manager.contentsOfDirectory(atPath: entry.point)) ?? [] where name != ballastName {
                    try? manager.copyItem(atPath: "\(entry.point)/\(name)", toPath: "\(saved)/\(name)")
                }
            }
            guard (try? Netns.run(["umount", "-l", entry.point])) != nil else { continue }
            if keepingFiles {
                for name in (try? manager.contentsOfDirectory(atPath: saved)) ?? [] {
                    try? manager.moveItem(atPath: "\(saved)/\(name)", toPath: "\(entry.point)/\(name)")
                }
                try? manager.removeItem(atPath: saved)
            }
            done.append(entry.point)
        }
        return done
    }

    /// The mount points of the disks `owner` mounted.
    static func mountPoints(owner: Int32) -> [String] {
        mounts().filter { $0.owner == owner }.map(\.point)
    }

    /// Whether any process (this one aside) holds a file open under one of `points`.
    static func inUse(_ points: [String]) -> Bool {
        guard !points.isEmpty else { return false }
        let me = "\(getpid())"
        for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(pid) != nil && pid != me {
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)") else { continue }
                if points.contains(where: { target.hasPrefix($0 + "/") }) { return true }
            }
        }
        return false
    }

    /// Unmounts the disks of coordinators no longer running (keeping their files, as a
    /// resumed `up` needs them).
    @discardableResult
    public static func sweep() -> [String] {
        Set(mounts().map(\.owner)).filter { $0 != getpid() && !Netns.isCoordinator($0) }
            .flatMap { unmountAll(owner: $0) }
    }

    /// Fills the node's disk with a ballast file until the filesystem refuses another
    /// byte; returns how many bytes it took.
    public static func fill(data: String) throws(CoordinatorError) -> UInt64 {
        let path = "\(mountPoint(data: data))/\(ballastName)"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw CoordinatorError(.badInput, "\(path): cannot create the ballast: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var total: UInt64 = 0
        for size in [1 << 20, 1 << 12, 1] {
            let chunk = [UInt8](repeating: 0x5a, count: size)
            while true {
                let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
                if written <= 0 { break }
                total += UInt64(written)
            }
        }
        return total
    }

    /// Removes the ballast; returns the bytes freed.
    public static func free(data: String) -> UInt64 {
        let path = "\(mountPoint(data: data))/\(ballastName)"
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
        try? FileManager.default.removeItem(atPath: path)
        return size
    }

    /// How a database is damaged.
    public enum Damage: String, Sendable {
        /// Random bytes over its first page and over pages spread through it.
        case garble
        /// Cut to half its length.
        case truncate
    }

    /// Damages the database of a node that is down: its WAL is first checkpointed into
    /// the file (as a clean shutdown would leave it), so the damage is to what the node
    /// will read. Returns a description of what was done.
    public static func damage(database path: String, _ how: Damage, seed: UInt64) throws(CoordinatorError) -> String {
        do {
            try LedgerStore.checkpoint(path: path)
        } catch {
            throw CoordinatorError(.badInput, "\(path): cannot checkpoint before damaging it: \(error)")
        }
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64, size > 0 else {
            throw CoordinatorError(.badInput, "\(path): no database to damage")
        }
        let fd = open(path, O_RDWR)
        guard fd >= 0 else { throw CoordinatorError(.badInput, "\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        switch how {
        case .truncate:
            guard ftruncate(fd, off_t(size / 2)) == 0 else { throw CoordinatorError(.badInput, "\(path): \(String(cString: strerror(errno)))") }
            return "truncated from \(size) to \(size / 2) bytes"
        case .garble:
            var random = SplitMix64(seed: seed)
            let page: UInt64 = 4_096, pages = max(1, size / page)
            var offsets: [UInt64] = [0]
            for _ in 0..<min(8, pages) { offsets.append((random.next() % pages) * page) }
            for offset in offsets {
                let junk = (0..<Int(min(page, size - offset))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                _ = junk.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
            }
            fsync(fd)
            return "random bytes over \(offsets.count) pages of \(pages)"
        }
    }

    /// Mounted tmpfs disks: owner (coordinator pid) and mount point.
    static func mounts() -> [(owner: Int32, point: String)] {
        guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, fields[2] == "tmpfs", fields[0].hasPrefix("wrnt-"), fields[0].contains("-disk-"),
                  let owner = Int32(fields[0].dropFirst(5).prefix { $0 != "-" }) else { return nil }
            // /proc/mounts escapes spaces and other bytes as octal (\040).
            return (owner, String(fields[1]).replacingOccurrences(of: "\\040", with: " "))
        }
    }
}
