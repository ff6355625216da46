import WarrantCrypto

/// A strict reader for the protocol's CBOR subset. It accepts exactly the bytes
/// `CBORWriter` produces and nothing else: non-shortest integers and lengths,
/// indefinite lengths, tags, floats, null and other simple values, unsorted or duplicate
/// map keys, unknown keys, invalid UTF-8, lengths past `WireLimits` and trailing bytes are
/// all errors. So one value has exactly one byte form, and a signature over it cannot be
/// malleated by re-encoding.
public struct CBORReader: Sendable {
    let bytes: [UInt8]
    public private(set) var offset = 0
    let limits: WireLimits
    private var depth = 0

    public init(_ bytes: [UInt8], limits: WireLimits = .default) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Requires that the top-level item ended exactly at the end of the input.
    public func finish() throws(WireError) {
        guard offset == bytes.count else {
            throw WireError(.trailingBytes, "\(bytes.count - offset) byte(s) after the end of the item", offset: offset)
        }
    }

    private static let majorNames = ["unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag", "simple value"]

    /// Reads an item head: major type and argument, enforcing shortest form.
    private mutating func readHead() throws(WireError) -> (major: UInt8, value: UInt64) {
        let start = offset
        guard offset < bytes.count else {
            throw WireError(.truncated, "input ends where an item should start", offset: start)
        }
        let initial = bytes[offset]
        offset += 1
        let major = initial >> 5
        let info = initial & 0x1f
        if major == 6 {
            throw WireError(.tag, "CBOR tags are not used by the protocol", offset: start)
        }
        if major == 7 {
            switch info {
            case 20, 21: return (7, UInt64(info))
            case 25, 26, 27: throw WireError(.float, "floating-point numbers are not used by the protocol", offset: start)
            case 31: throw WireError(.indefiniteLength, "unexpected break (0xff)", offset: start)
            case 22: throw WireError(.simpleValue, "null is not used: absent fields are omitted", offset: start)
            default: throw WireError(.simpleValue, "simple value \(info) is not used by the protocol", offset: start)
            }
        }
        let width: Int
        switch info {
        case 0..<24: return (major, UInt64(info))
        case 24: width = 1
        case 25: width = 2
        case 26: width = 4
        case 27: width = 8
        case 31:
            throw WireError(.indefiniteLength, "indefinite-length \(Self.majorNames[Int(major)]) is not allowed", offset: start)
        default:
            throw WireError(.badValue, "reserved additional information \(info)", offset: start)
        }
        guard bytes.count - offset >= width else {
            throw WireError(.truncated, "input ends inside an integer argument", offset: start)
        }
        var value: UInt64 = 0
        for _ in 0..<width {
            value = value << 8 | UInt64(bytes[offset])
            offset += 1
        }
        let shortest: Bool
        switch width {
        case 1: shortest = value >= 24
        case 2: shortest = value > 0xff
        case 4: shortest = value > 0xffff
        default: shortest = value > 0xffff_ffff
        }
        guard shortest else {
            throw WireError(.nonCanonical, "\(value) is not in its shortest form", offset: start)
        }
        return (major, value)
    }

    private mutating func readHead(expecting major: UInt8, _ what: String) throws(WireError) -> UInt64 {
        let start = offset
        let head = try readHead()
        guard head.major == major else {
            throw WireError(.wrongType, "expected \(what), found \(Self.majorNames[Int(head.major)])", offset: start)
        }
        return head.value
    }

    public mutating func readUInt() throws(WireError) -> UInt64 {
        try readHead(expecting: 0, "an unsigned integer")
    }

    public mutating func readInt() throws(WireError) -> Int64 {
        let start = offset
        let head = try readHead()
        switch head.major {
        case 0 where head.value <= UInt64(Int64.max):
            return Int64(head.value)
        case 1 where head.value <= UInt64(Int64.max):
            return -1 - Int64(head.value)
        case 0, 1:
            throw WireError(.badValue, "integer out of the 64-bit signed range", offset: start)
        default:
            throw WireError(.wrongType, "expected an integer, found \(Self.majorNames[Int(head.major)])", offset: start)
        }
    }

    public mutating func readBool() throws(WireError) -> Bool {
        let start = offset
        let head = try readHead()
        guard head.major == 7 else {
            throw WireError(.wrongType, "expected a boolean, found \(Self.majorNames[Int(head.major)])", offset: start)
        }
        return head.value == 21
    }

