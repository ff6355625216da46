import WarrantCrypto

/// "How are you?" — answered by any node from its own state with a `NodeStatus`.
/// The body is an empty map.
public struct StatusQuery: WireBody, Codable {
    public static let kind = MessageKind.statusQuery

    public init() {}

    public func encode(to w: inout CBORWriter) { w.writeMap { _ in } }

    public init(from r: inout CBORReader) throws(WireError) {
        try r.readMap(fields: []) { _, _ throws(WireError) in }
    }
}

/// One node's view of itself, as `warrant-coordinator status` shows it.
public struct NodeStatus: WireBody, Codable {
    public static let kind = MessageKind.nodeStatus

    /// The node's name in the topology.
    public var node: String
    /// Height of the last applied block.
    public var height: UInt64
    /// Consensus round and step at the height being decided.
    public var round: UInt64
    public var step: String
    public var lastBlockTimeMs: UInt64
    /// Monotonic time since the last block was applied.
    public var sinceLastBlockMs: UInt64
    /// The node's wall clock (with any injected offset).
    public var wallClockMs: UInt64
    public var stateHash: Digest
    /// Sessions in the live tables (revoked ones included until they expire).
    public var sessions: UInt64
    /// Peers heard from in the last few seconds, by name.
    public var peersSeen: [String]
    /// Whether consensus is paused by the control endpoint.
    public var paused: Bool
    /// The proposer of the current height and round.
    public var proposer: PublicKey
    /// Whether the node has heard from a quorum at its own height within `maxStaleness`
    /// (rule 4): a node that is not fresh denies every check with `stale`.
    public var fresh: Bool
    /// Monotonic time since that contact; absent when there was none since the node started.
    public var sinceQuorumMs: UInt64?
    /// The node's estimate of its wall clock minus the other validators'; absent without samples.
    public var clockOffsetMs: Int64?
    /// Whether enough other validators (f + 1) vouch for the wall clock: when not, every
    /// check is denied with `clock_skew`.
    public var clockVouched: Bool
    /// Messages that arrived from each peer since the node started, counted before the
    /// in-process fault filter: a chaos run compares them across a cut to see whether the
    /// cut held (a peer that ignores its filter, or a network rule that leaks, shows here).
    public var received: [LinkReceived]
    /// Present while the node's database fails it (a full disk, a write error): why. The
    /// node then votes, orders and allows nothing (`unavailable`) and retries every second.
    public var storage: String?
    /// Present while the node signs nothing up to this height: it lost its database and is
    /// restoring from its peers, past every height its earlier incarnation may have signed at.
    public var abstainThrough: UInt64?

    static let fields = ["node", "height", "round", "step", "lastBlockTimeMs", "sinceLastBlockMs", "wallClockMs",
                         "stateHash", "sessions", "peersSeen", "paused", "proposer", "fresh", "sinceQuorumMs",
                         "clockOffsetMs", "clockVouched", "received", "storage", "abstainThrough"]

