import CSodium

/// BLAKE2b-256 (libsodium's `crypto_generichash` with a 32-byte output).
public enum Blake2b {
    public static func hash(_ input: some ContiguousBytes) -> Digest {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: Digest.byteCount)
        input.withUnsafeBytes { buf in
            _ = crypto_generichash(&out, out.count, buf.bytePointer, UInt64(buf.count), nil, 0)
        }
        return Digest(unchecked: out)
    }

    /// BLAKE2b with a 64-byte output: wide digests for additive set hashes.
    public static func hash512(_ input: some ContiguousBytes) -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: 64)
        input.withUnsafeBytes { buf in
            _ = crypto_generichash(&out, out.count, buf.bytePointer, UInt64(buf.count), nil, 0)
        }
        return out
    }

    /// Incremental hashing, for hashing a state built from many pieces without
    /// concatenating them first. Non-copyable: libsodium's state must stay 64-byte
    /// aligned, so it lives in its own allocation, freed (and wiped) with the hasher.
    public struct Hasher: ~Copyable {
        private let state: UnsafeMutableRawPointer
        private let stateSize = crypto_generichash_statebytes()

        public init() {
            Sodium.ensureReady()
            state = .allocate(byteCount: stateSize, alignment: 64)
            _ = crypto_generichash_init(OpaquePointer(state), nil, 0, Digest.byteCount)
        }

        deinit {
            sodium_memzero(state, stateSize)
            state.deallocate()
        }

        public mutating func update(_ input: some ContiguousBytes) {
            input.withUnsafeBytes { buf in
                _ = crypto_generichash_update(OpaquePointer(state), buf.bytePointer, UInt64(buf.count))
            }
        }

        public consuming func finalize() -> Digest {
            var out = [UInt8](repeating: 0, count: Digest.byteCount)
            _ = crypto_generichash_final(OpaquePointer(state), &out, out.count)
            return Digest(unchecked: out)
        }
    }
}
