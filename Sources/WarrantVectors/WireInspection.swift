import Foundation
import WarrantCrypto
import WarrantWire

/// `warrant-coordinator wire decode` and `wire vectors`: the wire format seen from outside,
/// as JSON a third party can compare with its own decoder.
public enum WireInspection {
    /// JSON shown for a decoded envelope.
    struct Decoded: Encodable {
        let version: UInt64
        let kind: MessageKind
        let sender: PublicKey
        let signature: Signature
        let hash: Digest
        let body: Message
    }

    /// JSON shown for bytes refused, with the typed error.
    struct Refused: Encodable {
        let error: String
        let reason: String
        let path: String
        let offset: Int
        let message: String
    }

    /// Decodes one envelope given as hex strictly and verifies its signature: the JSON to
    /// print and, when refused, the error. Hex that is not hex throws.
    public static func decode(hex: String, maxBytes: Int) throws -> (json: String, error: WireError?) {
        let bytes = try Hex.decode(hex.filter { !$0.isWhitespace })
        var limits = WireLimits.default
        limits.maxMessageBytes = maxBytes
        let opened: SignedMessage
        do {
            opened = try SignedMessage(opening: bytes, limits: limits)
        } catch {
            return (try json(Refused(error: error.code.rawValue, reason: error.reason.name, path: error.path,
                                     offset: error.offset, message: error.message)), error)
        }
        return (try json(Decoded(version: Envelope.version, kind: opened.kind, sender: opened.sender,
                                 signature: opened.envelope.signature, hash: opened.hash, body: opened.message)), nil)
    }

    /// Writes wire.json and wire-invalid.json into `directory`; returns the line to print.
    public static func writeVectors(into directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let valid = WireVectors.valid(), invalid = WireVectors.invalid()
        try (json(valid) + "\n").write(toFile: "\(directory)/wire.json", atomically: true, encoding: .utf8)
        try (json(invalid) + "\n").write(toFile: "\(directory)/wire-invalid.json", atomically: true, encoding: .utf8)
        let signatures = SignatureVectors.all()
        try (json(signatures) + "\n").write(toFile: "\(directory)/ed25519.json", atomically: true, encoding: .utf8)
        return "wrote \(valid.count) valid and \(invalid.count) invalid vectors, and \(signatures.count) Ed25519 edge cases, to \(directory)"
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