    public init(node: String, height: UInt64, round: UInt64, step: String, lastBlockTimeMs: UInt64, sinceLastBlockMs: UInt64,
                wallClockMs: UInt64, stateHash: Digest, sessions: UInt64, peersSeen: [String], paused: Bool, proposer: PublicKey,
                fresh: Bool, sinceQuorumMs: UInt64?, clockOffsetMs: Int64?, clockVouched: Bool, received: [LinkReceived] = [],
                storage: String? = nil, abstainThrough: UInt64? = nil) {
        self.node = node
        self.height = height
        self.round = round
        self.step = step
        self.lastBlockTimeMs = lastBlockTimeMs
        self.sinceLastBlockMs = sinceLastBlockMs
        self.wallClockMs = wallClockMs
        self.stateHash = stateHash
        self.sessions = sessions
        self.peersSeen = peersSeen
        self.paused = paused
        self.proposer = proposer
        self.fresh = fresh
        self.sinceQuorumMs = sinceQuorumMs
        self.clockOffsetMs = clockOffsetMs
        self.clockVouched = clockVouched
        self.received = received
        self.storage = storage
        self.abstainThrough = abstainThrough
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(node)
            w.key(1); w.write(height)
            w.key(2); w.write(round)
            w.key(3); w.write(step)
            w.key(4); w.write(lastBlockTimeMs)
            w.key(5); w.write(sinceLastBlockMs)
            w.key(6); w.write(wallClockMs)
            w.key(7); w.write(stateHash)
            w.key(8); w.write(sessions)
            w.key(9); w.writeArray(peersSeen) { $0.write($1) }
            w.key(10); w.write(paused)
            w.key(11); w.write(proposer)
            w.key(12); w.write(fresh)
            if let sinceQuorumMs { w.key(13); w.write(sinceQuorumMs) }
            if let clockOffsetMs { w.key(14); w.write(clockOffsetMs) }
            w.key(15); w.write(clockVouched)
            if !received.isEmpty { w.key(16); w.writeArray(received) { $1.encode(to: &$0) } }
            if let storage { w.key(17); w.write(storage) }
            if let abstainThrough { w.key(18); w.write(abstainThrough) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var node: String?, height: UInt64?, round: UInt64?, step: String?, last: UInt64?, since: UInt64?, wall: UInt64?
        var state: Digest?, sessions: UInt64?, peers: [String]?, paused: Bool?, proposer: PublicKey?
        var fresh: Bool?, sinceQuorum: UInt64?, offset: Int64?, vouched: Bool?, received: [LinkReceived] = []
        var storage: String?, abstain: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: node = try r.readText()
            case 1: height = try r.readUInt()
            case 2: round = try r.readUInt()
            case 3: step = try r.readText()
            case 4: last = try r.readUInt()
            case 5: since = try r.readUInt()
            case 6: wall = try r.readUInt()
            case 7: state = try r.readFixed()
            case 8: sessions = try r.readUInt()
            case 9: peers = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readText() }
            case 10: paused = try r.readBool()
            case 11: proposer = try r.readFixed()
            case 12: fresh = try r.readBool()
            case 13: sinceQuorum = try r.readUInt()
            case 14: offset = try r.readInt()
            case 15: vouched = try r.readBool()
            case 16: received = try r.readArray { (r: inout CBORReader) throws(WireError) in try LinkReceived(from: &r) }
            case 17: storage = try r.readText()
            default: abstain = try r.readUInt()
            }
        }
        self.init(node: try required(node, "node", r), height: try required(height, "height", r), round: try required(round, "round", r),
                  step: try required(step, "step", r), lastBlockTimeMs: try required(last, "lastBlockTimeMs", r),
                  sinceLastBlockMs: try required(since, "sinceLastBlockMs", r), wallClockMs: try required(wall, "wallClockMs", r),
                  stateHash: try required(state, "stateHash", r), sessions: try required(sessions, "sessions", r),
                  peersSeen: try required(peers, "peersSeen", r), paused: try required(paused, "paused", r),
                  proposer: try required(proposer, "proposer", r), fresh: try required(fresh, "fresh", r),
                  sinceQuorumMs: sinceQuorum, clockOffsetMs: offset, clockVouched: try required(vouched, "clockVouched", r),
                  received: received, storage: storage, abstainThrough: abstain)
    }
}

/// One entry of `NodeStatus.received`: messages that arrived from `peer`.
public struct LinkReceived: Codable, Sendable, Hashable {
    public var peer: String
    public var messages: UInt64

    static let fields = ["peer", "messages"]

    public init(peer: String, messages: UInt64) {
        self.peer = peer
        self.messages = messages
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(peer)
            w.key(1); w.write(messages)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var peer: String?, messages: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: peer = try r.readText()
            default: messages = try r.readUInt()
            }
        }
        self.init(peer: try required(peer, "peer", r), messages: try required(messages, "messages", r))
    }
}

/// "Which sessions are there?" — of one session key, of one principal, or (both absent)
/// all, at most `SessionList.maxSessions`, answered from the node's applied state.
public struct SessionQuery: WireBody, Codable {
    public static let kind = MessageKind.sessionQuery

    public var sessionKey: PublicKey?
    public var principal: PublicKey?

    static let fields = ["sessionKey", "principal"]

