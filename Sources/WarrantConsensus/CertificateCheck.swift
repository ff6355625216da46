import WarrantCrypto
import WarrantWire

/// Why a commit certificate does not prove its block.
public enum CertificateProblem: String, Hashable, Sendable, Error {
    case wrongHeight = "wrong_height"
    /// The certificate names another block than the one it came with (a tampered block).
    case wrongBlock = "wrong_block"
    case unknownValidator = "unknown_validator"
    case duplicateSigner = "duplicate_signer"
    case tooFewSignatures = "too_few_signatures"
    case badSignature = "bad_signature"
}

extension ValidatorSet {
    /// Checks, at the edge, that `certificate` proves `block` decided: it names the
    /// block's height and hash and carries valid precommit signatures from at least
    /// 2f + 1 distinct members of this set. Pure (the scheme verifies the signatures);
    /// the cheap structural checks come before any signature is verified.
    public func problem(with certificate: Certificate, for block: Block, signatures scheme: SignatureScheme) -> CertificateProblem? {
        guard certificate.height == block.height else { return .wrongHeight }
        guard certificate.block == block.hash else { return .wrongBlock }
        var signers = Set<PublicKey>()
        for signature in certificate.signatures {
            guard contains(signature.validator) else { return .unknownValidator }
            guard signers.insert(signature.validator).inserted else { return .duplicateSigner }
        }
        guard signers.count >= quorum else { return .tooFewSignatures }
        let body = certificate.precommit.cborBytes
        for signature in certificate.signatures
        where !scheme.verifies(signature.signature, by: signature.validator, kind: .precommit, body: body) {
            return .badSignature
        }
        return nil
    }
}
