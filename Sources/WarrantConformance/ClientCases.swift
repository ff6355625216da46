import WarrantCrypto
import WarrantVectors
import WarrantWire

/// One documented behaviour of a node's client endpoint, checked from outside.
public struct ConformanceCase: Sendable {
    public let name: String
    /// Needs signed control commands (the coordinator's key): skipped with `--endpoint`.
    public let needsControl: Bool
    let run: @Sendable (ConformanceContext) async throws -> Void

    init(_ name: String, needsControl: Bool = false, _ run: @escaping @Sendable (ConformanceContext) async throws -> Void) {
        self.name = name
        self.needsControl = needsControl
        self.run = run
    }
}

/// The client suite (docs/CONFORMANCE.md): every reason code from the input that should
/// produce it, grants and acts that commit, revocation and its cascade, checks on every
/// node, and every invalid encoding refused — after each, the node still serves and
/// nothing wrong was committed (read back through the session query).
public enum ClientSuite {
    public static var cases: [ConformanceCase] { lifecycle + reasons + delegation + checks + refusals + freshness + vectors }

    static let lifecycle: [ConformanceCase] = [
        ConformanceCase("grant-then-check-allows-on-every-node") { c in
            let s = try await c.session()
            try await c.everyNode(Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1), answers: nil)
        },
        ConformanceCase("act-within-scope-and-budget-commits") { c in
            let s = try await c.session(budget: 10)
            let result = try await c.accepted(c.act(s.id, by: s.key, sequence: 1, amount: 4), "the act")
            try c.expect(result.height > 0, "an accepted act reports height 0")
            let info = try await c.sessions(of: s.key.publicKey).first { $0.id == s.id }
            try c.expect(info?.spent == 4 && info?.uses == 1, "read back: spent \(info?.spent ?? 0), uses \(info?.uses ?? 0); expected 4 and 1")
        },
        ConformanceCase("the-same-bytes-again-get-the-original-result") { c in
            let s = try await c.session()
            let bytes = c.act(s.id, by: s.key, sequence: 1)
            let first = try await c.accepted(bytes, "the act")
            let again = try await c.accepted(bytes, "the same act again", to: 1)
            try c.expect(again.height == first.height, "sent again it reports height \(again.height), first \(first.height)")
        },
        ConformanceCase("session-query-reads-back-the-grant") { c in
            let key = SigningKey()
            let grant = c.grant(to: key.publicKey, ops: ["read", "write"], budget: 77)
            try await c.accepted(grant.bytes, "the grant")
            let info = try await c.sessions(of: key.publicKey)
            try c.expect(info.count == 1 && info[0].id == grant.id && info[0].budget == 77 && info[0].operations == ["read", "write"]
                         && info[0].principal == c.principal.publicKey && !info[0].revoked, "read back \(info)")
        },
        ConformanceCase("revoke-denies-on-every-node") { c in
            let s = try await c.session()
            try await c.accepted(c.seal(Revoke(nonce: c.nextNonce(), session: s.id), by: c.principal), "the revoke")
            try await c.rejected(c.act(s.id, by: s.key, sequence: 1), .revoked, "an act after the revoke")
            try await c.everyNode(Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1), answers: .revoked)
            try c.expect(try await c.sessions(of: s.key.publicKey).first?.revoked == true, "read back: not marked revoked")
        },
        ConformanceCase("revoke-all-ends-every-earlier-session") { c in
            let a = try await c.session(), b = try await c.session()
            try await c.accepted(c.seal(RevokeAll(nonce: c.nextNonce()), by: c.principal), "the revoke-all")
            try await c.rejected(c.act(a.id, by: a.key, sequence: 1), .revoked, "an act of an earlier session")
            try await c.everyNode(Check(sessionKey: b.key.publicKey, operation: "read", resource: c.resource(), amount: 1), answers: .revoked)
            let later = try await c.session()
            try await c.accepted(c.act(later.id, by: later.key, sequence: 1), "an act of a session granted after it")
        },
    ]

    static let reasons: [ConformanceCase] = [
        ConformanceCase("reason-out-of-scope-operation") { c in
            let s = try await c.session()
            try await c.rejected(c.act(s.id, by: s.key, sequence: 1, op: "delete"), .outOfScope, "an act with an operation not granted")
        },
        ConformanceCase("reason-out-of-scope-resource") { c in
            let s = try await c.session()
            try await c.rejected(c.act(s.id, by: s.key, sequence: 1, resource: "elsewhere/x"), .outOfScope, "an act on a resource not granted")
        },
        ConformanceCase("reason-over-budget") { c in
            let s = try await c.session(budget: 10)
            try await c.rejected(c.act(s.id, by: s.key, sequence: 1, amount: 11), .overBudget, "an act over the budget")
            try c.expect(try await c.sessions(of: s.key.publicKey).first?.spent == 0, "read back: the rejected act was spent")
        },
        ConformanceCase("reason-over-action-cap") { c in
            let s = try await c.session(maxAmount: 5)
            try await c.rejected(c.act(s.id, by: s.key, sequence: 1, amount: 6), .overActionCap, "an act over the per-act cap")
        },
        ConformanceCase("reason-uses-exhausted") { c in
            let s = try await c.session(maxUses: 1)
            try await c.accepted(c.act(s.id, by: s.key, sequence: 1), "the first act")
            try await c.rejected(c.act(s.id, by: s.key, sequence: 2), .usesExhausted, "a second act of a one-use session")
        },
        ConformanceCase("reason-rate-limited") { c in
            let s = try await c.session(rate: RateLimit(count: 1, windowMs: 600_000))
            try await c.accepted(c.act(s.id, by: s.key, sequence: 1), "the first act")
            try await c.rejected(c.act(s.id, by: s.key, sequence: 2), .rateLimited, "a second act in the window")
        },
        ConformanceCase("reason-replay-act-sequence") { c in
            let s = try await c.session()
            try await c.accepted(c.act(s.id, by: s.key, sequence: 1), "the first act")
            try await c.rejected(c.act(s.id, by: s.key, sequence: 1, amount: 2), .replay, "another act reusing sequence 1")
        },
        ConformanceCase("reason-replay-grant-nonce") { c in
            let nonce = c.nextNonce()
            try await c.accepted(c.grant(to: SigningKey().publicKey, nonce: nonce).bytes, "the first grant")
            let key = SigningKey()
            try await c.rejected(c.grant(to: key.publicKey, nonce: nonce).bytes, .replay, "a grant reusing the nonce")
            try await c.nothingCommitted(for: key.publicKey, "the replayed grant")
        },
        ConformanceCase("reason-unknown-session") { c in
            try await c.rejected(c.act(Blake2b.hash(Array("no such session".utf8)), by: SigningKey(), sequence: 1), .unknownSession,
                                 "an act under a session that does not exist")
        },
        ConformanceCase("reason-not-owner-grant") { c in
            let key = SigningKey()
            try await c.rejected(c.grant(to: key.publicKey, resources: ["conformance-unowned/x"]).bytes, .notOwner,
                                 "a grant of a resource the principal does not own")
            try await c.nothingCommitted(for: key.publicKey, "the not-owner grant")
        },
        ConformanceCase("reason-not-owner-revoke") { c in
            let s = try await c.session()
            try await c.rejected(c.seal(Revoke(nonce: c.nextNonce(), session: s.id), by: SigningKey()), .notOwner, "a revoke by a stranger")
            try c.expect(try await c.sessions(of: s.key.publicKey).first?.revoked == false, "read back: revoked by a stranger")
        },
        ConformanceCase("reason-not-owner-revoke-all") { c in
            try await c.rejected(c.seal(RevokeAll(nonce: c.nextNonce()), by: SigningKey()), .notOwner, "a revoke-all by a key that is no principal")
        },
        ConformanceCase("reason-expired-grant") { c in
            let key = SigningKey(), now = c.nowMs
            try await c.rejected(c.grant(to: key.publicKey, ttlMs: 0, notBeforeMs: now - 60_000).bytes, .expired, "a grant that ended before it was sent")
            try await c.nothingCommitted(for: key.publicKey, "the expired grant")
        },
        ConformanceCase("reason-expired-check-then-ended-act") { c in
            // Checks deny `expired` from expiresAt − maxClockSkew; once a block at or after
            // expiresAt prunes the session, it is `unknown_session` (docs/SESSIONS.md, Pruning).
            let skew = c.target.ledger.maxClockSkewMs
            let s = try await c.session(ttlMs: 3_000 + skew)
            let expiresAt = try await c.sessions(of: s.key.publicKey).first?.expiresAt ?? 0
            await c.wait(ms: (expiresAt - skew + 100).subtracting(c.nowMs))
            let question = Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1)
            for index in c.target.nodes.indices where c.nowMs < expiresAt - 50 {
                let answer = try await c.check(question, on: index)
                try c.expect(!answer.allowed && answer.reason == .expired, "\(c.target.nodes[index].name), \(expiresAt - c.nowMs) ms before expiry, answers \(answer.allowed ? "allow" : answer.reason?.name ?? "?"), expected expired")
            }
            await c.wait(ms: (expiresAt + 1_000).subtracting(c.nowMs))
            let answer = try await c.send(c.act(s.id, by: s.key, sequence: 1))
            guard case .result(let result) = answer, !result.outcome.accepted, [.expired, .unknownSession].contains(result.outcome.reason) else {
                throw CaseFailure("an act after expiry: \(ConformanceContext.describe(answer)), expected rejected expired or unknown_session")
            }
        },
        ConformanceCase("reason-not-yet-valid") { c in
            let key = SigningKey()
            let grant = c.grant(to: key.publicKey, ttlMs: 600_000, notBeforeMs: c.nowMs + 300_000)
            try await c.accepted(grant.bytes, "a grant valid from later")
            try await c.rejected(c.act(grant.id, by: key, sequence: 1), .notYetValid, "an act before notBefore")
            try await c.everyNode(Check(sessionKey: key.publicKey, operation: "read", resource: c.resource(), amount: 1), answers: .notYetValid)
        },
        ConformanceCase("reason-malformed-window") { c in
            let key = SigningKey(), now = c.nowMs
            try await c.rejected(c.grant(to: key.publicKey, ttlMs: 10_000, notBeforeMs: now + 20_000).bytes, .malformed, "a grant ending before it begins")
            try await c.nothingCommitted(for: key.publicKey, "the malformed grant")
        },
        ConformanceCase("reason-malformed-resource-pattern") { c in
            let key = SigningKey()
            try await c.rejected(c.grant(to: key.publicKey, resources: ["files/*/x"]).bytes, .malformed, "a grant with a '*' inside a pattern")
            try await c.nothingCommitted(for: key.publicKey, "the grant with a bad pattern")
        },
        ConformanceCase("reason-revoked-twice") { c in
            let s = try await c.session()
            try await c.accepted(c.seal(Revoke(nonce: c.nextNonce(), session: s.id), by: c.principal), "the revoke")
            try await c.rejected(c.seal(Revoke(nonce: c.nextNonce(), session: s.id), by: c.principal), .revoked, "a second revoke")
        },
        ConformanceCase("reason-act-signed-by-another-key") { c in
            let s = try await c.session()
            try await c.rejected(c.act(s.id, by: SigningKey(), sequence: 1), .badSignature, "an act validly signed by a key that is not the session's")
        },
    ]

    static let delegation: [ConformanceCase] = [
        ConformanceCase("sub-delegation-commits-and-carves-the-budget") { c in
            let parent = try await c.session(ops: ["read", "write"], budget: 10)
            let child = SigningKey()
            let grant = c.grant(to: child.publicKey, budget: 6, parent: parent.id, by: parent.key)
            try await c.accepted(grant.bytes, "the child grant")
            try await c.accepted(c.act(grant.id, by: child, sequence: 1), "an act of the child")
            try await c.rejected(c.act(parent.id, by: parent.key, sequence: 1, amount: 5), .overBudget, "a parent act beyond what the child left it")
        },
        ConformanceCase("revocation-cascades-to-children") { c in
            let parent = try await c.session()
            let child = SigningKey()
            let grant = c.grant(to: child.publicKey, budget: 10, parent: parent.id, by: parent.key)
            try await c.accepted(grant.bytes, "the child grant")
            try await c.accepted(c.seal(Revoke(nonce: c.nextNonce(), session: parent.id), by: c.principal), "revoking the parent")
            try await c.rejected(c.act(grant.id, by: child, sequence: 1), .revoked, "an act of the child")
            try await c.everyNode(Check(sessionKey: child.publicKey, operation: "read", resource: c.resource(), amount: 1), answers: .revoked)
        },
        ConformanceCase("a-parent-key-may-revoke-its-child") { c in
            let parent = try await c.session()
            let child = SigningKey()
            let grant = c.grant(to: child.publicKey, budget: 10, parent: parent.id, by: parent.key)
            try await c.accepted(grant.bytes, "the child grant")
            try await c.accepted(c.seal(Revoke(nonce: c.nextNonce(), session: grant.id), by: parent.key), "the parent's key revoking the child")
            try await c.accepted(c.act(parent.id, by: parent.key, sequence: 1), "an act of the parent, still live")
        },
        ConformanceCase("reason-exceeds-parent-scope") { c in
            let parent = try await c.session()
            let child = SigningKey()
            try await c.rejected(c.grant(to: child.publicKey, ops: ["read", "write"], budget: 10, parent: parent.id, by: parent.key).bytes,
                                 .exceedsParent, "a child with an operation its parent lacks")
            try await c.nothingCommitted(for: child.publicKey, "the wider child")
        },
        ConformanceCase("reason-exceeds-parent-budget") { c in
            let parent = try await c.session(budget: 10)
            let child = SigningKey()
            try await c.rejected(c.grant(to: child.publicKey, budget: 11, parent: parent.id, by: parent.key).bytes, .exceedsParent,
                                 "a child with more budget than its parent")
        },
        ConformanceCase("reason-depth-exceeded") { c in
            var parent = try await c.session(budget: 1_000)
            for depth in 1...c.target.ledger.maxDelegationDepth {
                let child = SigningKey()
                // Each ends a second before its parent, granted a moment earlier.
                let grant = c.grant(to: child.publicKey, ttlMs: 50_000 - UInt64(depth) * 1_000, budget: 100, parent: parent.id, by: parent.key)
                try await c.accepted(grant.bytes, "a child at depth \(depth)")
                parent = (grant.id, child)
            }
            try await c.rejected(c.grant(to: SigningKey().publicKey, ttlMs: 10_000, budget: 10, parent: parent.id, by: parent.key).bytes, .depthExceeded,
                                 "a child one deeper than maxDelegationDepth \(c.target.ledger.maxDelegationDepth)")
        },
        ConformanceCase("reason-unknown-parent") { c in
            try await c.rejected(c.grant(to: SigningKey().publicKey, parent: Blake2b.hash(Array("no parent".utf8)), by: SigningKey()).bytes,
                                 .unknownSession, "a child of a session that does not exist")
        },
        ConformanceCase("reason-not-owner-sub-delegation") { c in
            let parent = try await c.session()
            try await c.rejected(c.grant(to: SigningKey().publicKey, budget: 10, parent: parent.id, by: SigningKey()).bytes, .notOwner,
                                 "a child signed by a key that is not the parent's")
        },
    ]

    static let checks: [ConformanceCase] = [
        ConformanceCase("check-unknown-key-denies-unknown-session") { c in
            try await c.everyNode(Check(sessionKey: SigningKey().publicKey, operation: "read", resource: c.resource(), amount: 1), answers: .unknownSession)
        },
        ConformanceCase("check-names-the-usage-reason") { c in
            let s = try await c.session(budget: 10, maxAmount: 5)
            try await c.everyNode(Check(sessionKey: s.key.publicKey, operation: "delete", resource: c.resource(), amount: 1), answers: .outOfScope)
            try await c.everyNode(Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 6), answers: .overActionCap)
        },
        ConformanceCase("check-batch-answers-in-order") { c in
            let s = try await c.session()
            let batch = CheckBatch(checks: [Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1),
                                            Check(sessionKey: s.key.publicKey, operation: "write", resource: c.resource(), amount: 1),
                                            Check(sessionKey: SigningKey().publicKey, operation: "read", resource: c.resource(), amount: 1)])
            try await c.everyNode(batch.checks[0], answers: nil)
            let answer = try await c.send(c.seal(batch, by: c.target.queryKey))
            guard case .checkBatchAnswer(let answers) = answer else { throw CaseFailure("expected a batch answer, got \(ConformanceContext.describe(answer))") }
            let got = answers.answers.map { $0.allowed ? "allow" : $0.reason?.name ?? "?" }
            try c.expect(got == ["allow", "out_of_scope", "unknown_session"], "answers \(got), expected allow, out_of_scope, unknown_session")
        },
        ConformanceCase("check-batch-too-large") { c in
            let check = Check(sessionKey: SigningKey().publicKey, operation: "read", resource: c.resource(), amount: 1)
            let most = CheckBatchAnswer.maxChecks(maxMessageBytes: c.target.maxMessageBytes)
            let bytes = c.seal(CheckBatch(checks: Array(repeating: check, count: most + 1)), by: c.target.queryKey)
            guard bytes.count <= c.target.maxMessageBytes else { return }  // the batch alone is too large: the too-large case covers it
            try await c.refused(bytes, .tooLarge, "a batch of \(most + 1) checks")
        },
        ConformanceCase("status-answers") { c in
            let answer = try await c.send(c.seal(StatusQuery(), by: c.target.queryKey))
            guard case .nodeStatus(let status) = answer else { throw CaseFailure("expected a status, got \(ConformanceContext.describe(answer))") }
            try c.expect(status.height > 0, "status reports height 0 on a cluster that committed blocks")
        },
    ]

    static let refusals: [ConformanceCase] = [
        ConformanceCase("refuse-garbage-as-malformed") { c in
            try await c.refused(Array("not an envelope".utf8), .malformed, "garbage bytes")
        },
        ConformanceCase("refuse-bad-signature") { c in
            var bytes = c.grant(to: SigningKey().publicKey).bytes
            bytes[bytes.count - 1] ^= 1
            try await c.refused(bytes, .badSignature, "a grant whose signature was flipped")
        },
        ConformanceCase("refuse-too-large") { c in
            let key = SigningKey()
            let huge = Grant(nonce: c.nextNonce(), sessionKey: key.publicKey, scope: Scope(operations: ["read"], resources: [c.resource(String(repeating: "x", count: c.target.maxMessageBytes))]),
                             notBefore: c.nowMs, expiresAt: c.nowMs + 60_000, budget: 1)
            try await c.refused(c.seal(huge, by: c.principal), .tooLarge, "a message over maxMessageBytes")
            try await c.nothingCommitted(for: key.publicKey, "the oversized grant")
        },
        ConformanceCase("refuse-a-request-kind-that-is-not-a-request") { c in
            let bytes = c.seal(Prevote(height: 1, round: 0, block: nil), by: SigningKey())
            let answer = try await c.send(bytes)
            guard case .error = answer else { throw CaseFailure("a prevote sent to the client endpoint: got \(ConformanceContext.describe(answer)), expected an error") }
        },
    ]

    /// Rule 4 from outside, with the control endpoint: cut a node off, or skew its clock.
    static let freshness: [ConformanceCase] = [
        ConformanceCase("reason-stale-when-cut-off", needsControl: true) { c in
            let s = try await c.session()
            guard let control = c.target.control, c.target.nodes.count > 1 else { return }
            let victim = c.target.nodes.last!.name
            let others = c.target.nodes.dropLast().map(\.name)
            let problems = await control.partition([[victim], others])
            await c.wait(ms: c.target.ledger.maxStalenessMs + 1_000)
            let asked = await c.attempt { () async throws(CaseFailure) in
                try await c.check(Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1), on: c.target.nodes.count - 1)
            }
            _ = await control.heal()
            try c.expect(problems.isEmpty, "could not cut \(victim) off: \(problems)")
            let answer = try asked.get()
            try c.expect(!answer.allowed && answer.reason == .stale, "\(victim), cut off for \(c.target.ledger.maxStalenessMs + 1_000) ms, answers \(answer.allowed ? "allow" : answer.reason?.name ?? "?"), expected stale")
            try await c.everyNode(Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1), answers: nil,
                                  patienceMs: 15_000)
        },
        ConformanceCase("reason-clock-skew-when-the-clock-is-off", needsControl: true) { c in
            let s = try await c.session()
            guard let control = c.target.control else { return }
            let victim = c.target.nodes.last!.name
            let skew = Int64(c.target.ledger.maxClockSkewMs) * 3
            let problems = await control.send(victim, .setClockOffset(ms: skew))
            await c.wait(ms: 2_000)
            let asked = await c.attempt { () async throws(CaseFailure) in
                try await c.check(Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1), on: c.target.nodes.count - 1)
            }
            _ = await control.send(victim, .setClockOffset(ms: 0))
            try c.expect(problems.isEmpty, "could not skew \(victim): \(problems)")
            let answer = try asked.get()
            try c.expect(!answer.allowed && answer.reason == .clockSkew, "\(victim), \(skew) ms ahead, answers \(answer.allowed ? "allow" : answer.reason?.name ?? "?"), expected clock_skew")
            try await c.everyNode(Check(sessionKey: s.key.publicKey, operation: "read", resource: c.resource(), amount: 1), answers: nil,
                                  patienceMs: 15_000)
        },
    ]

    /// Every published invalid wire vector, refused with the reason its error maps to.
    static var vectors: [ConformanceCase] {
        WireVectors.invalid().map { vector in
            ConformanceCase("vector-\(vector.name)") { c in
                let bytes = (try? Hex.decode(vector.envelope_hex)) ?? []
                let expected = WireError.Code(rawValue: vector.error).map { WireError($0, "").reason } ?? .malformed
                let error = try await c.refused(bytes, expected, "invalid vector \(vector.name) (\(vector.error))")
                try c.expect(error.message.contains(vector.error), "the error message does not name \(vector.error): \(error.message)")
            }
        }
    }
}
