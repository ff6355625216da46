import Foundation
import Testing
import WarrantCrypto
@testable import WarrantVectors
import WarrantWire

/// The committed vector files must be exactly what the generator makes, every valid one
/// must open, and every invalid one must be refused with its stated error.
@Suite struct VectorFileTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Vectors")

    static func load(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try #require(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    @Test func validFileMatchesTheGeneratorAndOpens() throws {
        let file = try Self.load("wire.json")
        let generated = WireVectors.valid()
        #expect(file.map { $0["name"] as? String } == generated.map(\.name),
                "regenerate with: warrant-coordinator wire vectors --out Tests/Vectors")
        for (entry, vector) in zip(file, generated) {
            #expect(entry["envelope_hex"] as? String == vector.envelope_hex, "\(vector.name) is stale")
            let bytes = try Hex.decode(try #require(entry["envelope_hex"] as? String))
            let opened = try SignedMessage(opening: bytes)
            #expect(Hex.encode(opened.envelope.body) == entry["body_hex"] as? String)
            #expect(opened.envelope.signature.hex == entry["signature_hex"] as? String)
            #expect(opened.kind.domain == entry["domain"] as? String)
            let seed = try Hex.decode(try #require(entry["seed_hex"] as? String))
            #expect(try SigningKey(seed: seed).publicKey.hex == entry["public_key_hex"] as? String)
        }
    }

    @Test func invalidFileMatchesTheGeneratorAndIsRefused() throws {
        let file = try Self.load("wire-invalid.json")
        let generated = WireVectors.invalid()
        #expect(file.map { $0["name"] as? String } == generated.map(\.name))
        for entry in file {
            let name = entry["name"] as? String ?? "?"
            let expected = try #require(entry["error"] as? String)
            #expect(generated.first { $0.name == name }?.envelope_hex == entry["envelope_hex"] as? String, "\(name) is stale")
            let bytes = try Hex.decode(try #require(entry["envelope_hex"] as? String))
            do {
                _ = try SignedMessage(opening: bytes)
                Issue.record("\(name) was accepted")
            } catch {
                #expect(error.code.rawValue == expected, "\(name): \(error)")
            }
        }
    }
}
