import ArgumentParser
import Foundation
import WarrantCrypto

/// `warrant-coordinator keygen --out DIR [--name NAME ...]`: writes Ed25519 key files.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create Ed25519 key files: NAME.key (secret, mode 0600) and NAME.pub.")

    @Option(help: "Directory to write the key files into (created if missing).")
    var out: String

    @Option(name: .customLong("name"), help: "Key name; repeat for several keys.")
    var names: [String] = ["coordinator"]

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for name in names {
            let key = SigningKey()
            do {
                try KeyFile.writeSecret(key, to: "\(out)/\(name).key")
                try KeyFile.writePublic(key.publicKey, to: "\(out)/\(name).pub")
            } catch {
                throw ValidationError(error.description)
            }
            print("\(name) \(key.publicKey.hex)")
        }
    }
}
