import ArgumentParser
import Foundation
import WarrantCrypto
import WarrantVectors
import WarrantWire

struct Wire: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the wire format: decode envelopes, regenerate the test vectors.",
        subcommands: [Decode.self, Vectors.self])
}

/// JSON shown for a decoded envelope.
private struct DecodedEnvelope: Encodable {
    let version: UInt64
    let kind: MessageKind
    let sender: PublicKey
    let signature: Signature
    let hash: Digest
    let body: Message
}

private struct DecodeFailure: Encodable {
    let error: String
    let reason: String
    let path: String
    let offset: Int
    let message: String
}

func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

extension Wire {
    /// Decodes one envelope strictly and verifies its signature: JSON on stdout and exit
    /// 0, or the typed error (JSON on stdout, a sentence on stderr) and exit 1.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode and verify one envelope given as hex; print it as JSON (exit 0) or the typed error (exit 1).")

        @Option(help: "The envelope bytes in hex.")
        var hex: String

        @Option(help: "Largest message accepted, in bytes.")
        var maxBytes: Int = WireLimits.default.maxMessageBytes

        func run() throws {
            let bytes: [UInt8]
            do {
                bytes = try Hex.decode(hex.filter { !$0.isWhitespace })
            } catch {
                throw ValidationError("--hex: \(error.message)")
            }
            var limits = WireLimits.default
            limits.maxMessageBytes = maxBytes
            do {
                let opened = try SignedMessage(opening: bytes, limits: limits)
                print(try prettyJSON(DecodedEnvelope(
                    version: Envelope.version, kind: opened.kind, sender: opened.sender,
                    signature: opened.envelope.signature, hash: opened.hash, body: opened.message)))
            } catch let error as WireError {
                print(try prettyJSON(DecodeFailure(error: error.code.rawValue, reason: error.reason.name,
                                                   path: error.path, offset: error.offset, message: error.message)))
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    /// Rewrites Tests/Vectors/wire.json and wire-invalid.json from `WireVectors`.
    struct Vectors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the wire test vectors (wire.json, wire-invalid.json) into a directory.")

        @Option(help: "Directory for the vector files.")
        var out: String = "Tests/Vectors"

        func run() throws {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let valid = WireVectors.valid(), invalid = WireVectors.invalid()
            try (prettyJSON(valid) + "\n").write(toFile: "\(out)/wire.json", atomically: true, encoding: .utf8)
            try (prettyJSON(invalid) + "\n").write(toFile: "\(out)/wire-invalid.json", atomically: true, encoding: .utf8)
            print("wrote \(valid.count) valid and \(invalid.count) invalid vectors to \(out)")
        }
    }
}
