import Foundation
import WarrantCrypto

/// The coordinator's own ipc endpoints (the principal, and `up`'s control of its
/// children), named after the cluster directory. A socket path must fit the kernel's
/// `sun_path` (108 bytes with its terminating zero), which a directory a few levels deep
/// under a long checkout path does not; such a directory gets a short stand-in under
/// /tmp, named by a hash of the directory, so every process that knows the directory
/// finds the same address.
public enum LocalEndpoint {
    /// The longest socket path used (bytes), below the kernel's limit.
    public static let maxPathBytes = 100

    /// `ipc://DIR/NAME.sock`, or `ipc:///tmp/warrant-HASH/NAME.sock` when that is too long.
    public static func address(directory: String, name: String) throws(CoordinatorError) -> String {
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let direct = "\(root)/\(name).sock"
        if direct.utf8.count <= maxPathBytes { return "ipc://\(direct)" }
        let short = "/tmp/warrant-\(Blake2b.hash(Array(root.utf8)).hex.prefix(16))"
        do {
            try FileManager.default.createDirectory(atPath: short, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw CoordinatorError(.launch, "\(short): cannot create the directory for \(root)'s sockets (\(error.localizedDescription))")
        }
        return "ipc://\(short)/\(name).sock"
    }
}
