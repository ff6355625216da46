#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Key files on disk: a human-readable text format, one `name = value` per line.
///
/// A secret key file (`NAME.key`, mode 0600) holds the seed and, in the clear, the public
/// key so a person can see whose key it is:
///
///     # warrant ed25519 secret key: keep private
///     public = d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
///     seed = 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
///
/// A public key file (`NAME.pub`) holds only the `public = …` line.
/// Loading refuses a secret file that group or others may read, a value of the wrong
/// length, bad hex, a missing or unknown field, and a public key that does not match the
/// seed; every error names the file.
public enum KeyFile {
    public static func writeSecret(_ key: SigningKey, to path: String) throws(CryptoError) {
        var seed = key.exportSeed()
        defer { seed.withUnsafeMutableBytes { for i in $0.indices { $0[i] = 0 } } }
        let text = "# warrant ed25519 secret key: keep private\npublic = \(key.publicKey.hex)\nseed = \(Hex.encode(seed))\n"
        try write(text, to: path, mode: 0o600)
    }

    public static func writePublic(_ key: PublicKey, to path: String) throws(CryptoError) {
        try write("# warrant ed25519 public key\npublic = \(key.hex)\n", to: path, mode: 0o644)
    }

    public static func readSecret(at path: String) throws(CryptoError) -> SigningKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CryptoError(.fileUnreadable, "\(path): \(errnoText())")
        }
        if info.st_mode & 0o077 != 0 {
            throw CryptoError(
                .badPermissions,
                "\(path): secret key file has mode \(String(info.st_mode & 0o777, radix: 8)); it must be 600 (chmod 600 \(path))")
        }
        let fields = try parse(read(path), path: path, allowed: ["public", "seed"])
        guard let seedHex = fields["seed"] else {
            throw CryptoError(.badKeyFile, "\(path): no 'seed' line")
        }
        let key: SigningKey
        do {
            key = try SigningKey(seed: Hex.decode(seedHex))
        } catch {
            throw CryptoError(error.code, "\(path): field 'seed': \(error.message)")
        }
        if let publicHex = fields["public"] {
            let stated = try publicKey(publicHex, field: "public", path: path)
            guard stated == key.publicKey else {
                throw CryptoError(.keyMismatch, "\(path): 'public' does not match the key derived from 'seed'")
            }
        }
        return key
    }

    public static func readPublic(at path: String) throws(CryptoError) -> PublicKey {
        let fields = try parse(read(path), path: path, allowed: ["public"])
        guard let publicHex = fields["public"] else {
            throw CryptoError(.badKeyFile, "\(path): no 'public' line")
        }
        return try publicKey(publicHex, field: "public", path: path)
    }

    private static func publicKey(_ hex: String, field: String, path: String) throws(CryptoError) -> PublicKey {
        do {
            return try PublicKey(hex: hex)
        } catch {
            throw CryptoError(error.code, "\(path): field '\(field)': \(error.message)")
        }
    }

    private static func parse(_ text: String, path: String, allowed: Set<String>) throws(CryptoError) -> [String: String] {
        var fields: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                throw CryptoError(.badKeyFile, "\(path):\(number + 1): expected 'name = value'")
            }
            let name = String(parts[0].trimmingSpaces())
            guard allowed.contains(name) else {
                throw CryptoError(.badKeyFile, "\(path):\(number + 1): unknown field '\(name)'")
            }
            guard fields[name] == nil else {
                throw CryptoError(.badKeyFile, "\(path):\(number + 1): field '\(name)' given twice")
            }
            fields[name] = String(parts[1].trimmingSpaces())
        }
        return fields
    }

    private static func read(_ path: String) throws(CryptoError) -> String {
        guard let file = fopen(path, "rb") else {
            throw CryptoError(.fileUnreadable, "\(path): \(errnoText())")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
            if bytes.count > 64 * 1024 {
                throw CryptoError(.badKeyFile, "\(path): too large for a key file")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CryptoError(.badEncoding, "\(path): not UTF-8 text")
        }
        return text
    }

    private static func write(_ text: String, to path: String, mode: mode_t) throws(CryptoError) {
        // O_EXCL refuses to overwrite an existing key; the mode is set at creation so a
        // secret is never readable by others, not even briefly.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else {
            throw CryptoError(.fileUnreadable, "\(path): cannot create: \(errnoText())")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw CryptoError(.fileUnreadable, "\(path): short write: \(errnoText())")
        }
        _ = fchmod(fd, mode)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension StringProtocol {
    func trimmingSpaces() -> Substring {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
