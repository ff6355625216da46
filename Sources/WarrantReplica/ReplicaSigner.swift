import WarrantCrypto
import WarrantWire

/// How a replica signs and how it verifies: real Ed25519 on nodes, the modelled scheme in
/// the simulator (cheap and deterministic; a forgery still fails).
public enum ReplicaSigner: Sendable {
    case ed25519(SigningKey)
    case modelled(PublicKey)

    public var publicKey: PublicKey {
        switch self {
        case .ed25519(let key): key.publicKey
        case .modelled(let key): key
        }
    }

    /// The scheme every signature this replica receives is checked with.
    public var scheme: SignatureScheme {
        switch self {
        case .ed25519: .ed25519
        case .modelled: .modelled
        }
    }

    public func seal<B: WireBody>(_ body: B) -> Envelope {
        switch self {
        case .ed25519(let key):
            return Envelope.seal(body, by: key)
        case .modelled(let key):
            let bytes = body.cborBytes
            return Envelope(kind: B.kind, sender: key, body: bytes,
                            signature: SignatureScheme.modelledSignature(by: key, kind: B.kind, body: bytes))
        }
    }
}
