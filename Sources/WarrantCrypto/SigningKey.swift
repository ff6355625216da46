import CSodium

/// An Ed25519 secret key. The 64 secret bytes (seed then public key, libsodium's layout)
/// live in one heap allocation that is wiped with `sodium_memzero` when the key is freed,
/// and are never copied into Swift arrays.
///
/// `@unchecked Sendable` is safe: the buffer is written once in `init`, only read
/// afterwards (libsodium's sign reads it), and freed in `deinit`, when no other
/// reference can exist.
public final class SigningKey: @unchecked Sendable {
    public static let seedByteCount = 32
    private static let secretByteCount = 64

    private let secret: UnsafeMutableRawBufferPointer
    public let publicKey: PublicKey

    /// A fresh random key from libsodium's CSPRNG.
    public convenience init() {
        Sodium.ensureReady()
        var seed = [UInt8](repeating: 0, count: Self.seedByteCount)
        randombytes_buf(&seed, seed.count)
        try! self.init(seed: seed)
        sodium_memzero(&seed, seed.count)
    }

    /// A key derived from a 32-byte seed: reproducible keys for tests and test vectors.
    public init(seed: [UInt8]) throws(CryptoError) {
        Sodium.ensureReady()
        guard seed.count == Self.seedByteCount else {
            throw CryptoError(.wrongLength, "Ed25519 seed must be 32 bytes, got \(seed.count)")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.secretByteCount, alignment: 16)
        var pk = [UInt8](repeating: 0, count: PublicKey.byteCount)
        let status = seed.withUnsafeBufferPointer { seedPtr in
            crypto_sign_seed_keypair(&pk, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), seedPtr.baseAddress!)
        }
        secret = buffer
        precondition(status == 0, "crypto_sign_seed_keypair failed")
        publicKey = PublicKey(unchecked: pk)
    }

    deinit {
        sodium_memzero(secret.baseAddress!, secret.count)
        secret.deallocate()
    }

    /// The 32-byte seed, for writing a key file. The caller owns the copy and should
    /// not keep it longer than needed.
    public func exportSeed() -> [UInt8] {
        Array(secret.prefix(Self.seedByteCount))
    }

    /// A detached signature over `message`.
    public func sign(_ message: some ContiguousBytes) -> Signature {
        var signature = [UInt8](repeating: 0, count: Signature.byteCount)
        message.withUnsafeBytes { msg in
            let status = crypto_sign_detached(
                &signature, nil,
                msg.bytePointer,
                UInt64(msg.count),
                secret.baseAddress!.assumingMemoryBound(to: UInt8.self))
            precondition(status == 0, "crypto_sign_detached failed")
        }
        return Signature(unchecked: signature)
    }
}

/// What `SigningKey.sign` and `PublicKey.verify` accept: `[UInt8]`, `ArraySlice<UInt8>`,
/// or anything else with contiguous bytes.
public protocol ContiguousBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}
extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}
extension UnsafeRawBufferPointer: ContiguousBytes {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}

extension UnsafeRawBufferPointer {
    /// libsodium wants a non-null pointer even for zero-length input.
    var bytePointer: UnsafePointer<UInt8> {
        if let base = baseAddress { return base.assumingMemoryBound(to: UInt8.self) }
        return UnsafePointer(emptyInput)
    }
}

/// One byte that is never written: a valid pointer for empty inputs. Immutable after
/// its one-time initialisation, hence safe to share.
nonisolated(unsafe) private let emptyInput: UnsafeMutablePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()

extension PublicKey {
    /// Strict Ed25519 verification (libsodium ≥ 1.0.16): rejects non-canonical S,
    /// small-order and non-canonical public keys and R, so a signature has one valid
    /// byte form and cannot be malleated.
    public func verify(_ signature: Signature, over message: some ContiguousBytes) -> Bool {
        Sodium.ensureReady()
        let started = ContinuousClock.now
        defer { VerifyStats.record(since: started) }
        return message.withUnsafeBytes { msg in
            signature.bytes.withUnsafeBufferPointer { sig in
                bytes.withUnsafeBufferPointer { pk in
                    crypto_sign_verify_detached(
                        sig.baseAddress!,
                        msg.bytePointer,
                        UInt64(msg.count),
                        pk.baseAddress!) == 0
                }
            }
        }
    }
}
