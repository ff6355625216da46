import WarrantCrypto

/// `Tests/Vectors/ed25519.json`: which Ed25519 signatures a Warrant implementation must
/// accept — libsodium's strict rule (docs/PROTOCOL.md, *The envelope*) — as edge cases
/// any library can be checked against: a valid signature, then each way a lax verifier
/// would accept what Warrant refuses.
public enum SignatureVectors {
    public struct Vector: Encodable, Sendable {
        public let name: String
        public let public_key_hex: String
        public let message_hex: String
        public let signature_hex: String
        public let accepted: Bool
        public let why: String
    }

    /// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let order: [UInt8] = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]
    /// The neutral element (order 1): y = 1.
    static let identity: [UInt8] = [1] + [UInt8](repeating: 0, count: 31)
    /// A point of order 2: y = −1 (p − 1).
    static let orderTwo: [UInt8] = [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f]
    /// y = p = 2^255 − 19: the encoding of 0 that is not reduced (non-canonical).
    static let nonCanonicalY: [UInt8] = [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f]

    /// Little-endian 256-bit sum (no carry out: S + L stays below 2^256).
    static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32), carry = 0
        for i in 0..<32 {
            let sum = Int(a[i]) + Int(b[i]) + carry
            out[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        return out
    }

    public static func all() -> [Vector] {
        let key = try! SigningKey(seed: [UInt8](repeating: 0x5a, count: 32))
        let message = Array("warrant/v1/act\u{0}conformance".utf8)
        let signature = key.sign(message).bytes
        let (r, s) = (Array(signature[0..<32]), Array(signature[32..<64]))
        let pk = key.publicKey.bytes
        func vector(_ name: String, _ pk: [UInt8], _ sig: [UInt8], _ accepted: Bool, _ why: String, message: [UInt8] = message) -> Vector {
            Vector(name: name, public_key_hex: Hex.encode(pk), message_hex: Hex.encode(message), signature_hex: Hex.encode(sig),
                   accepted: accepted, why: why)
        }
        var flipped = signature
        flipped[0] ^= 1
        return [
            vector("valid", pk, signature, true, "RFC 8032 Ed25519 over the message by the key's seed (0x5a × 32)"),
            vector("empty-message", pk, key.sign([UInt8]()).bytes, true, "a signature over no bytes at all is still a signature", message: []),
            vector("non-canonical-s", pk, r + add(s, order), false, "S + L: the same scalar mod L, but S must be below L"),
            vector("s-with-high-bit", pk, r + s.dropLast() + [s[31] | 0x80], false, "S ≥ 2^255: never a reduced scalar"),
            vector("small-order-r-identity", pk, identity + s, false, "R is the neutral element (small order)"),
            vector("small-order-r-order-two", pk, orderTwo + s, false, "R has order 2"),
            vector("small-order-public-key", identity, identity + [UInt8](repeating: 0, count: 32), false,
                   "the key is the neutral element: with R = identity and S = 0 a lax verifier accepts any message"),
            vector("order-two-public-key", orderTwo, signature, false, "the key has order 2"),
            vector("non-canonical-public-key", nonCanonicalY, signature, false, "the key's y is p, not reduced mod p"),
            vector("wrong-message", pk, signature, false, "a valid signature, over other bytes", message: message + [0]),
            vector("flipped-bit", pk, flipped, false, "one bit of R flipped"),
            vector("other-key", try! SigningKey(seed: [UInt8](repeating: 0x5b, count: 32)).publicKey.bytes, signature, false,
                   "a valid signature, by another key"),
        ]
    }
}
