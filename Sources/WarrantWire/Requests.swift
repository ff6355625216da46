import WarrantCrypto

/// What a session may do: any of `operations` on any resource matching one of
/// `resources` (an exact name, or `prefix/*` for everything under `prefix/`), each act
/// moving at most `maxAmount` when set. Both lists are sets: unique and sorted by UTF-8
/// bytes on the wire (the initialiser normalises them).
public struct Scope: CBORMap, Hashable, Codable {
    public var operations: [String]
    public var resources: [String]
    public var maxAmount: UInt64?

    static let fields = ["operations", "resources", "maxAmount"]

    public init(operations: [String], resources: [String], maxAmount: UInt64? = nil) {
        self.operations = operations.canonicalSet()
        self.resources = resources.canonicalSet()
        self.maxAmount = maxAmount
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.writeArray(operations) { $0.write($1) }
            w.key(1); w.writeArray(resources) { $0.write($1) }
            if let maxAmount { w.key(2); w.write(maxAmount) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var operations: [String]?, resources: [String]?, maxAmount: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: operations = try r.readTextSet(allowEmpty: false)
            case 1: resources = try r.readTextSet(allowEmpty: false)
            default: maxAmount = try r.readUInt()
            }
        }
        self.operations = try required(operations, "operations", r)
        self.resources = try required(resources, "resources", r)
        self.maxAmount = maxAmount
    }
}

/// At most `count` acts per `windowMs` milliseconds of block time.
public struct RateLimit: CBORMap, Hashable, Codable {
    public var count: UInt64
    public var windowMs: UInt64

    static let fields = ["count", "windowMs"]

    public init(count: UInt64, windowMs: UInt64) {
        self.count = count
        self.windowMs = windowMs
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(count)
            w.key(1); w.write(windowMs)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var count: UInt64?, windowMs: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            let start = r.offset
            let value = try r.readUInt()
            guard value > 0 else { throw WireError(.badValue, "must be at least 1", offset: start) }
            if key == 0 { count = value } else { windowMs = value }
        }
        self.count = try required(count, "count", r)
        self.windowMs = try required(windowMs, "windowMs", r)
    }
}

/// Delegates authority to `sessionKey`. Signed by a principal (a top-level session) or,
/// with `parent` set, by the parent session's key (a sub-delegation). The session's id is
/// the BLAKE2b-256 of the whole grant envelope. Times are milliseconds since the Unix
/// epoch, compared with block time: active while `notBefore ≤ t < expiresAt`.
public struct Grant: WireBody, Codable {
    public static let kind = MessageKind.grant

    /// Chosen by the signer; reusing one is `replay`.
    public var nonce: UInt64
    public var sessionKey: PublicKey
    public var scope: Scope
    public var notBefore: UInt64
    public var expiresAt: UInt64
    /// Total amount all acts together may move.
    public var budget: UInt64
    /// Most acts allowed; absent means no limit beyond budget and rate.
    public var maxUses: UInt64?
    public var rate: RateLimit?
    /// The parent session's id, for a sub-delegation.
    public var parent: Digest?

    static let fields = ["nonce", "sessionKey", "scope", "notBefore", "expiresAt", "budget", "maxUses", "rate", "parent"]

    public init(nonce: UInt64, sessionKey: PublicKey, scope: Scope, notBefore: UInt64, expiresAt: UInt64,
                budget: UInt64, maxUses: UInt64? = nil, rate: RateLimit? = nil, parent: Digest? = nil) {
        self.nonce = nonce
        self.sessionKey = sessionKey
        self.scope = scope
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.budget = budget
        self.maxUses = maxUses
        self.rate = rate
        self.parent = parent
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(nonce)
            w.key(1); w.write(sessionKey)
            w.key(2); w.write(scope)
            w.key(3); w.write(notBefore)
            w.key(4); w.write(expiresAt)
            w.key(5); w.write(budget)
            if let maxUses { w.key(6); w.write(maxUses) }
            if let rate { w.key(7); w.write(rate) }
            if let parent { w.key(8); w.write(parent) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var nonce: UInt64?, sessionKey: PublicKey?, scope: Scope?, notBefore: UInt64?, expiresAt: UInt64?
        var budget: UInt64?, maxUses: UInt64?, rate: RateLimit?, parent: Digest?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: nonce = try r.readUInt()
            case 1: sessionKey = try r.readFixed()
            case 2: scope = try r.read()
            case 3: notBefore = try r.readUInt()
            case 4: expiresAt = try r.readUInt()
            case 5: budget = try r.readUInt()
            case 6: maxUses = try r.readUInt()
            case 7: rate = try r.read()
            default: parent = try r.readFixed()
            }
        }
        self.init(
            nonce: try required(nonce, "nonce", r), sessionKey: try required(sessionKey, "sessionKey", r),
            scope: try required(scope, "scope", r), notBefore: try required(notBefore, "notBefore", r),
            expiresAt: try required(expiresAt, "expiresAt", r), budget: try required(budget, "budget", r),
            maxUses: maxUses, rate: rate, parent: parent)
    }
}

/// Ends one session and every session delegated from it. Signed by the session's
/// principal or by the key of one of its ancestor sessions.
public struct Revoke: WireBody, Codable {
    public static let kind = MessageKind.revoke

    public var nonce: UInt64
    public var session: Digest

    static let fields = ["nonce", "session"]

    public init(nonce: UInt64, session: Digest) {
        self.nonce = nonce
        self.session = session
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(nonce)
            w.key(1); w.write(session)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var nonce: UInt64?, session: Digest?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            if key == 0 { nonce = try r.readUInt() } else { session = try r.readFixed() }
        }
        self.init(nonce: try required(nonce, "nonce", r), session: try required(session, "session", r))
    }
}

/// Ends every session of the signing principal at once (after a leaked key, revoking
/// one by one is too slow). Sessions granted in later blocks are unaffected.
public struct RevokeAll: WireBody, Codable {
    public static let kind = MessageKind.revokeAll

    public var nonce: UInt64

    static let fields = ["nonce"]

    public init(nonce: UInt64) { self.nonce = nonce }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(nonce)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var nonce: UInt64?
        try r.readMap(fields: Self.fields) { r, _ throws(WireError) in nonce = try r.readUInt() }
        self.init(nonce: try required(nonce, "nonce", r))
    }
}

/// An agent acting under a session, signed by the session key. `sequence` numbers the
/// session's acts; reusing one is `replay`.
public struct Act: WireBody, Codable {
    public static let kind = MessageKind.act

    public var session: Digest
    public var sequence: UInt64
    public var operation: String
    public var resource: String
    public var amount: UInt64

    static let fields = ["session", "sequence", "operation", "resource", "amount"]

    public init(session: Digest, sequence: UInt64, operation: String, resource: String, amount: UInt64) {
        self.session = session
        self.sequence = sequence
        self.operation = operation
        self.resource = resource
        self.amount = amount
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(session)
            w.key(1); w.write(sequence)
            w.key(2); w.write(operation)
            w.key(3); w.write(resource)
            w.key(4); w.write(amount)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var session: Digest?, sequence: UInt64?, operation: String?, resource: String?, amount: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: session = try r.readFixed()
            case 1: sequence = try r.readUInt()
            case 2: operation = try r.readText()
            case 3: resource = try r.readText()
            default: amount = try r.readUInt()
            }
        }
        self.init(
            session: try required(session, "session", r), sequence: try required(sequence, "sequence", r),
            operation: try required(operation, "operation", r), resource: try required(resource, "resource", r),
            amount: try required(amount, "amount", r))
    }
}
