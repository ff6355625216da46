import WarrantCrypto

/// A local, read-only question to one node: may `sessionKey` do `operation` on
/// `resource` for `amount`, now? `session` picks one session when the key holds several.
/// The node answers from its own state and clocks (docs/DESIGN.md, rules 3 and 4); nothing is
/// ordered. Signed by whoever asks.
public struct Check: WireBody, Codable {
    public static let kind = MessageKind.check

    public var sessionKey: PublicKey
    public var operation: String
    public var resource: String
    public var amount: UInt64
    public var session: Digest?

    static let fields = ["sessionKey", "operation", "resource", "amount", "session"]

    public init(sessionKey: PublicKey, operation: String, resource: String, amount: UInt64, session: Digest? = nil) {
        self.sessionKey = sessionKey
        self.operation = operation
        self.resource = resource
        self.amount = amount
        self.session = session
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(sessionKey)
            w.key(1); w.write(operation)
            w.key(2); w.write(resource)
            w.key(3); w.write(amount)
            if let session { w.key(4); w.write(session) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var sessionKey: PublicKey?, operation: String?, resource: String?, amount: UInt64?, session: Digest?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: sessionKey = try r.readFixed()
            case 1: operation = try r.readText()
            case 2: resource = try r.readText()
            case 3: amount = try r.readUInt()
            default: session = try r.readFixed()
            }
        }
        self.init(
            sessionKey: try required(sessionKey, "sessionKey", r), operation: try required(operation, "operation", r),
            resource: try required(resource, "resource", r), amount: try required(amount, "amount", r), session: session)
    }
}

/// Many checks in one message, answered in order.
public struct CheckBatch: WireBody, Codable {
    public static let kind = MessageKind.checkBatch
    /// The most checks one batch may hold, so that the answer always fits in a message:
    /// the largest possible answer to a full batch is about 2.4 MB, under the 4 MiB limit
    /// (a test pins it). A larger batch is refused `too_large`.
    public static let maxChecks = 16_384

    public var checks: [Check]

    static let fields = ["checks"]

    public init(checks: [Check]) { self.checks = checks }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.writeArray(checks) { $0.write($1) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var checks: [Check]?
        try r.readMap(fields: Self.fields) { r, _ throws(WireError) in
            let start = r.offset
            checks = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(Check.self) }
            if checks!.isEmpty { throw WireError(.badValue, "a batch holds at least one check", offset: start) }
            if checks!.count > Self.maxChecks {
                throw WireError(.tooLarge, "a batch holds at most \(Self.maxChecks) checks; this one holds \(checks!.count)", offset: start)
            }
        }
        self.init(checks: try required(checks, "checks", r))
    }
}

/// A node's answer to one check: allow, or deny with a reason; always with the node's
/// applied height and clock readings, so an observer can judge the answer without
/// trusting the node. On allow it says what is left.
public struct CheckAnswer: WireBody, Codable {
    public static let kind = MessageKind.checkAnswer

    public var allowed: Bool
    /// Present exactly when `allowed` is false.
    public var reason: ReasonCode?
    /// The height of the last block the node applied.
    public var height: UInt64
    /// The node's wall clock when it decided (ms since the epoch).
    public var wallClockMs: UInt64
    /// The block time of the last applied block.
    public var lastBlockTimeMs: UInt64
    /// Monotonic time since the node applied that block.
    public var sinceLastBlockMs: UInt64
    public var session: Digest?
    public var remainingBudget: UInt64?
    public var remainingUses: UInt64?
    public var timeLeftMs: UInt64?
    /// Monotonic time since the node last heard from a quorum at its own height (what
    /// `stale` is judged on); absent when it has not, since it started.
    public var sinceQuorumMs: UInt64?
    /// The node's estimate of its wall clock minus the other validators' (what
    /// `clock_skew` is judged on); absent when it has no recent estimate.
    public var clockOffsetMs: Int64?

    static let fields = ["allowed", "reason", "height", "wallClockMs", "lastBlockTimeMs", "sinceLastBlockMs",
                         "session", "remainingBudget", "remainingUses", "timeLeftMs", "sinceQuorumMs", "clockOffsetMs"]