    public init(sessionKey: PublicKey? = nil, principal: PublicKey? = nil) {
        self.sessionKey = sessionKey
        self.principal = principal
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            if let sessionKey { w.key(0); w.write(sessionKey) }
            if let principal { w.key(1); w.write(principal) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var key: PublicKey?, principal: PublicKey?
        try r.readMap(fields: Self.fields) { r, field throws(WireError) in
            if field == 0 { key = try r.readFixed() } else { principal = try r.readFixed() }
        }
        self.init(sessionKey: key, principal: principal)
    }
}

/// One session as a query shows it.
public struct SessionInfo: CBORMap, Hashable, Codable {
    public var id: Digest
    public var principal: PublicKey
    public var sessionKey: PublicKey
    public var operations: [String]
    public var resources: [String]
    public var notBefore: UInt64
    public var expiresAt: UInt64
    public var budget: UInt64
    public var spent: UInt64
    public var uses: UInt64
    public var revoked: Bool
    public var parent: Digest?

    static let fields = ["id", "principal", "sessionKey", "operations", "resources", "notBefore", "expiresAt", "budget",
                         "spent", "uses", "revoked", "parent"]

    public init(id: Digest, principal: PublicKey, sessionKey: PublicKey, operations: [String], resources: [String],
                notBefore: UInt64, expiresAt: UInt64, budget: UInt64, spent: UInt64, uses: UInt64, revoked: Bool, parent: Digest?) {
        self.id = id
        self.principal = principal
        self.sessionKey = sessionKey
        self.operations = operations
        self.resources = resources
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.budget = budget
        self.spent = spent
        self.uses = uses
        self.revoked = revoked
        self.parent = parent
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(id)
            w.key(1); w.write(principal)
            w.key(2); w.write(sessionKey)
            w.key(3); w.writeArray(operations) { $0.write($1) }
            w.key(4); w.writeArray(resources) { $0.write($1) }
            w.key(5); w.write(notBefore)
            w.key(6); w.write(expiresAt)
            w.key(7); w.write(budget)
            w.key(8); w.write(spent)
            w.key(9); w.write(uses)
            w.key(10); w.write(revoked)
            if let parent { w.key(11); w.write(parent) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var id: Digest?, principal: PublicKey?, key: PublicKey?, operations: [String]?, resources: [String]?
        var notBefore: UInt64?, expiresAt: UInt64?, budget: UInt64?, spent: UInt64?, uses: UInt64?, revoked: Bool?, parent: Digest?
        try r.readMap(fields: Self.fields) { r, field throws(WireError) in
            switch field {
            case 0: id = try r.readFixed()
            case 1: principal = try r.readFixed()
            case 2: key = try r.readFixed()
            case 3: operations = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readText() }
            case 4: resources = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.readText() }
            case 5: notBefore = try r.readUInt()
            case 6: expiresAt = try r.readUInt()
            case 7: budget = try r.readUInt()
            case 8: spent = try r.readUInt()
            case 9: uses = try r.readUInt()
            case 10: revoked = try r.readBool()
            default: parent = try r.readFixed()
            }
        }
        self.init(id: try required(id, "id", r), principal: try required(principal, "principal", r),
                  sessionKey: try required(key, "sessionKey", r), operations: try required(operations, "operations", r),
                  resources: try required(resources, "resources", r), notBefore: try required(notBefore, "notBefore", r),
                  expiresAt: try required(expiresAt, "expiresAt", r), budget: try required(budget, "budget", r),
                  spent: try required(spent, "spent", r), uses: try required(uses, "uses", r),
                  revoked: try required(revoked, "revoked", r), parent: parent)
    }
}

/// The sessions a `SessionQuery` asked for, in id order.
public struct SessionList: WireBody, Codable {
    public static let kind = MessageKind.sessionList
    public static let maxSessions = 1_000

    public var sessions: [SessionInfo]
    /// True when more sessions matched than `maxSessions`.
    public var truncated: Bool

    static let fields = ["sessions", "truncated"]

    public init(sessions: [SessionInfo], truncated: Bool) {
        self.sessions = sessions
        self.truncated = truncated
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.writeArray(sessions) { $0.write($1) }
            w.key(1); w.write(truncated)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var sessions: [SessionInfo]?, truncated: Bool?
        try r.readMap(fields: Self.fields) { r, field throws(WireError) in
            if field == 0 {
                sessions = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(SessionInfo.self) }
            } else {
                truncated = try r.readBool()
            }
        }
        self.init(sessions: try required(sessions, "sessions", r), truncated: try required(truncated, "truncated", r))
    }
}
