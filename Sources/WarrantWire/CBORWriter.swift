import WarrantCrypto

/// Writes deterministic CBOR (RFC 8949 §4.2.1): shortest integer and length forms,
/// definite lengths only, map keys small unsigned integers in ascending order. It can
/// only write the subset the protocol uses (unsigned and negative integers, byte and
/// text strings, arrays, maps, booleans), so it cannot produce a form the decoder refuses.
public struct CBORWriter: Sendable {
    public internal(set) var bytes: [UInt8] = []
    private var openMaps: [(headerAt: Int, count: Int, lastKey: UInt64?)] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Raw bytes, appended as they are — for the same tools, which need input no typed
    /// writer produces (invalid UTF-8, say).
    public mutating func writeRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// A raw item head (major type and argument), shortest form. Public for tools that
    /// write deliberately broken input (the invalid test vectors); bodies use the typed writers.
    public mutating func writeHead(_ major: UInt8, _ value: UInt64) {
        let m = major << 5
        switch value {
        case 0..<24:
            bytes.append(m | UInt8(value))
        case 24...0xff:
            bytes.append(m | 24)
            bytes.append(UInt8(value))
        case 0x100...0xffff:
            bytes.append(m | 25)
            bytes.append(UInt8(value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
        case 0x1_0000...0xffff_ffff:
            bytes.append(m | 26)
            for shift in stride(from: 24, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        default:
            bytes.append(m | 27)
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        }
    }

    public mutating func write(_ value: UInt64) { writeHead(0, value) }

    public mutating func write(_ value: Int64) {
        if value >= 0 {
            writeHead(0, UInt64(value))
        } else {
            writeHead(1, UInt64(bitPattern: -1 - value))
        }
    }

    public mutating func write(_ value: Bool) { bytes.append(value ? 0xf5 : 0xf4) }

    public mutating func write(bytes value: some Collection<UInt8>) {
        writeHead(2, UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func write<B: FixedBytes>(_ value: B) { write(bytes: value.bytes) }

    public mutating func write(_ value: String) {
        let utf8 = value.utf8
        writeHead(3, UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func writeArray<C: Collection>(_ items: C, _ element: (inout CBORWriter, C.Element) -> Void) {
        writeHead(4, UInt64(items.count))
        for item in items { element(&self, item) }
    }

    public mutating func write<M: CBORMap>(_ value: M) { value.encode(to: &self) }

    /// Writes one map. Inside `body`, each `key(_:)` starts a field; keys must ascend.
    /// Protocol maps have fewer than 24 keys, so the header is one byte, patched at the end.
    public mutating func writeMap(_ body: (inout CBORWriter) -> Void) {
        openMaps.append((bytes.count, 0, nil))
        bytes.append(0xa0)
        body(&self)
        let map = openMaps.removeLast()
        precondition(map.count < 24, "protocol maps have fewer than 24 fields")
        bytes[map.headerAt] = 0xa0 | UInt8(map.count)
    }

    /// Starts the field `key` of the innermost open map.
    public mutating func key(_ key: UInt64) {
        let top = openMaps.count - 1
        precondition(top >= 0, "key(_:) outside writeMap")
        if let last = openMaps[top].lastKey {
            precondition(key > last, "map keys must be written in ascending order")
        }
        openMaps[top].count += 1
        openMaps[top].lastKey = key
        write(key)
    }
}

/// A protocol value encoded as a CBOR map keyed by small unsigned integers.
public protocol CBORMap: Sendable {
    func encode(to writer: inout CBORWriter)
    init(from reader: inout CBORReader) throws(WireError)
}

extension CBORMap {
    /// The canonical bytes of this value alone.
    public var cborBytes: [UInt8] {
        var writer = CBORWriter()
        encode(to: &writer)
        return writer.bytes
    }

    /// Decodes exactly one value filling all of `bytes`.
    public init(cbor bytes: [UInt8], limits: WireLimits = .default) throws(WireError) {
        var reader = CBORReader(bytes, limits: limits)
        self = try Self(from: &reader)
        try reader.finish()
    }
}
