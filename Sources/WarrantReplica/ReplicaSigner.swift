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
        let bytes = body.cborBytes
        return Envelope(kind: B.kind, sender: publicKey, body: bytes, signature: signature(kind: B.kind, body: bytes))
    }

    /// This signer's signature over `body` as a message of `kind` (what `seal` attaches).
    public func signature(kind: MessageKind, body: [UInt8]) -> Signature {
        switch self {
        case .ed25519(let key): key.sign(Envelope.signingInput(kind: kind, body: body))
        case .modelled(let key): SignatureScheme.modelledSignature(by: key, kind: kind, body: body)
        }
    }
}
