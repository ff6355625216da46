import WarrantCrypto

/// Opaque bytes carried inside a message (a nested envelope in a block or evidence).
/// Shown as hex in JSON.
public struct ByteString: Hashable, Sendable, Codable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var description: String { Hex.encode(bytes) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Hex.encode(bytes))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            bytes = try Hex.decode(try container.decode(String.self))
        } catch let error as CryptoError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}

extension CBORReader {
    /// Texts forming a set: strictly ascending (by UTF-8 bytes), so each set has one form.
    mutating func readTextSet(allowEmpty: Bool) throws(WireError) -> [String] {
        let start = offset
        let items = try readArray { (r: inout CBORReader) throws(WireError) in try r.readText() }
        guard allowEmpty || !items.isEmpty else {
            throw WireError(.badValue, "must not be empty", offset: start)
        }
        for index in items.indices.dropFirst() where !items[index - 1].utf8.lexicographicallyPrecedes(items[index].utf8) {
            throw WireError(.badValue, "set elements must be unique and in ascending byte order", offset: start)
        }
        return items
    }

    mutating func readReason() throws(WireError) -> ReasonCode {
        let start = offset
        let raw = try readUInt()
        guard raw <= UInt64(UInt8.max), let reason = ReasonCode(rawValue: UInt8(raw)) else {
            throw WireError(.badValue, "unknown reason code \(raw)", offset: start)
        }
        return reason
    }
}

extension Array where Element == String {
    /// The canonical form of a text set: unique, ascending by UTF-8 bytes. (Byte
    /// comparison throughout: Swift's String equality would merge canonically
    /// equivalent strings that the protocol treats as different.)
    func canonicalSet() -> [String] {
        let sorted = self.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var unique: [String] = []
        for text in sorted where unique.last.map({ !$0.utf8.elementsEqual(text.utf8) }) ?? true {
            unique.append(text)
        }
        return unique
    }
}
