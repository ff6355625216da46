import Testing
import WarrantCrypto

/// RFC 8032 §7.1 test vectors 1–3 (Ed25519), plus inputs a strict verifier must refuse.
@Suite struct Ed25519Tests {
    struct Vector: Sendable {
        let seed: String, publicKey: String, message: String, signature: String
    }

    static let rfc8032: [Vector] = [
        Vector(
            seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        Vector(
            seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        Vector(
            seed: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            message: "af82",
            signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]

    @Test(arguments: rfc8032)
    func rfc8032Vector(_ v: Vector) throws {
        let key = try SigningKey(seed: Hex.decode(v.seed))
        #expect(key.publicKey.hex == v.publicKey)
        let message = try Hex.decode(v.message)
        let signature = key.sign(message)
        #expect(signature.hex == v.signature)
        #expect(key.publicKey.verify(signature, over: message))
    }

    @Test func signatureDoesNotVerifyForAnotherMessageOrKey() throws {
        let key = try SigningKey(seed: [UInt8](repeating: 7, count: 32))
        let other = SigningKey()
        let signature = key.sign([1, 2, 3])
        #expect(key.publicKey.verify(signature, over: [1, 2, 3]))
        #expect(!key.publicKey.verify(signature, over: [1, 2, 4]))
        #expect(!other.publicKey.verify(signature, over: [1, 2, 3]))
        var flipped = signature.bytes
        flipped[10] ^= 0x01
        #expect(!key.publicKey.verify(try Signature(bytes: flipped), over: [1, 2, 3]))
    }

    /// S + L (the group order) is the same scalar mod L; a lax verifier accepts it, a
    /// strict one must not, or signatures become malleable.
    @Test func nonCanonicalSIsRejected() throws {
        let v = Self.rfc8032[0]
        let publicKey = try PublicKey(hex: v.publicKey)
        let sPlusL = try Signature(hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901554c8c7872aa064e049dbb3013fbf29380d25bf5f0595bbe24655141438e7a101b")
        #expect(!publicKey.verify(sPlusL, over: [UInt8]()))
        #expect(publicKey.verify(try Signature(hex: v.signature), over: [UInt8]()))
    }

    /// With the identity point as public key and as R, and S = 0, the cofactorless
    /// equation holds for every message; strict verification refuses small-order keys.
    @Test(arguments: [
        "0100000000000000000000000000000000000000000000000000000000000000",  // identity, order 1
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2
        "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
    ])
    func smallOrderPublicKeyIsRejected(_ hex: String) throws {
        let publicKey = try PublicKey(hex: hex)
        let signature = try Signature(bytes: try Hex.decode(hex) + [UInt8](repeating: 0, count: 32))
        #expect(!publicKey.verify(signature, over: Array("any message".utf8)))
        #expect(!publicKey.verify(signature, over: [UInt8]()))
    }

    @Test func randomKeysDiffer() {
        #expect(SigningKey().publicKey != SigningKey().publicKey)
    }

    @Test func wrongSeedLengthIsATypedError() {
        #expect(throws: CryptoError(.wrongLength, "Ed25519 seed must be 32 bytes, got 31")) {
            try SigningKey(seed: [UInt8](repeating: 0, count: 31))
        }
    }

    @Test func exportedSeedRebuildsTheSameKey() throws {
        let key = SigningKey()
        let again = try SigningKey(seed: key.exportSeed())
        #expect(again.publicKey == key.publicKey)
    }
}

@Suite struct Blake2bTests {
    /// Known answers computed independently (Python's hashlib.blake2b, digest_size=32).
    @Test func knownAnswers() {
        #expect(Blake2b.hash([UInt8]()).hex == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(Blake2b.hash(Array("abc".utf8)).hex == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = Blake2b.Hasher()
        hasher.update(data[0..<10])
        hasher.update(data[10..<999])
        hasher.update(data[999...])
        #expect(hasher.finalize() == Blake2b.hash(data))
    }
}

@Suite struct HexTests {
    @Test func roundTripAndCase() throws {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(try Hex.decode("00ABff") == [0x00, 0xab, 0xff])
    }

    @Test(arguments: ["abc", "zz", "0x00", "0 "])
    func badHexIsRejected(_ text: String) {
        #expect(throws: CryptoError.self) { try Hex.decode(text) }
    }

    @Test func fixedBytesCheckLength() {
        #expect(throws: CryptoError.self) { try PublicKey(bytes: [1, 2, 3]) }
        #expect(throws: CryptoError.self) { try Signature(hex: String(repeating: "ab", count: 63)) }
    }
}
