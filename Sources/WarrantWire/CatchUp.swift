import WarrantCrypto

/// Catch-up: a node that fell behind asks a peer for the blocks it decided from
/// `fromHeight` on. The peer answers with `CommittedBlocks`, at most `maxCount` of them.
public struct BlockRequest: WireBody, Codable {
    public static let kind = MessageKind.blockRequest
    /// Most blocks a peer sends in one answer, whatever a request asks for.
    public static let maxCountLimit: UInt64 = 64

    public var fromHeight: UInt64
    public var maxCount: UInt64

    static let fields = ["fromHeight", "maxCount"]

    public init(fromHeight: UInt64, maxCount: UInt64) {
        self.fromHeight = fromHeight
        self.maxCount = maxCount
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(fromHeight)
            w.key(1); w.write(maxCount)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var from: UInt64?, count: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            if key == 0 { from = try r.readUInt() } else { count = try r.readUInt() }
        }
        self.init(fromHeight: try required(from, "fromHeight", r), maxCount: try required(count, "maxCount", r))
    }
}

/// A decided block and the certificate that decided it; the receiver checks the
/// certificate (2f + 1 valid precommits for this block's hash) before believing it.
public struct CommittedBlock: CBORMap, Hashable, Codable {
    public var block: Block
    public var certificate: Certificate

    static let fields = ["block", "certificate"]

    public init(block: Block, certificate: Certificate) {
        self.block = block
        self.certificate = certificate
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(block)
            w.key(1); w.write(certificate)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var block: Block?, certificate: Certificate?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            if key == 0 { block = try r.read() } else { certificate = try r.read() }
        }
        self.init(block: try required(block, "block", r), certificate: try required(certificate, "certificate", r))
    }
}

/// Decided blocks in ascending height order without gaps: the answer to a `BlockRequest`,
/// and (with one entry) the last decision a node rebroadcasts for peers one height behind.
public struct CommittedBlocks: WireBody, Codable {
    public static let kind = MessageKind.committedBlocks

    public var entries: [CommittedBlock]

    static let fields = ["entries"]

    public init(entries: [CommittedBlock]) {
        self.entries = entries
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.writeArray(entries) { $0.write($1) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var entries: [CommittedBlock]?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            let start = r.offset
            let items = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(CommittedBlock.self) }
            for index in items.indices.dropFirst() where items[index].block.height != items[index - 1].block.height + 1 {
                throw WireError(.badValue, "entries must be consecutive heights in ascending order", offset: start)
            }
            entries = items
        }
        self.init(entries: try required(entries, "entries", r))
    }
}
