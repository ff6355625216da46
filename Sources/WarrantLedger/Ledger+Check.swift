import WarrantCrypto
import WarrantWire

/// A node's clock readings at the moment it answers a check. The pure decision takes
/// them as inputs; the node's shell reads the clocks.
public struct ClockReadings: Hashable, Sendable {
    /// The node's wall clock, ms since the epoch (with any injected skew).
    public var wallClockMs: UInt64
    /// Monotonic time since the node applied its last block (ms).
    public var sinceLastBlockMs: UInt64

    public init(wallClockMs: UInt64, sinceLastBlockMs: UInt64) {
        self.wallClockMs = wallClockMs
        self.sinceLastBlockMs = sinceLastBlockMs
    }
}

extension Ledger {
    /// The local answer to "may this key do this now?" (DESIGN.md rules 3 and 4), from
    /// this ledger and the node's clock readings alone:
    /// 1. `stale` when the last applied block is older than `maxStalenessMs` on the
    ///    monotonic clock (or no block has been applied yet);
    /// 2. `clock_skew` when the wall clock and `lastBlockTime + sinceLastBlock` differ
    ///    by more than `maxClockSkewMs`;
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
                        sinceLastBlockMs: readings.sinceLastBlockMs, session: session)
        }
        if height == 0 || (readings.sinceLastBlockMs > parameters.maxStalenessMs && !sabotageIgnoreStaleness) { return deny(.stale) }
        let blockClock = lastBlockTimeMs &+ readings.sinceLastBlockMs
        let drift = now > blockClock ? now - blockClock : blockClock - now
        if drift > skew { return deny(.clockSkew) }

        // One pass over the key's sessions: the allowing one that expires last wins;
        // failing that, the reason of the one that expires last.
        let ids: [Digest] = question.session.map { [$0] } ?? Array(sessionsByKey[question.sessionKey] ?? [])
        var allowing: Session?
        var denial: (reason: ReasonCode, session: Session)?
        for id in ids {
            guard let session = sessions[id], session.sessionKey == question.sessionKey else { continue }
            let reason: ReasonCode?
            if session.expiresAt <= now || session.expiresAt - now <= skew {
                reason = .expired
            } else if max(now, lastBlockTimeMs) < session.notBefore {
                reason = .notYetValid
            } else {
                reason = usageReason(session, operation: question.operation, resource: question.resource,
                                     amount: question.amount, time: max(now, lastBlockTimeMs))
            }
            if let reason {
                if denial.map({ Self.expiresLater(session, than: $0.session) }) ?? true { denial = (reason, session) }
            } else if allowing.map({ Self.expiresLater(session, than: $0) }) ?? true {
                allowing = session
            }
        }
        if let session = allowing {
            return CheckAnswer(
                allowed: true, reason: nil, height: height, wallClockMs: now, lastBlockTimeMs: lastBlockTimeMs,
                sinceLastBlockMs: readings.sinceLastBlockMs, session: session.id,
                remainingBudget: session.remainingBudget, remainingUses: session.remainingUses,
                timeLeftMs: session.expiresAt - skew - now)
        }
        guard let denial else { return deny(.unknownSession, question.session) }
        return deny(denial.reason, denial.session.id)
    }

    /// Orders sessions by expiry, then id: a total order, so every node picks alike.
    static func expiresLater(_ a: Session, than b: Session) -> Bool {
        a.expiresAt != b.expiresAt ? a.expiresAt > b.expiresAt : b.id < a.id
    }

    /// Many checks against one set of readings, answered in order.
    public func check(_ batch: CheckBatch, readings: ClockReadings) -> CheckBatchAnswer {
        CheckBatchAnswer(answers: batch.checks.map { check($0, readings: readings) })
    }
}
