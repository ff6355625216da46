import WarrantCrypto
import WarrantWire

/// The validation rules, in the order they are checked (the first failing one gives the
/// reason). docs/SESSIONS.md lists the same order.
extension Ledger {
    /// What a valid grant will create.
    struct GrantPlan {
        let principal: PublicKey
        let resources: [ResourcePattern]
        let depth: Int
        let parent: Session?
    }

    enum GrantCheck {
        case valid(GrantPlan)
        case invalid(ReasonCode)
    }

    func validateGrant(_ grant: Grant, id: Digest, signer: PublicKey, time: UInt64) -> GrantCheck {
        guard grant.notBefore < grant.expiresAt else { return .invalid(.malformed) }
        guard time < grant.expiresAt else { return .invalid(.expired) }
        var resources: [ResourcePattern] = []
        for text in grant.scope.resources {
            guard let pattern = ResourcePattern(text) else { return .invalid(.malformed) }
            resources.append(pattern)
        }
        if sessions[id] != nil { return .invalid(.replay) }
        if isNonceLive(NonceKey(signer: signer, nonce: grant.nonce), at: time) { return .invalid(.replay) }

        guard let parentID = grant.parent else {
            guard let principal = principalsByKey[signer], principal.owns.covers(all: resources) else {
                return .invalid(.notOwner)
            }
            return .valid(GrantPlan(principal: principal.key, resources: resources, depth: 0, parent: nil))
        }
        guard let parent = sessions[parentID] else { return .invalid(.unknownSession) }
        guard signer == parent.sessionKey else { return .invalid(.notOwner) }
        guard time < parent.expiresAt else { return .invalid(.expired) }
        guard !isRevoked(parent) else { return .invalid(.revoked) }
        guard parent.depth + 1 <= parameters.maxDelegationDepth else { return .invalid(.depthExceeded) }
        guard isWithin(grant, resources: resources, parent: parent) else { return .invalid(.exceedsParent) }
        return .valid(GrantPlan(principal: parent.principal, resources: resources, depth: parent.depth + 1, parent: parent))
    }

    /// A child is no wider than its parent: operations a subset, every resource pattern
    /// covered, action cap, window, budget, uses and rate within the parent's (budget and
    /// uses within what the parent has left, since they are carved out of it).
    func isWithin(_ grant: Grant, resources: [ResourcePattern], parent: Session) -> Bool {
        guard grant.scope.operations.allSatisfy({ parent.allowsOperation($0) }) else { return false }
        guard parent.resources.covers(all: resources) else { return false }
        if let cap = parent.maxAmount {
            guard let childCap = grant.scope.maxAmount, childCap <= cap else { return false }
        }
        guard grant.notBefore >= parent.notBefore, grant.expiresAt <= parent.expiresAt else { return false }
        guard grant.budget <= parent.remainingBudget else { return false }
        if let left = parent.remainingUses {
            guard let uses = grant.maxUses, uses <= left else { return false }
        }
        if let rate = parent.rate {
            guard let childRate = grant.rate, childRate.count <= rate.count, childRate.windowMs >= rate.windowMs else {
                return false
            }
        }
        return true
    }

    mutating func applyGrant(_ grant: Grant, plan: GrantPlan, id: Digest, signer: PublicKey, height: UInt64) {
        if var parent = plan.parent {
            parent.carvedBudget += grant.budget
            if parent.maxUses != nil, let uses = grant.maxUses { parent.carvedUses += uses }
            putSession(parent)
        }
        putSession(Session(
            id: id, principal: plan.principal, grantedBy: signer, nonce: grant.nonce, sessionKey: grant.sessionKey,
            operations: grant.scope.operations, resources: plan.resources, maxAmount: grant.scope.maxAmount,
            notBefore: grant.notBefore, expiresAt: grant.expiresAt, budget: grant.budget, maxUses: grant.maxUses,
            rate: grant.rate, parent: grant.parent, depth: plan.depth, grantHeight: height, grantOrdinal: ordinal))
        putNonce(NonceKey(signer: signer, nonce: grant.nonce), retainUntil: grant.expiresAt)
    }

    func validateAct(_ act: Act, signer: PublicKey, time: UInt64) -> ReasonCode? {
        guard let session = sessions[act.session] else { return .unknownSession }
        guard signer == session.sessionKey else { return .badSignature }
        if let reason = windowReason(session, time: time) { return reason }
        if let last = session.lastSequence, act.sequence <= last { return .replay }
        return usageReason(session, operation: act.operation, resource: act.resource, amount: act.amount, time: time)
    }

    /// Expired or not yet valid at block time `time`.
    func windowReason(_ session: Session, time: UInt64) -> ReasonCode? {
        if time >= session.expiresAt && !ignoresExpiry { return .expired }
        if time < session.notBefore { return .notYetValid }
        return nil
    }

    /// The rules an act must pass once the session is known, live and in its window:
    /// shared by block application and by the local `check`.
    func usageReason(_ session: Session, operation: String, resource: String, amount: UInt64, time: UInt64) -> ReasonCode? {
        if isRevoked(session) { return .revoked }
        guard session.allowsOperation(operation), session.resources.matches(resource) else { return .outOfScope }
        if let cap = session.maxAmount, amount > cap { return .overActionCap }
        if let left = session.remainingUses, left == 0 { return .usesExhausted }
        if let rate = session.rate, actsInWindow(session, rate: rate, time: time) >= rate.count { return .rateLimited }
        guard amount <= session.remainingBudget else { return .overBudget }
        return nil
    }

    /// Acts whose block time lies in `(time − windowMs, time]`. (Recorded act times
    /// are never later than `time`: block times do not go backwards.)
    func actsInWindow(_ session: Session, rate: RateLimit, time: UInt64) -> UInt64 {
        UInt64(session.recentActTimes.count { time - $0 < rate.windowMs })
    }

    mutating func applyAct(_ act: Act, time: UInt64) {
        var session = sessions[act.session]!
        session.spent += act.amount
        session.uses += 1
        session.lastSequence = act.sequence
        if let rate = session.rate {
            session.recentActTimes.removeAll { time - $0 >= rate.windowMs }
            session.recentActTimes.append(time)
        }
        putSession(session)
    }

    func validateRevoke(_ revoke: Revoke, signer: PublicKey, time: UInt64) -> ReasonCode? {
        guard let session = sessions[revoke.session] else { return .unknownSession }
        guard time < session.expiresAt else { return .expired }
        if isNonceLive(NonceKey(signer: signer, nonce: revoke.nonce), at: time) { return .replay }
        guard mayRevoke(session, signer: signer) else { return .notOwner }
        guard !isRevoked(session) else { return .revoked }
        return nil
    }

    /// The session's principal, or the key of any of its ancestor sessions.
    func mayRevoke(_ session: Session, signer: PublicKey) -> Bool {
        if signer == session.principal { return true }
        var current = session
        while let parentID = current.parent, let parent = sessions[parentID] {
            if parent.sessionKey == signer { return true }
            current = parent
        }
        return false
    }

    func validateRevokeAll(_ revokeAll: RevokeAll, signer: PublicKey, time: UInt64) -> ReasonCode? {
        guard principalsByKey[signer] != nil else { return .notOwner }
        if isNonceLive(NonceKey(signer: signer, nonce: revokeAll.nonce), at: time) { return .replay }
        return nil
    }

    /// A nonce counts as used while its record is retained, whether or not pruning has
    /// reached it yet.
    func isNonceLive(_ key: NonceKey, at time: UInt64) -> Bool {
        guard let retainUntil = nonces[key] else { return false }
        return retainUntil > time
    }
}
