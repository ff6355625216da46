import WarrantCrypto
import WarrantLedger
import WarrantWire

/// Walks the committed chain and judges every accepted request against what was
/// committed before it, at its block's time. Written apart from the ledger (no pruning,
/// no indexes, no incremental hash): it shares only the resource-pattern rules.
struct RuleJudge {
    struct SessionFacts {
        let id: Digest, principal: PublicKey, key: PublicKey
        let operations: [String], resources: [ResourcePattern], cap: UInt64?
        let notBefore: UInt64, expiresAt: UInt64, budget: UInt64, maxUses: UInt64?
        let parent: Digest?, position: Int
        var spent: UInt64 = 0, uses: UInt64 = 0, carvedBudget: UInt64 = 0, carvedUses: UInt64 = 0
        var lastSequence: UInt64?
        var revokedAt: Int?
    }

    let principals: [PublicKey: [ResourcePattern]]
    let signatures: SignatureScheme
    var sessions: [Digest: SessionFacts] = [:]
    var revokeAllAt: [PublicKey: Int] = [:]
    var position = 0
    var violations: [Violation] = []

    init(genesis: Genesis, signatures: SignatureScheme) {
        principals = Dictionary(genesis.principals.map { ($0.key, $0.owns) }, uniquingKeysWith: { a, _ in a })
        self.signatures = signatures
    }

    mutating func fail(_ rule: Violation.Rule, _ height: UInt64, _ id: Digest, _ what: String) {
        violations.append(Violation(rule, "height \(height), request \(id.short): \(what)"))
    }

    func revoked(_ facts: SessionFacts) -> Bool {
        var current = facts
        while true {
            if current.revokedAt != nil { return true }
            if let all = revokeAllAt[current.principal], all > current.position { return true }
            guard let parent = current.parent, let next = sessions[parent] else { return false }
            current = next
        }
    }

    func ancestorsKeys(_ facts: SessionFacts) -> [PublicKey] {
        var keys: [PublicKey] = []
        var current = facts
        while let parent = current.parent, let next = sessions[parent] {
            keys.append(next.key)
            current = next
        }
        return keys
    }

    /// `outcomes`, when recorded, says per position whether the request was accepted;
    /// otherwise acceptance is judged by request id.
    mutating func apply(_ block: Block, accepted: Set<String>, outcomes: [String]? = nil) {
        let t = block.timeMs, h = block.height
        for (index, request) in block.requests.enumerated() {
            position += 1
            let id = Blake2b.hash(request.bytes)
            if let outcomes {
                guard index < outcomes.count, outcomes[index] == "ok" else { continue }
            } else {
                guard accepted.contains(id.hex) else { continue }
            }
            guard let envelope = try? Envelope(decoding: request.bytes),
                  let message = try? Message(kind: envelope.kind, body: envelope.body) else {
                fail(.validity, h, id, "accepted, but its bytes do not decode")
                continue
            }
            guard signatures.verifies(envelope) else {
                fail(.validity, h, id, "accepted, but its signature does not verify")
                continue
            }
            let signer = envelope.sender
            switch message {
            case .grant(let grant): judgeGrant(grant, id: id, signer: signer, t: t, h: h)
            case .act(let act): judgeAct(act, id: id, signer: signer, t: t, h: h)
            case .revoke(let revoke):
                guard var target = sessions[revoke.session] else {
                    fail(.validity, h, id, "accepted revoke of an unknown session")
                    continue
                }
                guard signer == target.principal || ancestorsKeys(target).contains(signer) else {
                    fail(.validity, h, id, "accepted revoke by \(signer.short), who has no authority over the session")
                    continue
                }
                target.revokedAt = position
                sessions[revoke.session] = target
            case .revokeAll:
                guard principals[signer] != nil else {
                    fail(.validity, h, id, "accepted revoke-all by \(signer.short), not a principal")
                    continue
                }
                revokeAllAt[signer] = position
            default:
                fail(.validity, h, id, "accepted a \(envelope.kind.name), which is not a request")
            }
        }
    }

