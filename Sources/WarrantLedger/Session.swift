import WarrantCrypto
import WarrantWire

/// A committed session: the grant that created it plus what it has used since. Times are
/// block times (ms since the epoch); `notBefore ≤ t < expiresAt` is the active window.
public struct Session: Hashable, Sendable {
    /// The session id: the request id of the grant (BLAKE2b-256 of its envelope).
    public let id: Digest
    /// The principal at the root of the delegation chain.
    public let principal: PublicKey
    /// Who signed the grant: the principal, or the parent session's key.
    public let grantedBy: PublicKey
    public let nonce: UInt64
    public let sessionKey: PublicKey
    /// Allowed operations, a set in ascending UTF-8 byte order.
    public let operations: [String]
    public let resources: [ResourcePattern]
    public let maxAmount: UInt64?
    public let notBefore: UInt64
    public let expiresAt: UInt64
    public let budget: UInt64
    public let maxUses: UInt64?
    public let rate: RateLimit?
    public let parent: Digest?
    /// 0 for a principal's grant, parent's depth + 1 for a sub-delegation.
    public let depth: Int
    public let grantHeight: UInt64
    /// Position of the grant in the ledger's total order of requests; a revoke-all
    /// revokes the principal's sessions granted before it.
    public let grantOrdinal: UInt64

    /// Amount moved by this session's own acts.
    public internal(set) var spent: UInt64 = 0
    /// Acts done under this session.
    public internal(set) var uses: UInt64 = 0
    /// Budget set aside for child sessions (never returned).
    public internal(set) var carvedBudget: UInt64 = 0
    /// Uses set aside for child sessions (never returned).
    public internal(set) var carvedUses: UInt64 = 0
    /// The highest act sequence number accepted; the next must be greater.
    public internal(set) var lastSequence: UInt64?
    /// Block times of the acts inside the current rate window (only when `rate` is set).
    public internal(set) var recentActTimes: [UInt64] = []
    /// The height of the revoke that ended this session itself (not an ancestor).
    public internal(set) var revokedHeight: UInt64?

    public var remainingBudget: UInt64 { budget - spent - carvedBudget }
    public var remainingUses: UInt64? { maxUses.map { $0 - uses - carvedUses } }

    public init(id: Digest, principal: PublicKey, grantedBy: PublicKey, nonce: UInt64, sessionKey: PublicKey,
                operations: [String], resources: [ResourcePattern], maxAmount: UInt64?, notBefore: UInt64,
                expiresAt: UInt64, budget: UInt64, maxUses: UInt64?, rate: RateLimit?, parent: Digest?, depth: Int,
                grantHeight: UInt64, grantOrdinal: UInt64) {
        self.id = id
        self.principal = principal
        self.grantedBy = grantedBy
        self.nonce = nonce
        self.sessionKey = sessionKey
        self.operations = operations
        self.resources = resources
        self.maxAmount = maxAmount
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.budget = budget
        self.maxUses = maxUses
        self.rate = rate
        self.parent = parent
        self.depth = depth
        self.grantHeight = grantHeight
        self.grantOrdinal = grantOrdinal
    }

    /// Restores a stored session with its usage (for `WarrantStorage`).
    public init(restoring base: Session, spent: UInt64, uses: UInt64, carvedBudget: UInt64, carvedUses: UInt64,
                lastSequence: UInt64?, recentActTimes: [UInt64], revokedHeight: UInt64?) {
        self = base
        self.spent = spent
        self.uses = uses
        self.carvedBudget = carvedBudget
        self.carvedUses = carvedUses
        self.lastSequence = lastSequence
        self.recentActTimes = recentActTimes
        self.revokedHeight = revokedHeight
    }

    func allowsOperation(_ operation: String) -> Bool {
        operations.contains { $0.utf8.elementsEqual(operation.utf8) }
    }

    /// Canonical CBOR of the whole record: the input to the state hash.
    var canonicalBytes: [UInt8] {
        var w = CBORWriter(capacity: 320)
        w.writeMap { w in
            w.key(0); w.write(UInt64(StateEntryType.session.rawValue))
            w.key(1); w.write(id)
            w.key(2); w.write(principal)
            w.key(3); w.write(grantedBy)
            w.key(4); w.write(nonce)
            w.key(5); w.write(sessionKey)
            w.key(6); w.writeArray(operations) { $0.write($1) }
            w.key(7); w.writeArray(resources) { $0.write($1.text) }
            if let maxAmount { w.key(8); w.write(maxAmount) }
            w.key(9); w.write(notBefore)
            w.key(10); w.write(expiresAt)
            w.key(11); w.write(budget)
            if let maxUses { w.key(12); w.write(maxUses) }
            if let rate { w.key(13); w.write(rate) }
            if let parent { w.key(14); w.write(parent) }
            w.key(15); w.write(UInt64(depth))
            w.key(16); w.write(grantHeight)
            w.key(17); w.write(grantOrdinal)
            w.key(18); w.writeArray([spent, uses, carvedBudget, carvedUses]) { $0.write($1) }
            if let lastSequence { w.key(19); w.write(lastSequence) }
            w.key(20); w.writeArray(recentActTimes) { $0.write($1) }
            if let revokedHeight { w.key(21); w.write(revokedHeight) }
        }
        return w.bytes
    }
}

/// What kind of record a state-hash entry is.
enum StateEntryType: UInt8 {
    case session = 1
    case nonce = 2
    case revokeAll = 3
    case offense = 4
}

/// A nonce used by a signer for a grant, revoke or revoke-all; reusing it is `replay`.
public struct NonceKey: Hashable, Sendable, Comparable {
    public let signer: PublicKey
    public let nonce: UInt64

    public init(signer: PublicKey, nonce: UInt64) {
        self.signer = signer
        self.nonce = nonce
    }

    public static func < (a: NonceKey, b: NonceKey) -> Bool {
        a.signer != b.signer ? a.signer < b.signer : a.nonce < b.nonce
    }

    /// The retention of a revoke-all nonce: it is kept for ever, since replaying a
    /// revoke-all would end sessions granted after it.
    public static let forever = UInt64.max

    func canonicalBytes(retainUntil: UInt64) -> [UInt8] {
        var w = CBORWriter(capacity: 64)
        w.writeMap { w in
            w.key(0); w.write(UInt64(StateEntryType.nonce.rawValue))
            w.key(1); w.write(signer)
            w.key(2); w.write(nonce)
            w.key(3); w.write(retainUntil)
        }
        return w.bytes
    }
}

extension RevokeAllRecord {
    var canonicalBytes: [UInt8] {
        var w = CBORWriter(capacity: 64)
        w.writeMap { w in
            w.key(0); w.write(UInt64(StateEntryType.revokeAll.rawValue))
            w.key(1); w.write(principal)
            w.key(2); w.write(ordinal)
            w.key(3); w.write(height)
        }
        return w.bytes
    }
}

extension OffenseRecord {
    var canonicalBytes: [UInt8] {
        var w = CBORWriter(capacity: 160)
        w.writeMap { w in
            w.key(0); w.write(UInt64(StateEntryType.offense.rawValue))
            w.key(1); w.write(offense.validator)
            w.key(2); w.write(UInt64(offense.kind.rawValue))
            w.key(3); w.write(offense.height)
            w.key(4); w.write(offense.round)
            if let block = offense.firstBlock { w.key(5); w.write(block) }
            if let block = offense.secondBlock { w.key(6); w.write(block) }
            w.key(7); w.write(height)
        }
        return w.bytes
    }
}

extension NonceRecord {
    var canonicalBytes: [UInt8] { key.canonicalBytes(retainUntil: retainUntil) }
}
