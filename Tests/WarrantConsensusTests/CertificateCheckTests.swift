import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// The edge check of commit certificates (catch-up, rebroadcast decisions), with real
/// Ed25519 signatures: a certificate proves its block only with 2f + 1 distinct
/// validators' valid precommits for exactly that block.
@Suite struct CertificateCheckTests {
    let cluster = TestCluster(size: 4)
    var validators: ValidatorSet { cluster.nodes[0].core.validators }

    func block(_ text: String = "v") -> Block {
        Block(height: 1, timeMs: TestCluster.genesisTime + 1, proposer: cluster.nodes[1].key.publicKey, previous: .zero,
              lastCommit: nil, stateHash: TestCluster.genesisState, requests: [ByteString(Array(text.utf8))], evidence: [])
    }

    func certificate(for block: Block, signers: [Int]) -> Certificate {
        let signatures = signers.map { node in
            let vote = cluster.sign(node, type: .precommit, height: block.height, round: 0, block: block.hash)
            return CommitSignature(validator: vote.validator, signature: vote.signature)
        }
        return Certificate(height: block.height, round: 0, block: block.hash, signatures: signatures)
    }

    @Test func aQuorumOfValidPrecommitsProvesTheBlock() {
        #expect(validators.problem(with: certificate(for: block(), signers: [0, 1, 2]), for: block(), signatures: .ed25519) == nil)
        #expect(validators.problem(with: certificate(for: block(), signers: [0, 1, 2, 3]), for: block(), signatures: .ed25519) == nil)
    }

    @Test func everyForgeryIsNamed() {
        let real = certificate(for: block(), signers: [0, 1, 2])
        // A tampered block under a real certificate.
        #expect(validators.problem(with: real, for: block("tampered"), signatures: .ed25519) == .wrongBlock)
        // 2f signatures.
        #expect(validators.problem(with: certificate(for: block(), signers: [0, 1]), for: block(), signatures: .ed25519) == .tooFewSignatures)
        // One signer twice.
        var doubled = real
        doubled.signatures = [real.signatures[0], real.signatures[0], real.signatures[1]]
        #expect(validators.problem(with: doubled, for: block(), signatures: .ed25519) == .duplicateSigner)
        // A key outside the validator set.
        var stranger = real
        let outsider = try! SigningKey(seed: [UInt8](repeating: 0x55, count: 32))
        stranger.signatures[0] = CommitSignature(validator: outsider.publicKey, signature: real.signatures[0].signature)
        #expect(validators.problem(with: stranger, for: block(), signatures: .ed25519) == .unknownValidator)
        // A signature over another block, moved into this certificate.
        var moved = real
        moved.signatures[2] = certificate(for: block("other"), signers: [2]).signatures[0]  // nodes are in validator order
        #expect(validators.problem(with: moved, for: block(), signatures: .ed25519) == .badSignature)
        // The right block at the wrong height.
        var misplaced = real
        misplaced.height = 2
        #expect(validators.problem(with: misplaced, for: block(), signatures: .ed25519) == .wrongHeight)
    }
}