    private mutating func readLength(_ major: UInt8, _ what: String, limit: Int) throws(WireError) -> Int {
        let start = offset
        let length = try readHead(expecting: major, what)
        guard length <= UInt64(limit) else {
            throw WireError(.tooLarge, "\(what) of \(length) bytes exceeds the limit of \(limit)", offset: start)
        }
        guard length <= UInt64(bytes.count - offset) else {
            throw WireError(.truncated, "\(what) of \(length) bytes, but only \(bytes.count - offset) remain", offset: start)
        }
        return Int(length)
    }

    public mutating func readBytes() throws(WireError) -> [UInt8] {
        let length = try readLength(2, "a byte string", limit: limits.maxMessageBytes)
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }

    public mutating func readFixed<B: FixedBytes>(_ type: B.Type = B.self) throws(WireError) -> B {
        let start = offset
        let length = try readLength(2, "a byte string", limit: limits.maxMessageBytes)
        guard length == B.byteCount else {
            throw WireError(.badValue, "\(B.typeName) must be \(B.byteCount) bytes, got \(length)", offset: start)
        }
        defer { offset += length }
        return B(unchecked: Array(bytes[offset..<offset + length]))
    }

    public mutating func readText() throws(WireError) -> String {
        let start = offset
        let length = try readLength(3, "a text string", limit: limits.maxTextBytes)
        defer { offset += length }
        guard let text = String(validating: bytes[offset..<offset + length], as: UTF8.self) else {
            throw WireError(.invalidUTF8, "text string is not valid UTF-8", offset: start)
        }
        return text
    }

    private mutating func enter(_ what: String) throws(WireError) {
        depth += 1
        guard depth <= limits.maxDepth else {
            throw WireError(.tooDeep, "\(what) nested deeper than \(limits.maxDepth)", offset: offset)
        }
    }

    private mutating func readCount(_ major: UInt8, _ what: String) throws(WireError) -> Int {
        let start = offset
        let count = try readHead(expecting: major, what)
        guard count <= UInt64(limits.maxItems) else {
            throw WireError(.tooLarge, "\(what) of \(count) items exceeds the limit of \(limits.maxItems)", offset: start)
        }
        // Every item takes at least one byte: a count beyond the remaining input is a lie.
        guard count <= UInt64(bytes.count - offset) else {
            throw WireError(.truncated, "\(what) of \(count) items, but only \(bytes.count - offset) bytes remain", offset: start)
        }
        return Int(count)
    }

    public mutating func readArray<T>(_ element: (inout CBORReader) throws(WireError) -> T) throws(WireError) -> [T] {
        let count = try readCount(4, "an array")
        try enter("array")
        defer { depth -= 1 }
        var items: [T] = []
        items.reserveCapacity(count)
        for index in 0..<count {
            do {
                items.append(try element(&self))
            } catch {
                throw error.prefixed("[\(index)]")
            }
        }
        return items
    }

    public mutating func read<M: CBORMap>(_ type: M.Type = M.self) throws(WireError) -> M {
        try M(from: &self)
    }

    /// Reads one map whose keys index `fields` (the field names, used in error paths).
    /// Keys must be unsigned integers in strictly ascending order and name a field;
    /// `body` reads the value of each key present.
    public mutating func readMap(fields: [String], _ body: (inout CBORReader, Int) throws(WireError) -> Void) throws(WireError) {
        let count = try readCount(5, "a map")
        try enter("map")
        defer { depth -= 1 }
        var previous: UInt64? = nil
        for _ in 0..<count {
            let keyStart = offset
            let head = try readHead()
            guard head.major == 0 else {
                throw WireError(.wrongType, "map keys must be unsigned integers, found \(Self.majorNames[Int(head.major)])", offset: keyStart)
            }
            let key = head.value
            if let previous {
                if key == previous {
                    throw WireError(.duplicateKey, "key \(key) appears twice", offset: keyStart)
                }
                if key < previous {
                    throw WireError(.unsortedKeys, "key \(key) follows key \(previous)", offset: keyStart)
                }
            }
            guard key < UInt64(fields.count) else {
                throw WireError(.unknownKey, "key \(key) is not defined by this protocol version", offset: keyStart)
            }
            previous = key
            do {
                try body(&self, Int(key))
            } catch {
                throw error.prefixed(fields[Int(key)])
            }
        }
    }
}

/// Unwraps a required field after `readMap`, or reports it missing by name.
@inline(__always)
public func required<T>(_ value: T?, _ name: String, _ reader: CBORReader) throws(WireError) -> T {
    guard let value else {
        throw WireError(.missingField, "required field '\(name)' is absent", offset: reader.offset)
    }
    return value
}
