import Foundation
import Testing
import WarrantCrypto
import WarrantVectors

/// The Ed25519 edge cases of Tests/Vectors/ed25519.json: the committed file is what the
/// generator makes, and Warrant's verifier accepts exactly the ones marked accepted
/// (scripts/check-vectors.py --signatures checks the same file with PyNaCl).
@Suite struct SignatureVectorTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors/ed25519.json")

    struct Stored: Decodable {
        let name: String, public_key_hex: String, message_hex: String, signature_hex: String, accepted: Bool
    }

    @Test func theVerifierAcceptsExactlyTheVectorsMarkedAccepted() throws {
        let stored = try JSONDecoder().decode([Stored].self, from: Data(contentsOf: Self.file))
        #expect(stored.count >= 10 && stored.contains { $0.accepted } && stored.contains { !$0.accepted })
        for vector in stored {
            let key = PublicKey(unchecked: try Hex.decode(vector.public_key_hex))
            let verified = key.verify(Signature(unchecked: try Hex.decode(vector.signature_hex)), over: try Hex.decode(vector.message_hex))
            #expect(verified == vector.accepted, "\(vector.name): verified \(verified), the vector says \(vector.accepted)")
        }
    }

    @Test func theFileIsWhatTheGeneratorMakes() throws {
        let stored = try JSONDecoder().decode([Stored].self, from: Data(contentsOf: Self.file))
        let generated = SignatureVectors.all()
        #expect(stored.map(\.name) == generated.map(\.name))
        #expect(stored.map(\.signature_hex) == generated.map(\.signature_hex))
        #expect(stored.map(\.public_key_hex) == generated.map(\.public_key_hex))
    }
}
