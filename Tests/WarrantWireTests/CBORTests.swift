import Testing
import WarrantCrypto
@testable import WarrantVectors
@testable import WarrantWire

@Suite struct CBORTests {
    static let boundaries: [(UInt64, String)] = [
        (0, "00"), (23, "17"), (24, "1818"), (255, "18ff"), (256, "190100"), (65_535, "19ffff"),
        (65_536, "1a00010000"), (4_294_967_295, "1affffffff"), (4_294_967_296, "1b0000000100000000"),
        (UInt64.max, "1bffffffffffffffff"),
    ]

    @Test(arguments: boundaries)
    func unsignedIntegersUseTheShortestForm(_ value: UInt64, _ hex: String) throws {
        var w = CBORWriter()
        w.write(value)
        #expect(Hex.encode(w.bytes) == hex)
        var r = CBORReader(w.bytes)
        #expect(try r.readUInt() == value)
        try r.finish()
    }

    @Test(arguments: ["1800", "1817", "190000", "1900ff", "1a00000000", "1a0000ffff", "1b0000000000000000", "1b00000000ffffffff"])
    func longerIntegerFormsAreRefused(_ hex: String) throws {
        #expect(code(hex) { r throws(WireError) in _ = try r.readUInt() } == .nonCanonical)
    }

    @Test(arguments: [Int64(-1), -24, -25, -256, -257, Int64.min, 0, 1, Int64.max])
    func signedIntegersRoundTrip(_ value: Int64) throws {
        var w = CBORWriter()
        w.write(value)
        var r = CBORReader(w.bytes)
        #expect(try r.readInt() == value)
        try r.finish()
    }

    @Test func negativeIntegerOutsideInt64IsRefused() throws {
        var r = CBORReader(try Hex.decode("3bffffffffffffffff"))
        #expect(throws: WireError.self) { try r.readInt() }
    }

    @Test func textAndBytesRoundTrip() throws {
        var w = CBORWriter()
        w.write("héllo/*")
        w.write(bytes: [1, 2, 3])
        w.write(true)
        var r = CBORReader(w.bytes)
        #expect(try r.readText() == "héllo/*")
        #expect(try r.readBytes() == [1, 2, 3])
        #expect(try r.readBool())
        try r.finish()
    }

    private func code(_ hex: String, limits: WireLimits = .default, _ read: (inout CBORReader) throws(WireError) -> Void) -> WireError.Code? {
        var r = CBORReader(try! Hex.decode(hex), limits: limits)
        do {
            try read(&r)
            try r.finish()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func refusedForms() {
        #expect(code("c101") { r throws(WireError) in _ = try r.readUInt() } == .tag)
        #expect(code("f93c00") { r throws(WireError) in _ = try r.readUInt() } == .float)
        #expect(code("fb3ff0000000000000") { r throws(WireError) in _ = try r.readUInt() } == .float)
        #expect(code("f6") { r throws(WireError) in _ = try r.readBool() } == .simpleValue)
        #expect(code("f7") { r throws(WireError) in _ = try r.readBool() } == .simpleValue)
        #expect(code("5f4101ff") { r throws(WireError) in _ = try r.readBytes() } == .indefiniteLength)
        #expect(code("9f01ff") { r throws(WireError) in _ = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readUInt() } } == .indefiniteLength)
        #expect(code("1c") { r throws(WireError) in _ = try r.readUInt() } == .badValue)
        #expect(code("62c328") { r throws(WireError) in _ = try r.readText() } == .invalidUTF8)
        #expect(code("0101") { r throws(WireError) in _ = try r.readUInt() } == .trailingBytes)
        #expect(code("4301") { r throws(WireError) in _ = try r.readBytes() } == .truncated)
        #expect(code("19") { r throws(WireError) in _ = try r.readUInt() } == .truncated)
        #expect(code("6161") { r throws(WireError) in _ = try r.readBytes() } == .wrongType)
        #expect(code("9a7fffffff") { r throws(WireError) in _ = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readUInt() } } == .tooLarge)
        #expect(code("83010203") { r throws(WireError) in _ = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readUInt() } } == nil)
        #expect(code("850102") { r throws(WireError) in _ = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readUInt() } } == .truncated)
    }

    @Test func limitsAreEnforced() {
        let small = WireLimits(maxMessageBytes: 8, maxTextBytes: 3, maxItems: 2, maxDepth: 1)
        #expect(code("6461626364", limits: small) { r throws(WireError) in _ = try r.readText() } == .tooLarge)
        #expect(code("63616263", limits: small) { r throws(WireError) in _ = try r.readText() } == nil)
        #expect(code("83010203", limits: small) { r throws(WireError) in _ = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readUInt() } } == .tooLarge)
        #expect(code("49000000000000000000", limits: small) { r throws(WireError) in _ = try r.readBytes() } == .tooLarge)
        #expect(code("818101", limits: small) { r throws(WireError) in
            _ = try r.readArray { (r: inout CBORReader) throws(WireError) in
                try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readUInt() }
            }
        } == .tooDeep)
    }

    @Test func nestingBeyondTheLimitIsRefusedInMessages() throws {
        let grant = WireVectors.exampleGrant.cborBytes
        var limits = WireLimits.default
        limits.maxDepth = 2
        do {
            _ = try Grant(cbor: grant, limits: limits)
            Issue.record("a grant (depth 3: grant, scope, operations) decoded with maxDepth 2")
        } catch {
            #expect(error.code == .tooDeep)
            #expect(error.path == "scope.operations")
        }
        limits.maxDepth = 3
        #expect(try Grant(cbor: grant, limits: limits) == WireVectors.exampleGrant)
    }

    @Test func mapKeysMustAscendAndBeKnown() {
        let fields = ["a", "b", "c"]
        func readMap(_ hex: String) -> WireError.Code? {
            code(hex) { r throws(WireError) in try r.readMap(fields: fields) { r, _ throws(WireError) in _ = try r.readUInt() } }
        }
        #expect(readMap("a200010102") == nil)
        #expect(readMap("a201010002") == .unsortedKeys)
        #expect(readMap("a200010002") == .duplicateKey)
        #expect(readMap("a100010002") == .trailingBytes)
        #expect(readMap("a10301") == .unknownKey)
        #expect(readMap("a1616101") == .wrongType)
        #expect(readMap("a12001") == .wrongType)
    }

    @Test func errorPathsNameTheFieldAtFault() throws {
        var grant = WireVectors.exampleGrant
        grant.scope.operations = ["read"]
        var bytes = grant.cborBytes
        // Corrupt the operation text "read" into invalid UTF-8.
        let index = bytes.firstIndex(of: UInt8(ascii: "r"))!
        bytes[index] = 0xff
        do {
            _ = try Grant(cbor: bytes)
            Issue.record("corrupted grant decoded")
        } catch {
            #expect(error.code == .invalidUTF8)
            #expect(error.path == "scope.operations[0]")
        }
    }
}
