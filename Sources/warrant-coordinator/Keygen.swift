import ArgumentParser
import Foundation
import WarrantCrypto
import WarrantTopology

/// `warrant-coordinator keygen --out DIR [--name NAME ...] [--topology FILE]`: writes Ed25519 key files.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create Ed25519 key files: NAME.key (secret, mode 0600) and NAME.pub.",
        discussion: "With --topology, one pair for every node, principal and agent it names and the coordinator, keeping pairs that exist.")

    @Option(help: "Directory to write the key files into (created if missing).")
    var out: String

    @Option(name: .customLong("name"), help: "Key name; repeat for several keys.")
    var names: [String] = ["coordinator"]

    @Option(help: "Create the keys a topology needs.")
    var topology: String?

    @Flag(help: "Replace key files that exist (by default they are kept).")
    var force = false

    func run() throws {
        if let topology {
            do {
                let loaded = try Topology.load(topology)
                let created = try ClusterKeys.generate(for: loaded, into: out)
                print("\(created.count) key pairs created in \(out)\(created.isEmpty ? " (all existed)" : ": " + created.joined(separator: ", "))")
            } catch {
                throw CommandFailure("\(error)")
            }
            return
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for name in names {
            let path = "\(out)/\(name).key"
            if !force, FileManager.default.fileExists(atPath: path) {
                // Idempotent: the key a name already has stays (a cluster may know it).
                let existing = (try? KeyFile.readSecret(at: path)).map { $0.publicKey.hex } ?? "unreadable"
                print("\(name) \(existing) (exists in \(out); kept — --force replaces it)")
                continue
            }
            if force {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: "\(out)/\(name).pub")
            }
            let key = SigningKey()
            do {
                try KeyFile.writeSecret(key, to: "\(out)/\(name).key")
                try KeyFile.writePublic(key.publicKey, to: "\(out)/\(name).pub")
            } catch {
                throw CommandFailure(error.description)
            }
            print("\(name) \(key.publicKey.hex)")
        }
    }
}
