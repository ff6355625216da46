import WarrantCrypto
import WarrantFaults
import WarrantWire

/// The session ledger: the state the cluster agrees on, as a pure value. Applying a
/// committed block validates and applies each request in order and returns, per request,
/// accepted or rejected with a reason; a rejected request changes nothing. The ledger
/// does no I/O, reads no clock and holds no key: height and block time are inputs, and
/// signatures were checked before a request got here.
///
/// The rules are in `Ledger+Rules.swift`, the local `check` decision in
/// `Ledger+Check.swift`; docs/SESSIONS.md states them in prose.
public struct Ledger: Sendable {
    public let genesis: Genesis
    public var parameters: LedgerParameters { genesis.parameters }

    /// Height of the last applied block (0 before the first).
    public private(set) var height: UInt64 = 0
    /// Block time of the last applied block.
    public private(set) var lastBlockTimeMs: UInt64 = 0
    /// Requests applied so far (accepted or not): the ledger's total order.
    public private(set) var ordinal: UInt64 = 0
    public private(set) var sessions: [Digest: Session] = [:]
    /// Used nonces, each with the block time until which it is remembered.
    public private(set) var nonces: [NonceKey: UInt64] = [:]
    /// The latest revoke-all of each principal that issued one.
    public private(set) var revokeAlls: [PublicKey: RevokeAllRecord] = [:]
    /// Equivocations committed so far, by offense.
    public private(set) var offenses: [Offense.Key: OffenseRecord] = [:]
    /// The state hash after the last applied block.
    public private(set) var stateHash: Digest
    /// Planted bugs this ledger honours (`ignore-expiry`, `ignore-staleness`), only to
    /// prove that the checkers catch them; empty on every real deployment. Not part of
    /// the state: the state hash never reads it.
    public var sabotage: Set<Sabotage> = [] {
        didSet {
            ignoresExpiry = sabotage.contains(.ignoreExpiry)
            ignoresStaleness = sabotage.contains(.ignoreStaleness)
        }
    }
    /// The two bugs above, looked up once (they are read on every act and check).
    private(set) var ignoresExpiry = false
    private(set) var ignoresStaleness = false

    let principalsByKey: [PublicKey: Principal]
    let genesisHash: Digest
    /// Derived indexes, rebuilt from the records above when restoring.
    var sessionsByKey: [PublicKey: Set<Digest>] = [:]
    var expiry = ExpiryQueue()
    var setHash = SetHash()
    /// Records touched by the block being applied (reset per block).
    var touchedSessions: Set<Digest> = []
    var touchedNonces: Set<NonceKey> = []
    var touchedRevokeAlls: Set<PublicKey> = []

