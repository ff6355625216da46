import Foundation
import Testing
import WarrantVectors
import WarrantWire

/// docs/PROTOCOL.md and the published vectors cover every message kind the code knows:
/// a kind added without its section or its vector fails here, so a third party never has
/// to learn a message from the code.
@Suite struct ProtocolCoverageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let protocolText = (try? String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)) ?? ""

    @Test(arguments: MessageKind.allCases)
    func everyKindHasItsRowAndSectionInPROTOCOL(_ kind: MessageKind) {
        #expect(Self.protocolText.contains("| \(kind.rawValue) | `\(kind.name)` |"), "docs/PROTOCOL.md §4 has no row for kind \(kind.rawValue) `\(kind.name)`")
        #expect(Self.protocolText.contains("**`\(kind.name)`** (kind \(kind.rawValue))"), "docs/PROTOCOL.md §5 has no section **`\(kind.name)`** (kind \(kind.rawValue))")
    }

    @Test func everyKindHasAValidVectorInTheFileAndTheGenerator() throws {
        let file = try Data(contentsOf: Self.root.appendingPathComponent("Tests/Vectors/wire.json"))
        let vectors = try JSONSerialization.jsonObject(with: file) as? [[String: Any]] ?? []
        let inFile = Set(vectors.compactMap { $0["kind"] as? String })
        let generated = Set(WireVectors.valid().map(\.kind))
        for kind in MessageKind.allCases {
            #expect(inFile.contains(kind.name), "Tests/Vectors/wire.json has no vector of kind \(kind.name)")
            #expect(generated.contains(kind.name), "WireVectors.valid() makes no vector of kind \(kind.name)")
        }
    }

    @Test func everyReasonCodeIsInPROTOCOL() {
        for reason in ReasonCode.allCases {
            #expect(Self.protocolText.contains("`\(reason.name)`"), "docs/PROTOCOL.md never names reason code \(reason.name)")
        }
    }
}
