import Foundation
import WarrantCrypto
import WarrantTopology

/// `warrant-coordinator keygen`: Ed25519 key files, NAME.key (secret, mode 0600) and NAME.pub.
public enum KeyGeneration {
    /// One pair for every node, principal and agent a topology names and the coordinator,
    /// keeping pairs that exist. Returns the line to print.
    public static func forTopology(_ path: String, into directory: String) throws -> String {
        let created = try ClusterKeys.generate(for: try Topology.load(path), into: directory)
        return "\(created.count) key pairs created in \(directory)\(created.isEmpty ? " (all existed)" : ": " + created.joined(separator: ", "))"
    }

    /// A pair for each name: idempotent (the key a name already has stays, since a cluster
    /// may know it) unless `force`. Returns one line per name: its public key.
    public static func named(_ names: [String], into directory: String, force: Bool) throws(CoordinatorError) -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CoordinatorError(.badFile, "\(directory): \(error.localizedDescription)")
        }
        var lines: [String] = []
        for name in names {
            let path = "\(directory)/\(name).key"
            if !force, FileManager.default.fileExists(atPath: path) {
                let existing = (try? KeyFile.readSecret(at: path)).map { $0.publicKey.hex } ?? "unreadable"
                lines.append("\(name) \(existing) (exists in \(directory); kept — --force replaces it)")
                continue
            }
            if force {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: "\(directory)/\(name).pub")
            }
            let key = SigningKey()
            do {
                try KeyFile.writeSecret(key, to: path)
                try KeyFile.writePublic(key.publicKey, to: "\(directory)/\(name).pub")
            } catch {
                throw CoordinatorError(.badFile, error.description)
            }
            lines.append("\(name) \(key.publicKey.hex)")
        }
        return lines
    }
}
