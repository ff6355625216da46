import WarrantCrypto

/// How signatures are verified: real Ed25519, or the simulator's modelled signatures
/// (cheap, deterministic, and a forged message still fails the modelled check). Lives in
/// the wire layer so that the checkers, the simulator's edge and the consensus helpers
/// that verify certificates share one definition.
public enum SignatureScheme: Sendable {
    case ed25519
    case modelled

    /// The simulator's signature: BLAKE2b-512 over signer, domain, zero byte and body.
    /// Honest simulated nodes produce exactly this; anything else is a forgery.
    public static func modelledSignature(by signer: PublicKey, kind: MessageKind, body: [UInt8]) -> Signature {
        Signature(unchecked: Blake2b.hash512(signer.bytes + Envelope.signingInput(kind: kind, body: body)))
    }

    public func verifies(_ envelope: Envelope) -> Bool {
        verifies(envelope.signature, by: envelope.sender, kind: envelope.kind, body: envelope.body)
    }

    /// Whether `signature` is `signer`'s over `body` as a message of `kind`.
    public func verifies(_ signature: Signature, by signer: PublicKey, kind: MessageKind, body: [UInt8]) -> Bool {
        switch self {
        case .ed25519: return signer.verify(signature, over: Envelope.signingInput(kind: kind, body: body))
        case .modelled: return signature == Self.modelledSignature(by: signer, kind: kind, body: body)
        }
    }
}