    public init(genesis: Genesis) {
        self.genesis = genesis
        principalsByKey = Dictionary(genesis.principals.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        genesisHash = Self.hash(of: genesis)
        stateHash = .zero
        stateHash = computeStateHash()
    }

    /// Rebuilds a ledger from stored records (see `WarrantStorage`). The indexes and the
    /// set hash are recomputed from the records, so a store that lost or altered a write
    /// shows up as a state hash that differs from the one stored for `height`.
    public init(genesis: Genesis, height: UInt64, lastBlockTimeMs: UInt64, ordinal: UInt64, sessions: [Session],
                nonces: [NonceRecord], revokeAlls: [RevokeAllRecord], offenses: [OffenseRecord] = []) {
        self.init(genesis: genesis)
        self.height = height
        self.lastBlockTimeMs = lastBlockTimeMs
        self.ordinal = ordinal
        for session in sessions { putSession(session) }
        for record in nonces { putNonce(record.key, retainUntil: record.retainUntil) }
        for record in revokeAlls { putRevokeAll(record) }
        for record in offenses { putOffense(record) }
        touchedSessions = []
        touchedNonces = []
        touchedRevokeAlls = []
        stateHash = computeStateHash()
    }

    // MARK: applying blocks

    /// Applies one committed block. Throws only when the caller breaks the ledger's
    /// contract (a height out of sequence, a block time going backwards).
    public mutating func apply(_ block: LedgerBlock) throws(LedgerError) -> BlockOutcome {
        guard block.height == height + 1 else {
            throw LedgerError(.wrongHeight, "block \(block.height) applied at height \(height)")
        }
        guard block.timeMs >= lastBlockTimeMs else {
            throw LedgerError(.timeWentBackwards, "block \(block.height) time \(block.timeMs) < previous \(lastBlockTimeMs)")
        }
        var removedSessions: [Digest] = []
        var removedNonces: [NonceKey] = []
        prune(at: block.timeMs, removedSessions: &removedSessions, removedNonces: &removedNonces)

        var outcomes: [RequestOutcome] = []
        outcomes.reserveCapacity(block.requests.count)
        for request in block.requests {
            ordinal += 1
            let reason = apply(request, height: block.height, time: block.timeMs)
            outcomes.append(RequestOutcome(request: request.id, accepted: reason == nil, reason: reason))
        }
        var recorded: [OffenseRecord] = []
        for offense in block.evidence where offenses[offense.key] == nil {
            let record = OffenseRecord(offense: offense, height: block.height)
            putOffense(record)
            recorded.append(record)
        }
        height = block.height
        lastBlockTimeMs = block.timeMs
        stateHash = computeStateHash()

        let changes = LedgerChanges(
            upsertedSessions: touchedSessions.compactMap { sessions[$0] }.sorted { $0.id < $1.id },
            removedSessions: removedSessions,
            upsertedNonces: touchedNonces.compactMap { key in nonces[key].map { NonceRecord(key: key, retainUntil: $0) } }
                .sorted { $0.key < $1.key },
            removedNonces: removedNonces,
            revokeAll: touchedRevokeAlls.compactMap { revokeAlls[$0] }.sorted { $0.principal < $1.principal },
            offenses: recorded, ordinal: ordinal)
        touchedSessions = []
        touchedNonces = []
        touchedRevokeAlls = []
        return BlockOutcome(height: height, timeMs: lastBlockTimeMs, outcomes: outcomes, stateHash: stateHash, changes: changes)
    }

    /// Validates and, if valid, applies one request; returns the rejection reason or nil.
    mutating func apply(_ request: LedgerRequest, height: UInt64, time: UInt64) -> ReasonCode? {
        switch request.body {
        case .grant(let grant):
            switch validateGrant(grant, id: request.id, signer: request.signer, time: time) {
            case .invalid(let reason): return reason
            case .valid(let plan): applyGrant(grant, plan: plan, id: request.id, signer: request.signer, height: height)
            }
        case .act(let act):
            if let reason = validateAct(act, signer: request.signer, time: time) { return reason }
            applyAct(act, time: time)
        case .revoke(let revoke):
            if let reason = validateRevoke(revoke, signer: request.signer, time: time) { return reason }
            var session = sessions[revoke.session]!
            session.revokedHeight = height
            putSession(session)
            putNonce(NonceKey(signer: request.signer, nonce: revoke.nonce), retainUntil: session.expiresAt)
        case .revokeAll(let revokeAll):
            if let reason = validateRevokeAll(revokeAll, signer: request.signer, time: time) { return reason }
            putRevokeAll(RevokeAllRecord(principal: request.signer, ordinal: ordinal, height: height))
            putNonce(NonceKey(signer: request.signer, nonce: revokeAll.nonce), retainUntil: NonceKey.forever)
        }
        return nil
    }

    /// Removes at most `pruneLimitPerBlock` records whose time has passed, in the queue's
    /// total order. No rule reads whether a record was pruned: every decision compares
    /// times itself. Stale queue entries (a nonce record re-used with a later time) are
    /// skipped without counting, so a ledger restored from storage, whose queue holds
    /// only current entries, prunes exactly the same records.
    mutating func prune(at time: UInt64, removedSessions: inout [Digest], removedNonces: inout [NonceKey]) {
        var removed = 0
        while removed < parameters.pruneLimitPerBlock, let entry = expiry.popDue(atOrBefore: time) {
            switch entry.item {
            case .session(let id):
                guard let session = sessions[id], session.expiresAt == entry.time, !ignoresExpiry else { continue }
                sessions[id] = nil
                setHash.remove(session.canonicalBytes)
                sessionsByKey[session.sessionKey]?.remove(id)
                if sessionsByKey[session.sessionKey]?.isEmpty == true { sessionsByKey[session.sessionKey] = nil }
                removedSessions.append(id)
            case .nonce(let key):
                guard let retainUntil = nonces[key], retainUntil == entry.time else { continue }
                nonces[key] = nil
                setHash.remove(key.canonicalBytes(retainUntil: retainUntil))
                removedNonces.append(key)
            }
            removed += 1
        }
    }

    // MARK: record updates (keep the set hash and indexes in step)

    mutating func putSession(_ session: Session) {
        if let old = sessions[session.id] {
            setHash.remove(old.canonicalBytes)
        } else {
            sessionsByKey[session.sessionKey, default: []].insert(session.id)
            expiry.insert(.session(session.id), at: session.expiresAt)
        }
        sessions[session.id] = session
        setHash.insert(session.canonicalBytes)
        touchedSessions.insert(session.id)
    }

    mutating func putNonce(_ key: NonceKey, retainUntil: UInt64) {
        let old = nonces[key]
        if let old { setHash.remove(key.canonicalBytes(retainUntil: old)) }
        if retainUntil != NonceKey.forever, retainUntil != old {
            expiry.insert(.nonce(key), at: retainUntil)
        }
        nonces[key] = retainUntil
        setHash.insert(key.canonicalBytes(retainUntil: retainUntil))
        touchedNonces.insert(key)
    }

    mutating func putRevokeAll(_ record: RevokeAllRecord) {
        if let old = revokeAlls[record.principal] { setHash.remove(old.canonicalBytes) }
        revokeAlls[record.principal] = record
        setHash.insert(record.canonicalBytes)
        touchedRevokeAlls.insert(record.principal)
    }

    mutating func putOffense(_ record: OffenseRecord) {
        offenses[record.offense.key] = record
        setHash.insert(record.canonicalBytes)
    }

    // MARK: state hash

    /// BLAKE2b-256 over the canonical CBOR of `{genesis hash, height, block time, ordinal,
    /// set hash of every live record}`.
    func computeStateHash() -> Digest {
        var w = CBORWriter(capacity: 160)
        w.writeMap { w in
            w.key(0); w.write(genesisHash)
            w.key(1); w.write(height)
            w.key(2); w.write(lastBlockTimeMs)
            w.key(3); w.write(ordinal)
            w.key(4); w.write(bytes: setHash.bytes)
        }
        return Blake2b.hash(w.bytes)
    }

    /// The state hash recomputed from every record, ignoring the incremental sum: for
    /// tests and for checking a restored store.
    public func recomputedStateHash() -> Digest {
        var copy = self
        copy.setHash = SetHash()
        for session in sessions.values { copy.setHash.insert(session.canonicalBytes) }
        for (key, retainUntil) in nonces { copy.setHash.insert(key.canonicalBytes(retainUntil: retainUntil)) }
        for record in revokeAlls.values { copy.setHash.insert(record.canonicalBytes) }
        for record in offenses.values { copy.setHash.insert(record.canonicalBytes) }
        return copy.computeStateHash()
    }

    static func hash(of genesis: Genesis) -> Digest {
        var w = CBORWriter()
        w.writeMap { w in
            w.key(0); w.writeArray(genesis.principals.sorted { $0.key < $1.key }) { w, principal in
                w.writeMap { w in
                    w.key(0); w.write(principal.name)
                    w.key(1); w.write(principal.key)
                    w.key(2); w.writeArray(principal.owns) { $0.write($1.text) }
                }
            }
            w.key(1); w.write(UInt64(genesis.parameters.maxDelegationDepth))
            w.key(2); w.write(UInt64(genesis.parameters.pruneLimitPerBlock))
            w.key(3); w.write(genesis.parameters.maxClockSkewMs)
            w.key(4); w.write(genesis.parameters.maxStalenessMs)
        }
        return Blake2b.hash(w.bytes)
    }

    // MARK: queries

    /// Every session of `key`, live or not yet pruned, in id order.
    public func sessions(ofKey key: PublicKey) -> [Session] {
        (sessionsByKey[key] ?? []).compactMap { sessions[$0] }.sorted { $0.id < $1.id }
    }

    /// Whether the session or any ancestor was revoked, directly or by a revoke-all.
    /// Walks at most `maxDelegationDepth + 1` records.
    public func isRevoked(_ session: Session) -> Bool {
        var current = session
        while true {
            if current.revokedHeight != nil { return true }
            if let all = revokeAlls[current.principal], all.ordinal > current.grantOrdinal { return true }
            guard let parentID = current.parent, let parent = sessions[parentID] else { return false }
            current = parent
        }
    }
}
