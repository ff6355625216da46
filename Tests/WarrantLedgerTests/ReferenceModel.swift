import WarrantCrypto
import WarrantWire
import WarrantLedger

/// A deliberately simple model of the session rules, written apart from the ledger:
/// linear scans, no indexes, no pruning, no hashing, no carving shortcuts. A session
/// whose `expiresAt` has passed simply does not exist for it (the ledger, pruning
/// without limit, agrees). The property tests require the ledger to decide exactly as
/// this model does.
struct ReferenceModel {
    struct ModelSession {
        let id: Digest, principal: PublicKey, key: PublicKey
        let ops: [String], resources: [String], cap: UInt64?
        let notBefore: UInt64, expiresAt: UInt64, budget: UInt64, maxUses: UInt64?, rate: RateLimit?
        let parent: Digest?, depth: Int, ordinal: UInt64
        var spent: UInt64 = 0, uses: UInt64 = 0, givenBudget: UInt64 = 0, givenUses: UInt64 = 0
        var lastSequence: UInt64? = nil, actTimes: [UInt64] = [], revoked = false
    }

    let owners: [PublicKey: [String]]
    let maxDepth: Int
    let skew: UInt64
    var sessions: [ModelSession] = []
    var usedNonces: [(signer: PublicKey, nonce: UInt64, until: UInt64)] = []
    var revokeAllOrdinal: [PublicKey: UInt64] = [:]
    var ordinal: UInt64 = 0
    var lastBlockTime: UInt64 = 0

    init(genesis: Genesis) {
        owners = Dictionary(uniqueKeysWithValues: genesis.principals.map { ($0.key, $0.owns.map(\.text)) })
        maxDepth = genesis.parameters.maxDelegationDepth
        skew = genesis.parameters.maxClockSkewMs
    }

    static func valid(_ p: String) -> Bool {
        if p.isEmpty { return false }
        if p == "*" { return true }
        if p.hasSuffix("/*") { return p.count > 2 && !p.dropLast().contains("*") }
        return !p.contains("*")
    }

    static func matches(_ p: String, _ name: String) -> Bool {
        if p == "*" { return !name.isEmpty }
        if p.hasSuffix("/*") { let prefix = p.dropLast(); return name.count > prefix.count && name.hasPrefix(prefix) }
        return name == p
    }

    static func covers(_ outer: String, _ inner: String) -> Bool {
        if outer == "*" { return true }
        if outer.hasSuffix("/*") {
            if inner == "*" { return false }
            if inner.hasSuffix("/*") { return inner.dropLast().hasPrefix(outer.dropLast()) }
            return matches(outer, inner)
        }
        return outer == inner
    }

    func live(_ id: Digest?, at t: UInt64) -> ModelSession? {
        sessions.first { $0.id == id && $0.expiresAt > t }
    }

    func revoked(_ s: ModelSession) -> Bool {
        if s.revoked { return true }
        if let o = revokeAllOrdinal[s.principal], o > s.ordinal { return true }
        if let p = sessions.first(where: { $0.id == s.parent }) { return revoked(p) }
        return false
    }

    func nonceUsed(_ signer: PublicKey, _ nonce: UInt64, _ t: UInt64) -> Bool {
        usedNonces.contains { $0.signer == signer && $0.nonce == nonce && $0.until > t }
    }

    func usage(_ s: ModelSession, op: String, resource: String, amount: UInt64, t: UInt64) -> ReasonCode? {
        if revoked(s) { return .revoked }
        if !s.ops.contains(op) || !s.resources.contains(where: { Self.matches($0, resource) }) { return .outOfScope }
        if let cap = s.cap, amount > cap { return .overActionCap }
        if let m = s.maxUses, s.uses + s.givenUses >= m { return .usesExhausted }
        if let r = s.rate, s.actTimes.filter({ t - $0 < r.windowMs }).count >= Int(r.count) { return .rateLimited }
        if s.spent + s.givenBudget + amount > s.budget { return .overBudget }
        return nil
    }

