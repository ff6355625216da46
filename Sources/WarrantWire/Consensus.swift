import WarrantCrypto

/// A vote of one validator (the envelope's sender) at `height` and `round` for the block
/// with hash `block`, or for nil when `block` is absent. Prevotes and precommits share
/// this layout and differ only in kind, hence in signing domain.
public protocol VoteBody: WireBody {
    var height: UInt64 { get }
    var round: UInt64 { get }
    var block: Digest? { get }
    init(height: UInt64, round: UInt64, block: Digest?)
}

extension VoteBody {
    static var voteFields: [String] { ["height", "round", "block"] }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(height)
            w.key(1); w.write(round)
            if let block { w.key(2); w.write(block) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var height: UInt64?, round: UInt64?, block: Digest?
        try r.readMap(fields: Self.voteFields) { r, key throws(WireError) in
            switch key {
            case 0: height = try r.readUInt()
            case 1: round = try r.readUInt()
            default: block = try r.readFixed()
            }
        }
        self.init(height: try required(height, "height", r), round: try required(round, "round", r), block: block)
    }
}

/// First-stage vote of a round (Algorithm 1, lines 22–35).
public struct Prevote: VoteBody, Codable {
    public static let kind = MessageKind.prevote
    public var height: UInt64
    public var round: UInt64
    public var block: Digest?
    public init(height: UInt64, round: UInt64, block: Digest?) {
        self.height = height
        self.round = round
        self.block = block
    }
}

/// Second-stage vote; 2f + 1 precommits for one block commit it (Algorithm 1, line 49).
public struct Precommit: VoteBody, Codable {
    public static let kind = MessageKind.precommit
    public var height: UInt64
    public var round: UInt64
    public var block: Digest?
    public init(height: UInt64, round: UInt64, block: Digest?) {
        self.height = height
        self.round = round
        self.block = block
    }
}

/// One validator's precommit signature inside a certificate. The signed body is the
/// `Precommit {height, round, block}` of the certificate, so it can be checked alone.
public struct CommitSignature: CBORMap, Hashable, Codable {
    public var validator: PublicKey
    public var signature: Signature

    static let fields = ["validator", "signature"]

    public init(validator: PublicKey, signature: Signature) {
        self.validator = validator
        self.signature = signature
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(validator)
            w.key(1); w.write(signature)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var validator: PublicKey?, signature: Signature?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            if key == 0 { validator = try r.readFixed() } else { signature = try r.readFixed() }
        }
        self.init(validator: try required(validator, "validator", r), signature: try required(signature, "signature", r))
    }
}

/// Proof that `block` committed at `height`: precommits from at least 2f + 1 validators,
/// sorted by validator key, one each.
public struct Certificate: WireBody, Codable {
    public static let kind = MessageKind.certificate

    public var height: UInt64
    public var round: UInt64
    public var block: Digest
    public var signatures: [CommitSignature]

    static let fields = ["height", "round", "block", "signatures"]

    public init(height: UInt64, round: UInt64, block: Digest, signatures: [CommitSignature]) {
        self.height = height
        self.round = round
        self.block = block
        self.signatures = signatures.sorted { $0.validator < $1.validator }
    }

    /// The precommit each signature signs.
    public var precommit: Precommit { Precommit(height: height, round: round, block: block) }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(height)
            w.key(1); w.write(round)
            w.key(2); w.write(block)
            w.key(3); w.writeArray(signatures) { $0.write($1) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var height: UInt64?, round: UInt64?, block: Digest?, signatures: [CommitSignature]?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: height = try r.readUInt()
            case 1: round = try r.readUInt()
            case 2: block = try r.readFixed()
            default:
                let start = r.offset
                let items = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(CommitSignature.self) }
                for index in items.indices.dropFirst() where !(items[index - 1].validator < items[index].validator) {
                    throw WireError(.badValue, "signatures must be sorted by validator, one each", offset: start)
                }
                signatures = items
            }
        }
        self.init(height: try required(height, "height", r), round: try required(round, "round", r),
                  block: try required(block, "block", r), signatures: try required(signatures, "signatures", r))
    }
}

/// Two conflicting signed votes of one validator for the same height, round and step:
/// both complete vote envelopes, so anyone can check them. The pair is ordered by bytes
/// so one misbehaviour has one form.
public struct Evidence: WireBody, Codable {
    public static let kind = MessageKind.evidence

    public var first: ByteString
    public var second: ByteString

    static let fields = ["first", "second"]

    public init(_ a: [UInt8], _ b: [UInt8]) {
        let ordered = a.lexicographicallyPrecedes(b)
        first = ByteString(ordered ? a : b)
        second = ByteString(ordered ? b : a)
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(bytes: first.bytes)
            w.key(1); w.write(bytes: second.bytes)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var first: [UInt8]?, second: [UInt8]?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            if key == 0 { first = try r.readBytes() } else { second = try r.readBytes() }
        }
        let a = try required(first, "first", r), b = try required(second, "second", r)
        guard a.lexicographicallyPrecedes(b) else {
            throw WireError(.badValue, "the two votes must differ and be in ascending byte order", path: "second", offset: r.offset)
        }
        self.init(a, b)
    }
}

/// A block: the requests a proposer orders at `height`, with the certificate of the
/// previous block and any evidence. `stateHash` is the ledger's state after the previous
/// block, so a node that applied it differently sees the disagreement at once. Its hash
/// (`BLAKE2b-256` of these bytes) is what votes name.
public struct Block: WireBody, Codable {
    public static let kind = MessageKind.block