    mutating func judgeGrant(_ grant: Grant, id: Digest, signer: PublicKey, t: UInt64, h: UInt64) {
        let patterns = grant.scope.resources.compactMap(ResourcePattern.init)
        guard patterns.count == grant.scope.resources.count, grant.notBefore < grant.expiresAt else {
            return fail(.validity, h, id, "accepted a grant with an invalid pattern or window")
        }
        guard t < grant.expiresAt else { return fail(.expiry, h, id, "accepted a grant already expired at block time \(t)") }
        guard sessions[id] == nil else { return fail(.validity, h, id, "accepted the same grant twice") }
        var principal = signer
        if let parentID = grant.parent {
            guard var parent = sessions[parentID], signer == parent.key else {
                return fail(.validity, h, id, "accepted a sub-grant not signed by its parent session's key")
            }
            guard t < parent.expiresAt else { return fail(.expiry, h, id, "accepted a sub-grant of an expired session") }
            guard !revoked(parent) else { return fail(.revocation, h, id, "accepted a sub-grant of a revoked session") }
            let left = parent.budget - parent.spent - parent.carvedBudget
            guard grant.budget <= left else { return fail(.budget, h, id, "sub-grant budget \(grant.budget) exceeds the parent's remaining \(left)") }
            guard grant.scope.operations.allSatisfy(parent.operations.contains),
                  patterns.allSatisfy({ p in parent.resources.contains { $0.covers(p) } }),
                  grant.notBefore >= parent.notBefore, grant.expiresAt <= parent.expiresAt else {
                return fail(.validity, h, id, "accepted a sub-grant wider than its parent")
            }
            parent.carvedBudget += grant.budget
            if parent.maxUses != nil, let uses = grant.maxUses { parent.carvedUses += uses }
            sessions[parentID] = parent
            principal = parent.principal
        } else {
            guard let owns = principals[signer], patterns.allSatisfy({ p in owns.contains { $0.covers(p) } }) else {
                return fail(.validity, h, id, "accepted a grant by \(signer.short) outside what it owns")
            }
        }
        sessions[id] = SessionFacts(
            id: id, principal: principal, key: grant.sessionKey, operations: grant.scope.operations, resources: patterns,
            cap: grant.scope.maxAmount, notBefore: grant.notBefore, expiresAt: grant.expiresAt, budget: grant.budget,
            maxUses: grant.maxUses, parent: grant.parent, position: position)
    }

    mutating func judgeAct(_ act: Act, id: Digest, signer: PublicKey, t: UInt64, h: UInt64) {
        guard var session = sessions[act.session] else { return fail(.validity, h, id, "accepted an act under an unknown session") }
        guard signer == session.key else { return fail(.validity, h, id, "accepted an act not signed by the session key") }
        guard t >= session.notBefore, t < session.expiresAt else {
            return fail(.expiry, h, id, "accepted an act at block time \(t) outside the session's window [\(session.notBefore), \(session.expiresAt))")
        }
        guard !revoked(session) else { return fail(.revocation, h, id, "accepted an act under a revoked session") }
        guard session.operations.contains(act.operation), session.resources.contains(where: { $0.matches(act.resource) }) else {
            return fail(.validity, h, id, "accepted an act out of scope (\(act.operation) \(act.resource))")
        }
        if let cap = session.cap, act.amount > cap { return fail(.budget, h, id, "act amount \(act.amount) over the action cap \(cap)") }
        if let last = session.lastSequence, act.sequence <= last { return fail(.validity, h, id, "accepted a replayed act sequence \(act.sequence)") }
        if let maxUses = session.maxUses, session.uses + session.carvedUses >= maxUses {
            return fail(.budget, h, id, "accepted an act with no uses left")
        }
        guard session.spent + session.carvedBudget + act.amount <= session.budget else {
            return fail(.budget, h, id, "act of \(act.amount) overspends: spent \(session.spent), carved \(session.carvedBudget), budget \(session.budget)")
        }
        session.spent += act.amount
        session.uses += 1
        session.lastSequence = act.sequence
        sessions[act.session] = session
    }
}
