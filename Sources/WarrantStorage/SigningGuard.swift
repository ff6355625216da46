import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The height through which a validator may have signed votes or proposals, in a small
/// file beside its database (`node.signing-guard`, one decimal line). The consensus record in
/// the database says exactly what was signed; this file survives the database being
/// truncated, corrupted or moved aside, so a validator restored from its peers knows
/// where its earlier signatures end and signs nothing up to there
/// (`ConsensusCore.abstainThrough`). It is raised once per height, before the record of
/// that height: 21 bytes rewritten in place (within one sector, so never torn) and
/// fdatasync'd — one more sync per height, not per vote. Exact, so a restored validator
/// abstains only at the height it died in, which the others have usually decided by
/// then (a guard reserved ahead kept two restored validators abstaining together and
/// stalled a four-node cluster). Losing the file together with the database is the
/// operator's act of replacing a disk (docs/STORAGE.md).
public struct SigningGuard: Sendable {
    public let path: String

    /// The guard of the database at `database`: `node.signing-guard` beside `node.sqlite`
    /// (named apart from `node.sqlite*`, which a damaged database is moved aside with).
    public init(database: String) {
        let url = URL(fileURLWithPath: database)
        path = url.deletingPathExtension().path + ".signing-guard"
    }

    /// The height on file, or 0 when there is no file (a validator that never signed).
    public func read() throws(StorageError) -> UInt64 {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              let height = UInt64(text) else {
            throw StorageError(.badGuard, "\(path): expected one decimal height; delete the file only if this validator never signed beyond what its database records")
        }
        return height
    }

    /// Makes the file say `height`, durably, when it says less (`current`). Returns what
    /// it says.
    public func raise(covering height: UInt64, current: UInt64) throws(StorageError) -> UInt64 {
        guard height > current else { return current }
        let created = !FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw StorageError(.io, "\(path): cannot open the signing guard: \(Self.errnoText())") }
        let digits = String(height)
        let bytes = Array((String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "\n").utf8)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        let synced = written == bytes.count ? fdatasync(fd) : -1
        let failure = Self.errnoText()
        close(fd)
        guard written == bytes.count, synced == 0 else {
            throw StorageError(.io, "\(path): cannot write the signing guard (height \(height)): \(failure)")
        }
        if created {
            let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
            if directory >= 0 {
                defer { close(directory) }
                guard fsync(directory) == 0 else { throw StorageError(.io, "\(path): cannot sync its directory: \(Self.errnoText())") }
            }
        }
        return height
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