    public var height: UInt64
    /// Proposer-based block time, ms since the epoch; never decreases.
    public var timeMs: UInt64
    public var proposer: PublicKey
    public var previous: Digest
    /// Absent only at height 1.
    public var lastCommit: Certificate?
    public var stateHash: Digest
    /// Each a complete signed request envelope.
    public var requests: [ByteString]
    public var evidence: [Evidence]

    static let fields = ["height", "timeMs", "proposer", "previous", "lastCommit", "stateHash", "requests", "evidence"]

    public init(height: UInt64, timeMs: UInt64, proposer: PublicKey, previous: Digest, lastCommit: Certificate?,
                stateHash: Digest, requests: [ByteString], evidence: [Evidence]) {
        self.height = height
        self.timeMs = timeMs
        self.proposer = proposer
        self.previous = previous
        self.lastCommit = lastCommit
        self.stateHash = stateHash
        self.requests = requests
        self.evidence = evidence
    }

    public var hash: Digest { Blake2b.hash(cborBytes) }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(height)
            w.key(1); w.write(timeMs)
            w.key(2); w.write(proposer)
            w.key(3); w.write(previous)
            if let lastCommit { w.key(4); w.write(lastCommit) }
            w.key(5); w.write(stateHash)
            w.key(6); w.writeArray(requests) { $0.write(bytes: $1.bytes) }
            w.key(7); w.writeArray(evidence) { $0.write($1) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var height: UInt64?, time: UInt64?, proposer: PublicKey?, previous: Digest?, lastCommit: Certificate?
        var stateHash: Digest?, requests: [ByteString]?, evidence: [Evidence]?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: height = try r.readUInt()
            case 1: time = try r.readUInt()
            case 2: proposer = try r.readFixed()
            case 3: previous = try r.readFixed()
            case 4: lastCommit = try r.read()
            case 5: stateHash = try r.readFixed()
            case 6: requests = try r.readArray { (r: inout CBORReader) throws(WireError) in ByteString(try r.readBytes()) }
            default: evidence = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(Evidence.self) }
            }
        }
        self.init(
            height: try required(height, "height", r), timeMs: try required(time, "timeMs", r),
            proposer: try required(proposer, "proposer", r), previous: try required(previous, "previous", r),
            lastCommit: lastCommit, stateHash: try required(stateHash, "stateHash", r),
            requests: try required(requests, "requests", r), evidence: try required(evidence, "evidence", r))
    }
}

/// The proposer's value for `height`/`round` (Algorithm 1, line 19). `validRound` is −1
/// for a fresh value, else the round in which the re-proposed block got a polka.
public struct Proposal: WireBody, Codable {
    public static let kind = MessageKind.proposal

    public var height: UInt64
    public var round: UInt64
    public var validRound: Int64
    public var block: Block

    static let fields = ["height", "round", "validRound", "block"]

    public init(height: UInt64, round: UInt64, validRound: Int64, block: Block) {
        self.height = height
        self.round = round
        self.validRound = validRound
        self.block = block
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(height)
            w.key(1); w.write(round)
            w.key(2); w.write(validRound)
            w.key(3); w.write(block)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var height: UInt64?, round: UInt64?, validRound: Int64?, block: Block?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: height = try r.readUInt()
            case 1: round = try r.readUInt()
            case 2:
                let start = r.offset
                let value = try r.readInt()
                guard value >= -1 else { throw WireError(.badValue, "validRound must be -1 or a round", offset: start) }
                validRound = value
            default: block = try r.read()
            }
        }
        self.init(height: try required(height, "height", r), round: try required(round, "round", r),
                  validRound: try required(validRound, "validRound", r), block: try required(block, "block", r))
    }
}

/// Published on a node's commit stream after it applies a block.
public struct CommitNotice: WireBody, Codable {
    public static let kind = MessageKind.commitNotice

    public var height: UInt64
    public var block: Digest
    public var timeMs: UInt64
    /// The ledger's state hash after applying this block.
    public var stateHash: Digest
    public var outcomes: [RequestOutcome]

    static let fields = ["height", "block", "timeMs", "stateHash", "outcomes"]

    public init(height: UInt64, block: Digest, timeMs: UInt64, stateHash: Digest, outcomes: [RequestOutcome]) {
        self.height = height
        self.block = block
        self.timeMs = timeMs
        self.stateHash = stateHash
        self.outcomes = outcomes
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(height)
            w.key(1); w.write(block)
            w.key(2); w.write(timeMs)
            w.key(3); w.write(stateHash)
            w.key(4); w.writeArray(outcomes) { $0.write($1) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var height: UInt64?, block: Digest?, time: UInt64?, stateHash: Digest?, outcomes: [RequestOutcome]?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: height = try r.readUInt()
            case 1: block = try r.readFixed()
            case 2: time = try r.readUInt()
            case 3: stateHash = try r.readFixed()
            default: outcomes = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(RequestOutcome.self) }
            }
        }
        self.init(height: try required(height, "height", r), block: try required(block, "block", r),
                  timeMs: try required(time, "timeMs", r), stateHash: try required(stateHash, "stateHash", r),
                  outcomes: try required(outcomes, "outcomes", r))
    }
}
