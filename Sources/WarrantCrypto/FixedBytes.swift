/// A byte string whose length is part of its type's contract (keys, signatures, hashes).
/// Conformers validate the length once, at construction, so later code never re-checks.
public protocol FixedBytes: Hashable, Comparable, Sendable, CustomStringConvertible {
    static var byteCount: Int { get }
    static var typeName: String { get }
    var bytes: [UInt8] { get }
    init(unchecked bytes: [UInt8])
}

extension FixedBytes {
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(.wrongLength, "\(Self.typeName) must be \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.init(unchecked: bytes)
    }

    public init(hex: some StringProtocol) throws(CryptoError) {
        try self.init(bytes: Hex.decode(hex))
    }

    public var hex: String { Hex.encode(bytes) }

    /// The first eight hex digits: enough to tell keys apart in logs.
    public var short: String { String(hex.prefix(8)) }

    public var description: String { hex }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Hashes the first eight bytes only: keys, digests and signatures are uniformly
    /// distributed, and Swift's hasher is seeded per process, so eight bytes spread them
    /// as well as all of them would, at a fraction of the cost — session and key lookups
    /// are the local check's hot path. (Equality still compares every byte.)
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine($0.loadUnaligned(as: UInt64.self)) }
    }
}

/// An Ed25519 public key (32 bytes): the identity of a node, principal, agent session or
/// coordinator.
public struct PublicKey: FixedBytes {
    public static let byteCount = 32
    public static let typeName = "public key"
    public let bytes: [UInt8]
    public init(unchecked bytes: [UInt8]) { self.bytes = bytes }
}

/// A detached Ed25519 signature (64 bytes: R then S).
public struct Signature: FixedBytes {
    public static let byteCount = 64
    public static let typeName = "signature"
    public let bytes: [UInt8]
    public init(unchecked bytes: [UInt8]) { self.bytes = bytes }
}

/// A BLAKE2b-256 digest: block hashes, request hashes, session ids, state hashes.
public struct Digest: FixedBytes {
    public static let byteCount = 32
    public static let typeName = "digest"
    public let bytes: [UInt8]
    public init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// All zeroes: the "previous block hash" of the first block.
    public static let zero = Digest(unchecked: [UInt8](repeating: 0, count: 32))
}

// Keys, signatures and digests appear in JSON (history files, `wire decode`, test
// vectors) as lowercase hex strings.
extension PublicKey: Codable {}
extension Signature: Codable {}
extension Digest: Codable {}

extension FixedBytes {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(hex: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}
