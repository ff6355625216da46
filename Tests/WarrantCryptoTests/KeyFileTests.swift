import Foundation
import Testing
import WarrantCrypto

@Suite struct KeyFileTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("warrant-keyfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    private func write(_ name: String, _ text: String, mode: Int) throws -> String {
        let path = "\(dir)/\(name)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        return path
    }

    @Test func secretAndPublicRoundTrip() throws {
        let key = SigningKey()
        try KeyFile.writeSecret(key, to: "\(dir)/a.key")
        try KeyFile.writePublic(key.publicKey, to: "\(dir)/a.pub")
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(dir)/a.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: "\(dir)/a.key", encoding: .utf8)
        #expect(text.contains("public = \(key.publicKey.hex)"))
        #expect(try KeyFile.readSecret(at: "\(dir)/a.key").publicKey == key.publicKey)
        #expect(try KeyFile.readPublic(at: "\(dir)/a.pub") == key.publicKey)
    }

    @Test func writingNeverOverwritesAKey() throws {
        try KeyFile.writeSecret(SigningKey(), to: "\(dir)/b.key")
        #expect(throws: CryptoError.self) { try KeyFile.writeSecret(SigningKey(), to: "\(dir)/b.key") }
    }

    @Test func groupReadableSecretIsRefusedNamingTheFile() throws {
        let key = SigningKey()
        let path = try write("loose.key", "seed = \(Hex.encode(key.exportSeed()))\n", mode: 0o644)
        do {
            _ = try KeyFile.readSecret(at: path)
            Issue.record("a 0644 secret key file was accepted")
        } catch {
            #expect(error.code == .badPermissions)
            #expect(error.message.contains(path))
        }
    }

    @Test(arguments: [
        ("short.key", "seed = abcd\n", CryptoErrorCode.wrongLength),
        ("hex.key", "seed = \(String(repeating: "zz", count: 32))\n", .badEncoding),
        ("noseed.key", "public = \(String(repeating: "00", count: 32))\n", .badKeyFile),
        ("unknown.key", "seed = \(String(repeating: "01", count: 32))\nextra = 1\n", .badKeyFile),
        ("twice.key", "seed = \(String(repeating: "01", count: 32))\nseed = \(String(repeating: "01", count: 32))\n", .badKeyFile),
        ("mismatch.key", "public = \(String(repeating: "ab", count: 32))\nseed = \(String(repeating: "01", count: 32))\n", .keyMismatch),
    ])
    func malformedSecretFilesAreRefused(_ name: String, _ text: String, _ code: CryptoErrorCode) throws {
        let path = try write(name, text, mode: 0o600)
        do {
            _ = try KeyFile.readSecret(at: path)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.code == code)
            #expect(error.message.contains(path))
        }
    }

    @Test func missingFileIsAnErrorNamingIt() {
        let path = "\(dir)/absent.key"
        do {
            _ = try KeyFile.readSecret(at: path)
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.code == .fileUnreadable)
            #expect(error.message.contains(path))
        }
    }

    @Test func publicFileWithWrongLengthIsRefused() throws {
        let path = try write("short.pub", "public = abcdef\n", mode: 0o644)
        #expect(throws: CryptoError.self) { try KeyFile.readPublic(at: path) }
    }
}