    public init(allowed: Bool, reason: ReasonCode?, height: UInt64, wallClockMs: UInt64, lastBlockTimeMs: UInt64,
                sinceLastBlockMs: UInt64, session: Digest? = nil, remainingBudget: UInt64? = nil,
                remainingUses: UInt64? = nil, timeLeftMs: UInt64? = nil, sinceQuorumMs: UInt64? = nil,
                clockOffsetMs: Int64? = nil) {
        precondition(allowed == (reason == nil), "a deny carries a reason, an allow none")
        self.allowed = allowed
        self.reason = reason
        self.height = height
        self.wallClockMs = wallClockMs
        self.lastBlockTimeMs = lastBlockTimeMs
        self.sinceLastBlockMs = sinceLastBlockMs
        self.session = session
        self.remainingBudget = remainingBudget
        self.remainingUses = remainingUses
        self.timeLeftMs = timeLeftMs
        self.sinceQuorumMs = sinceQuorumMs
        self.clockOffsetMs = clockOffsetMs
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(allowed)
            if let reason { w.key(1); w.write(UInt64(reason.rawValue)) }
            w.key(2); w.write(height)
            w.key(3); w.write(wallClockMs)
            w.key(4); w.write(lastBlockTimeMs)
            w.key(5); w.write(sinceLastBlockMs)
            if let session { w.key(6); w.write(session) }
            if let remainingBudget { w.key(7); w.write(remainingBudget) }
            if let remainingUses { w.key(8); w.write(remainingUses) }
            if let timeLeftMs { w.key(9); w.write(timeLeftMs) }
            if let sinceQuorumMs { w.key(10); w.write(sinceQuorumMs) }
            if let clockOffsetMs { w.key(11); w.write(clockOffsetMs) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var allowed: Bool?, reason: ReasonCode?, height: UInt64?, wall: UInt64?, last: UInt64?, since: UInt64?
        var session: Digest?, budget: UInt64?, uses: UInt64?, timeLeft: UInt64?, sinceQuorum: UInt64?, offset: Int64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: allowed = try r.readBool()
            case 1: reason = try r.readReason()
            case 2: height = try r.readUInt()
            case 3: wall = try r.readUInt()
            case 4: last = try r.readUInt()
            case 5: since = try r.readUInt()
            case 6: session = try r.readFixed()
            case 7: budget = try r.readUInt()
            case 8: uses = try r.readUInt()
            case 9: timeLeft = try r.readUInt()
            case 10: sinceQuorum = try r.readUInt()
            default: offset = try r.readInt()
            }
        }
        let isAllowed = try required(allowed, "allowed", r)
        guard isAllowed == (reason == nil) else {
            throw WireError(.badValue, isAllowed ? "an allow carries no reason" : "a deny must carry a reason",
                            path: "reason", offset: r.offset)
        }
        self.init(
            allowed: isAllowed, reason: reason, height: try required(height, "height", r),
            wallClockMs: try required(wall, "wallClockMs", r), lastBlockTimeMs: try required(last, "lastBlockTimeMs", r),
            sinceLastBlockMs: try required(since, "sinceLastBlockMs", r), session: session,
            remainingBudget: budget, remainingUses: uses, timeLeftMs: timeLeft, sinceQuorumMs: sinceQuorum, clockOffsetMs: offset)
    }
}

/// The answers to a `CheckBatch`, in the order of its checks.
public struct CheckBatchAnswer: WireBody, Codable {
    public static let kind = MessageKind.checkBatchAnswer
    /// The most bytes one answer takes in the batch answer's array (every field present
    /// at its largest; a test pins it), and what the envelope and array add at most.
    public static let maxEntryBytes = 160
    public static let overheadBytes = 256

    /// How many checks a batch may hold so that its answer fits in `maxMessageBytes`.
    public static func maxChecks(maxMessageBytes: Int) -> Int {
        min(CheckBatch.maxChecks, max(1, (maxMessageBytes - overheadBytes) / maxEntryBytes))
    }

    public var answers: [CheckAnswer]

    static let fields = ["answers"]

    public init(answers: [CheckAnswer]) { self.answers = answers }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.writeArray(answers) { $0.write($1) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var answers: [CheckAnswer]?
        try r.readMap(fields: Self.fields) { r, _ throws(WireError) in
            answers = try r.readArray { (r: inout CBORReader) throws(WireError) in try r.read(CheckAnswer.self) }
        }
        self.init(answers: try required(answers, "answers", r))
    }
}
