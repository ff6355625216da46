import Foundation
import Testing
import WarrantGateway
import WarrantTopology

/// The gateway without a cluster: tools files, the act each call becomes, and the file
/// reader's confinement (the whole gateway against a cluster: scripts/check-mcp-gateway.py).
@Suite struct GatewayTests {
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("gateway/tools.toml").path

    @Test func theShippedToolsLoadWithPathsFromTheirFile() throws {
        let tools = try ToolSpec.load(Self.shipped)
        #expect(tools.map(\.name) == ["read_file", "pay"])
        #expect(tools[0].kind == .fileReader && !tools[0].spends && tools[0].root?.hasSuffix("/gateway/files") == true)
        #expect(tools[0].arguments == ["path"])
        #expect(tools[1].kind == .payment && tools[1].spends && tools[1].ledger?.hasSuffix("/gateway/payments.jsonl") == true)
        #expect(tools[1].arguments == ["payee", "amount"] && tools[1].numericArguments == ["amount"])
    }

    @Test(arguments: [
        ("[[tools]]\nname = \"x\"\nkind = \"teleport\"\noperation = \"a\"\nresource = \"r\"\n", "tools[0].kind", "teleport"),
        ("[[tools]]\nname = \"x\"\nkind = \"payment\"\noperation = \"a\"\nresource = \"r\"\n", "tools[0].ledger", "required"),
        ("[[tools]]\nname = \"x\"\nkind = \"payment\"\nledger = \"p\"\nspends = false\noperation = \"a\"\nresource = \"r\"\n", "tools[0].spends", "committed act"),
        ("[[tools]]\nname = \"x\"\nkind = \"command\"\noperation = \"a\"\nresource = \"r\"\namount = \"lots\"\n", "tools[0].amount", "whole number"),
        ("[[tools]]\nname = \"x\"\nkind = \"file-reader\"\nroot = \".\"\noperation = \"a\"\nresource = \"r\"\ncolour = 1\n", "tools[0].colour", "not a key"),
        ("title = \"no tools\"\n", "tools", "at least one"),
    ] as [(String, String, String)])
    func aBrokenToolsFileIsRefusedByKey(_ text: String, _ key: String, _ words: String) throws {
        let file = try Self.scratch().appendingPathComponent("tools.toml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try ToolSpec.load(file.path)
            Issue.record("accepted")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.reason.contains(words), "\(error)")
        }
    }

    @Test func aCallBecomesItsActWithTheArgumentsFilledIn() throws {
        let pay = try ToolSpec.load(Self.shipped)[1]
        let request = try ToolRequest(pay, arguments: ["payee": "bob", "amount": "30"])
        #expect(request.operation == "pay" && request.resource == "payees/bob" && request.amount == 30)
    }

    @Test(arguments: [
        (["payee": "bob"], "'amount' is missing"),
        (["payee": "bob", "amount": "-3"], "whole number"),
        (["payee": "../admin", "amount": "1"], "no '..'"),
        (["payee": "bob smith", "amount": "1"], "letters, digits"),
        (["payee": "bob", "amount": "1", "memo": "x"], "no argument 'memo'"),
    ] as [([String: String], String)])
    func badArgumentsAreRefusedBeforeAnythingIsAsked(_ arguments: [String: String], _ words: String) throws {
        let pay = try ToolSpec.load(Self.shipped)[1]
        do {
            _ = try ToolRequest(pay, arguments: arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(error.code == .badArguments && error.message.contains(words), "\(error)")
        }
    }

    @Test func theFileReaderStaysInItsDirectoryLinksIncluded() throws {
        let root = try Self.scratch()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("box"), withIntermediateDirectories: true)
        try "inside".write(to: root.appendingPathComponent("box/a.txt"), atomically: true, encoding: .utf8)
        try "outside".write(to: root.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("box/link").path, withDestinationPath: root.appendingPathComponent("secret.txt").path)
        let box = root.appendingPathComponent("box").path
        #expect(try ShippedTools.readFile(root: box, path: "a.txt") == "inside")
        #expect(throws: GatewayError.self) { try ShippedTools.readFile(root: box, path: "link") }
        #expect(throws: GatewayError.self) { try ShippedTools.readFile(root: box, path: "../secret.txt") }
        #expect(throws: GatewayError.self) { try ShippedTools.readFile(root: box, path: "missing.txt") }
    }

    @Test func aPaymentIsOneLineInTheLedger() throws {
        let ledger = try Self.scratch().appendingPathComponent("payments.jsonl").path
        _ = try ShippedTools.pay(ledger: ledger, payee: "bob", amount: 30, session: "s1", request: "r1", height: 7)
        _ = try ShippedTools.pay(ledger: ledger, payee: "carol", amount: 5, session: "s1", request: "r2", height: 8)
        let lines = try String(contentsOfFile: ledger, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["payee"] as? String == "bob" && (first?["amount"] as? NSNumber)?.intValue == 30 && first?["request"] as? String == "r1")
    }
}