    mutating func apply(_ request: LedgerRequest, height: UInt64, t: UInt64) -> ReasonCode? {
        ordinal += 1
        switch request.body {
        case .grant(let g):
            if g.notBefore >= g.expiresAt { return .malformed }
            if t >= g.expiresAt { return .expired }
            if !g.scope.resources.allSatisfy(Self.valid) { return .malformed }
            if sessions.contains(where: { $0.id == request.id }) { return .replay }
            if nonceUsed(request.signer, g.nonce, t) { return .replay }
            var principal = request.signer, depth = 0
            if let parentID = g.parent {
                guard let p = live(parentID, at: t) else { return .unknownSession }
                if request.signer != p.key { return .notOwner }
                if revoked(p) { return .revoked }
                if p.depth + 1 > maxDepth { return .depthExceeded }
                let left = p.budget - p.spent - p.givenBudget
                let wider = !g.scope.operations.allSatisfy(p.ops.contains)
                    || !g.scope.resources.allSatisfy { r in p.resources.contains { Self.covers($0, r) } }
                    || (p.cap != nil && (g.scope.maxAmount == nil || g.scope.maxAmount! > p.cap!))
                    || g.notBefore < p.notBefore || g.expiresAt > p.expiresAt || g.budget > left
                    || (p.maxUses != nil && (g.maxUses == nil || g.maxUses! > p.maxUses! - p.uses - p.givenUses))
                    || (p.rate != nil && (g.rate == nil || g.rate!.count > p.rate!.count || g.rate!.windowMs < p.rate!.windowMs))
                if wider { return .exceedsParent }
                principal = p.principal
                depth = p.depth + 1
                let index = sessions.firstIndex { $0.id == parentID }!
                sessions[index].givenBudget += g.budget
                if p.maxUses != nil, let u = g.maxUses { sessions[index].givenUses += u }
            } else {
                guard let owns = owners[request.signer],
                      g.scope.resources.allSatisfy({ r in owns.contains { Self.covers($0, r) } }) else { return .notOwner }
            }
            sessions.append(ModelSession(
                id: request.id, principal: principal, key: g.sessionKey, ops: g.scope.operations,
                resources: g.scope.resources, cap: g.scope.maxAmount, notBefore: g.notBefore, expiresAt: g.expiresAt,
                budget: g.budget, maxUses: g.maxUses, rate: g.rate, parent: g.parent, depth: depth, ordinal: ordinal))
            usedNonces.append((request.signer, g.nonce, g.expiresAt))
        case .act(let a):
            guard let s = live(a.session, at: t) else { return .unknownSession }
            if request.signer != s.key { return .badSignature }
            if t < s.notBefore { return .notYetValid }
            if let last = s.lastSequence, a.sequence <= last { return .replay }
            if let reason = usage(s, op: a.operation, resource: a.resource, amount: a.amount, t: t) { return reason }
            let index = sessions.firstIndex { $0.id == a.session }!
            sessions[index].spent += a.amount
            sessions[index].uses += 1
            sessions[index].lastSequence = a.sequence
            sessions[index].actTimes.append(t)
        case .revoke(let r):
            guard let s = live(r.session, at: t) else { return .unknownSession }
            if nonceUsed(request.signer, r.nonce, t) { return .replay }
            var allowed = request.signer == s.principal
            var cursor = s
            while !allowed, let p = sessions.first(where: { $0.id == cursor.parent }) {
                allowed = p.key == request.signer
                cursor = p
            }
            if !allowed { return .notOwner }
            if revoked(s) { return .revoked }
            sessions[sessions.firstIndex { $0.id == r.session }!].revoked = true
            usedNonces.append((request.signer, r.nonce, s.expiresAt))
        case .revokeAll(let r):
            if owners[request.signer] == nil { return .notOwner }
            if nonceUsed(request.signer, r.nonce, t) { return .replay }
            revokeAllOrdinal[request.signer] = ordinal
            usedNonces.append((request.signer, r.nonce, UInt64.max))
        }
        return nil
    }

    mutating func endBlock(at t: UInt64) { lastBlockTime = t }

    /// The local check for readings that are fresh and skew-free (`now` ≥ last block time).
    func check(key: PublicKey, op: String, resource: String, amount: UInt64, now: UInt64) -> ReasonCode? {
        let mine = sessions.filter { $0.key == key && $0.expiresAt > lastBlockTime }
        if mine.isEmpty { return .unknownSession }
        var firstReason: ReasonCode?
        for s in mine.sorted(by: { ($0.expiresAt, $0.id) > ($1.expiresAt, $1.id) }) {
            let reason: ReasonCode?
            if s.expiresAt <= now + skew { reason = .expired }
            else if now < s.notBefore { reason = .notYetValid }
            else { reason = usage(s, op: op, resource: resource, amount: amount, t: now) }
            if reason == nil { return nil }
            if firstReason == nil { firstReason = reason }
        }
        return firstReason
    }

    /// No session, nor any root's tree, has given out or spent more than it had.
    func overspent() -> [String] {
        var problems: [String] = []
        for s in sessions {
            if s.spent + s.givenBudget > s.budget { problems.append("session \(s.id.short) spent \(s.spent) + gave \(s.givenBudget) > \(s.budget)") }
            if let m = s.maxUses, s.uses + s.givenUses > m { problems.append("session \(s.id.short) used \(s.uses) + gave \(s.givenUses) > \(m)") }
        }
        for root in sessions where root.parent == nil {
            var tree = [root.id], total: UInt64 = 0, index = 0
            while index < tree.count {
                let id = tree[index]
                total += sessions.first { $0.id == id }!.spent
                tree += sessions.filter { $0.parent == id }.map(\.id)
                index += 1
            }
            if total > root.budget { problems.append("tree of \(root.id.short) spent \(total) > \(root.budget)") }
        }
        return problems
    }
}
