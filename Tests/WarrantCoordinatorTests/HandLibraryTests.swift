import Foundation
import Testing
import WarrantCoordinator
import WarrantCrypto

/// The hand commands' work, reached without the executable: key files, and faults that
/// name no cluster or bad values.
@Suite struct HandLibraryTests {
    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hand-\(UInt64.random(in: 0...UInt64.max))").path
    }

    @Test func keyGenerationKeepsExistingKeysUnlessForced() throws {
        let directory = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try KeyGeneration.named(["reader"], into: directory, force: false)
        let key = try KeyFile.readSecret(at: "\(directory)/reader.key").publicKey
        #expect(first == ["reader \(key.hex)"])
        #expect(try KeyGeneration.named(["reader"], into: directory, force: false)[0].contains("kept"))
        #expect(try KeyFile.readSecret(at: "\(directory)/reader.key").publicKey == key)
        _ = try KeyGeneration.named(["reader"], into: directory, force: true)
        #expect(try KeyFile.readSecret(at: "\(directory)/reader.key").publicKey != key)
        #expect(try KeyFile.readPublic(at: "\(directory)/reader.pub") != key)
    }

    @Test func faultsAgainstNoClusterSayThatNoneIsRunning() throws {
        let directory = Self.scratch()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // (An existing directory without a live cluster.json is waited for 30 s; a
        // directory that never appears, only for 2 s.)
        do {
            _ = try HandFaults(directory: "\(directory)/none", naming: ["n0"])
            Issue.record("a missing cluster directory was accepted")
        } catch {
            #expect(error.code == .badFile)
            #expect(error.message.contains("cluster.json"))
        }
    }
}
