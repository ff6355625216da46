import Foundation
import Testing
import WarrantVectors
import WarrantWire

/// `wire decode` as a library call: every published vector decodes to its kind, and every
/// invalid one is refused with the error code the vector names.
@Suite struct WireInspectionTests {
    @Test func validVectorsDecodeAndInvalidOnesAreRefusedWithTheirCode() throws {
        for vector in WireVectors.valid() {
            let decoded = try WireInspection.decode(hex: vector.envelope_hex, maxBytes: WireLimits.default.maxMessageBytes)
            #expect(decoded.error == nil, "\(vector.name): \(decoded.error.map { "\($0)" } ?? "")")
            #expect(decoded.json.contains("\"kind\" : \"\(vector.kind)\""), "\(vector.name)")
        }
        for vector in WireVectors.invalid() {
            let decoded = try WireInspection.decode(hex: vector.envelope_hex, maxBytes: WireLimits.default.maxMessageBytes)
            #expect(decoded.error?.code.rawValue == vector.error, "\(vector.name)")
            #expect(decoded.json.contains("\"error\" : \"\(vector.error)\""), "\(vector.name)")
        }
    }

    @Test func textThatIsNotHexThrows() {
        #expect(throws: (any Error).self) { try WireInspection.decode(hex: "zz", maxBytes: 100) }
    }

    @Test func vectorsAreWrittenAsTheFilesInTheRepository() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vectors-\(UInt64.random(in: 0...UInt64.max))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try WireInspection.writeVectors(into: directory).hasPrefix("wrote \(WireVectors.valid().count) valid"))
        let written = try String(contentsOfFile: "\(directory)/wire.json", encoding: .utf8)
        #expect(written.contains(WireVectors.valid()[0].envelope_hex))
    }
}
