import WarrantCrypto
import WarrantWire

/// What a node knows about time at the moment it answers a check. The pure decision
/// takes it as input; the node's shell reads the clocks and its `QuorumClock`.
public struct ClockReadings: Hashable, Sendable {
    /// The node's wall clock, ms since the epoch (with any injected skew).
    public var wallClockMs: UInt64
    /// Monotonic time since the node applied its last block (ms); reported, not judged.
    public var sinceLastBlockMs: UInt64
    /// Monotonic time since the node last heard from a quorum at its own height; nil when
    /// it has not since it started.
    public var sinceQuorumMs: UInt64?
    /// Whether f + 1 other validators vouch that the wall clock is within `maxClockSkewMs`.
    public var clockVouched: Bool
    /// The node's estimate of its clock minus the others' (reported, not judged).
    public var clockOffsetMs: Int64?

    public init(wallClockMs: UInt64, sinceLastBlockMs: UInt64, sinceQuorumMs: UInt64?, clockVouched: Bool,
                clockOffsetMs: Int64? = nil) {
        self.wallClockMs = wallClockMs
        self.sinceLastBlockMs = sinceLastBlockMs
        self.sinceQuorumMs = sinceQuorumMs
        self.clockVouched = clockVouched
        self.clockOffsetMs = clockOffsetMs
    }

    /// The `trust-own-block-times` sabotage: the clock judged against the last block's
    /// time instead of the other validators' readings — the first design's rule, which
    /// a skewed node fools by proposing blocks stamped with its own clock.
    public func judgedByLastBlock(timeMs lastBlockTimeMs: UInt64, maxClockSkewMs: UInt64) -> ClockReadings {
        let blockClock = lastBlockTimeMs &+ sinceLastBlockMs
        let drift = wallClockMs > blockClock ? wallClockMs - blockClock : blockClock - wallClockMs
        var judged = self
        judged.clockVouched = drift <= maxClockSkewMs
        judged.clockOffsetMs = Int64(bitPattern: wallClockMs &- blockClock)
        return judged
    }
}

extension Ledger {
    /// The local answer to "may this key do this now?" (docs/DESIGN.md, rules 3 and 4), from
    /// this ledger and the node's clock readings alone:
    /// 1. `stale` when no block has been applied yet, or the node has not heard from a
    ///    quorum at its own height within `maxStalenessMs` (monotonic), or not at all
    ///    since it started;
    /// 2. `clock_skew` when fewer than f + 1 other validators vouch that the wall clock
    ///    is within `maxClockSkewMs` of theirs;
    /// 3. `unknown_session` when the key holds no (matching) session;
    /// 4. `expired` when `expiresAt − maxClockSkewMs ≤ now` (erring towards deny), and
    ///    `not_yet_valid` while both `now` and the last block time are before `notBefore`;
    /// 5. otherwise the decision the next block would make for the act at time `now`.
    /// When the key holds several sessions and none is named, the answer allows if any
    /// session allows (the one expiring last), and otherwise reports the reason of the
    /// session expiring last.
    public func check(_ question: Check, readings: ClockReadings) -> CheckAnswer {
        let skew = parameters.maxClockSkewMs
        let now = readings.wallClockMs
        func deny(_ reason: ReasonCode, _ session: Digest? = nil) -> CheckAnswer {
            CheckAnswer(allowed: false, reason: reason, height: height, wallClockMs: now, lastBlockTimeMs: lastBlockTimeMs,
                        sinceLastBlockMs: readings.sinceLastBlockMs, session: session, sinceQuorumMs: readings.sinceQuorumMs,
                        clockOffsetMs: readings.clockOffsetMs)
        }
        let fresh = readings.sinceQuorumMs.map { $0 <= parameters.maxStalenessMs } ?? false
        if height == 0 || (!fresh && !ignoresStaleness) { return deny(.stale) }
        // (The sabotage skips the clock half too: a cut-off node soon has no readings
        // to vouch for its clock, which would otherwise hide the planted bug.)
        if !readings.clockVouched && !ignoresStaleness { return deny(.clockSkew) }

        // One pass over the key's sessions: the allowing one that expires last wins;
        // failing that, the reason of the one that expires last. (Only what the answer
        // needs is kept of each candidate: copying whole sessions was most of a check.)
        var allowing: Candidate?
        var denial: (reason: ReasonCode, candidate: Candidate)?
        func consider(_ judged: (reason: ReasonCode?, candidate: Candidate)?) {
            guard let (reason, candidate) = judged else { return }
            if let reason {
                if denial.map({ candidate.expiresLater(than: $0.candidate) }) ?? true { denial = (reason, candidate) }
            } else if allowing.map({ candidate.expiresLater(than: $0) }) ?? true {
                allowing = candidate
            }
        }
        if let id = question.session {
            consider(judge(id, question, now: now))
        } else if let ids = sessionsByKey[question.sessionKey] {
            for id in ids { consider(judge(id, question, now: now)) }
        }
        if let best = allowing {
            return CheckAnswer(
                allowed: true, reason: nil, height: height, wallClockMs: now, lastBlockTimeMs: lastBlockTimeMs,
                sinceLastBlockMs: readings.sinceLastBlockMs, session: best.id,
                remainingBudget: best.remainingBudget, remainingUses: best.remainingUses,
                timeLeftMs: best.expiresAt > skew + now ? best.expiresAt - skew - now : 0, sinceQuorumMs: readings.sinceQuorumMs,
                clockOffsetMs: readings.clockOffsetMs)
        }
        guard let denial else { return deny(.unknownSession, question.session) }
        return deny(denial.reason, denial.candidate.id)
    }

    /// One session's answer to the question: nil when it is not the key's; otherwise the
    /// reason it denies (nil: it allows) and what orders it among the key's sessions.
    func judge(_ id: Digest, _ question: Check, now: UInt64) -> (reason: ReasonCode?, candidate: Candidate)? {
        guard let session = sessions[id], session.sessionKey == question.sessionKey else { return nil }
        let reason: ReasonCode?
        if (session.expiresAt <= now || session.expiresAt - now <= parameters.maxClockSkewMs) && !ignoresExpiry {
            reason = .expired
        } else if max(now, lastBlockTimeMs) < session.notBefore {
            reason = .notYetValid
        } else {
            reason = usageReason(session, operation: question.operation, resource: question.resource,
                                 amount: question.amount, time: max(now, lastBlockTimeMs))
        }
        return (reason, Candidate(id: session.id, expiresAt: session.expiresAt, remainingBudget: session.remainingBudget,
                                  remainingUses: session.remainingUses))
    }

    /// A session the check considered: what orders it, and what an allow reports.
    struct Candidate {
        let id: Digest
        let expiresAt: UInt64
        let remainingBudget: UInt64
        let remainingUses: UInt64?

        /// By expiry, then id: a total order, so every node picks alike.
        func expiresLater(than other: Candidate) -> Bool {
            expiresAt != other.expiresAt ? expiresAt > other.expiresAt : other.id < id
        }
    }

    /// Many checks against one set of readings, answered in order.
    public func check(_ batch: CheckBatch, readings: ClockReadings) -> CheckBatchAnswer {
        CheckBatchAnswer(answers: batch.checks.map { check($0, readings: readings) })
    }
}
