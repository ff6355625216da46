import WarrantCrypto
import WarrantWire

/// The record's one durable form, canonical CBOR like every other structure of the
/// protocol: the simulator keeps these bytes in memory, a node writes them to the
/// `consensus` table of its SQLite database (docs/STORAGE.md), and both restore from
/// them, so a restart in the simulator exercises the very format a real node reads.
///
/// `{0 height, 1 round, 2 step (0 propose, 1 prevote, 2 precommit), 3 lockedValue?,
/// 4 lockedRound, 5 validValue?, 6 validRound, 7 validPolka [vote envelope bytes],
/// 8 ownVotes [{0 type (0 prevote, 1 precommit), 1 round, 2 block?}], 9 ownProposals
/// [Proposal], 10 lastBlockHash, 11 lastBlockTimeMs, 12 lastCertificate?,
/// 13 appliedStateHash?, 14 pendingEvidence [Evidence]}`
extension ConsensusRecord: CBORMap {
    /// Records hold up to three blocks (locked, valid, proposed) and a polka.
    public static let limits = WireLimits(maxMessageBytes: 16 << 20)

    static let fields = ["height", "round", "step", "lockedValue", "lockedRound", "validValue", "validRound",
                         "validPolka", "ownVotes", "ownProposals", "lastBlockHash", "lastBlockTimeMs",
                         "lastCertificate", "appliedStateHash", "pendingEvidence"]

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(height)
            w.key(1); w.write(round)
            w.key(2); w.write(UInt64(step == .propose ? 0 : step == .prevote ? 1 : 2))
            if let lockedValue { w.key(3); w.write(lockedValue) }
            w.key(4); w.write(lockedRound)
            if let validValue { w.key(5); w.write(validValue) }
            w.key(6); w.write(validRound)
            w.key(7); w.writeArray(validPolka) { $0.write(bytes: $1.envelope) }
            w.key(8); w.writeArray(ownVotes) { w, vote in
                w.writeMap { w in
                    w.key(0); w.write(UInt64(vote.type == .prevote ? 0 : 1))
                    w.key(1); w.write(vote.round)
                    if let block = vote.block { w.key(2); w.write(block) }
                }
            }
            w.key(9); w.writeArray(ownProposals) { $0.write($1) }
            w.key(10); w.write(lastBlockHash)
            w.key(11); w.write(lastBlockTimeMs)
            if let lastCertificate { w.key(12); w.write(lastCertificate) }
            if let appliedStateHash { w.key(13); w.write(appliedStateHash) }
            w.key(14); w.writeArray(pendingEvidence) { $0.write($1) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var height: UInt64?, round: UInt64?, step: Step?, lockedValue: Block?, lockedRound: Int64?, validValue: Block?
        var validRound: Int64?, validPolka: [SignedVote]?, ownVotes: [OwnVote]?, ownProposals: [Proposal]?
        var lastBlockHash: Digest?, lastBlockTimeMs: UInt64?, lastCertificate: Certificate?, appliedStateHash: Digest?
        var pendingEvidence: [Evidence]?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: height = try r.readUInt()
            case 1: round = try r.readUInt()
            case 2:
                let start = r.offset
                switch try r.readUInt() {
                case 0: step = .propose
                case 1: step = .prevote
                case 2: step = .precommit
                default: throw WireError(.badValue, "step must be 0, 1 or 2", offset: start)
                }
            case 3: lockedValue = try r.read()
            case 4: lockedRound = try r.readInt()
            case 5: validValue = try r.read()
            case 6: validRound = try r.readInt()
            case 7: validPolka = try r.readArray { (r: inout CBORReader) throws(WireError) in try SignedVote(envelope: try r.readBytes()) }
            case 8: ownVotes = try r.readArray { (r: inout CBORReader) throws(WireError) in try OwnVote(from: &r) }
            case 9: ownProposals = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(Proposal.self) }
            case 10: lastBlockHash = try r.readFixed()
            case 11: lastBlockTimeMs = try r.readUInt()
            case 12: lastCertificate = try r.read()
            case 13: appliedStateHash = try r.readFixed()
            default: pendingEvidence = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(Evidence.self) }
            }
        }
        self.init(height: try required(height, "height", r), round: try required(round, "round", r),
                  step: try required(step, "step", r), lockedValue: lockedValue,
                  lockedRound: try required(lockedRound, "lockedRound", r), validValue: validValue,
                  validRound: try required(validRound, "validRound", r), validPolka: try required(validPolka, "validPolka", r),
                  ownVotes: try required(ownVotes, "ownVotes", r), ownProposals: try required(ownProposals, "ownProposals", r),
                  lastBlockHash: try required(lastBlockHash, "lastBlockHash", r),
                  lastBlockTimeMs: try required(lastBlockTimeMs, "lastBlockTimeMs", r), lastCertificate: lastCertificate,
                  appliedStateHash: appliedStateHash, pendingEvidence: try required(pendingEvidence, "pendingEvidence", r))
    }

    /// Decodes a stored record.
    public init(stored bytes: [UInt8]) throws(WireError) {
        try self.init(cbor: bytes, limits: Self.limits)
    }
}

extension ConsensusRecord.OwnVote {
    init(from r: inout CBORReader) throws(WireError) {
        var type: VoteType?, round: UInt64?, block: Digest?
        try r.readMap(fields: ["type", "round", "block"]) { r, key throws(WireError) in
            switch key {
            case 0:
                let start = r.offset
                let value = try r.readUInt()
                guard value <= 1 else { throw WireError(.badValue, "vote type must be 0 or 1", offset: start) }
                type = value == 0 ? .prevote : .precommit
            case 1: round = try r.readUInt()
            default: block = try r.readFixed()
            }
        }
        self.init(type: try required(type, "type", r), round: try required(round, "round", r), block: block)
    }
}

extension SignedVote {
    /// A vote from its complete envelope (as evidence and stored polkas carry it). The
    /// signature is not checked here.
    public init(envelope bytes: [UInt8]) throws(WireError) {
        let envelope = try Envelope(decoding: bytes)
        let vote: any VoteBody
        switch envelope.kind {
        case .prevote: vote = try Prevote(cbor: envelope.body)
        case .precommit: vote = try Precommit(cbor: envelope.body)
        default: throw WireError(.badValue, "a vote envelope must be a prevote or a precommit, not \(envelope.kind.name)")
        }
        self.init(type: envelope.kind == .prevote ? .prevote : .precommit, height: vote.height, round: vote.round,
                  block: vote.block, validator: envelope.sender, signature: envelope.signature)
    }
}
