import WarrantCrypto
import WarrantWire

/// Rule 4, both halves, as one pure value: has this node heard from a quorum at its own
/// height recently enough to answer checks (`stale`), and do the other validators vouch
/// for its wall clock (`clock_skew`)? The evidence is what no node can produce about
/// itself: signed `ClockReading`s of the *other* validators, each answering one of this
/// node's `ClockProbe`s. No I/O, no clock: the caller passes both its clocks in.
///
/// **Contact.** A reading counts as contact with its validator at the instant the probe
/// was *sent* (monotonic), and only when the reader had applied no block this node lacks
/// (`reading.height ≤ appliedHeight`): it proves the peer was at most at our height at
/// some moment after the send. Dating contact by the send, not the arrival, means a
/// reading that sat in a buffer (a paused process, a slow link) cannot look new. The
/// node's contact with a quorum is the (2f)-th most recent contact among the others —
/// with itself, 2f + 1. Probes carry a nonce drawn from `nonceSeed` and are remembered
/// only in memory, so after a start or restart nothing counts until a quorum answers
/// probes of *this* incarnation: a restarted node is stale until it hears from a
/// quorum afresh.
///
/// **Clock.** Each reading brackets the peer's clock: it was read between our probe's
/// departure (our wall clock `w1`) and the answer's arrival (`w2`), so
/// `peer − ours ∈ [timeMs − w2, timeMs − w1]`: message delay widens the interval
/// instead of biasing it. Samples are kept against the monotonic clock, so a step of our
/// own wall clock (a `skew` fault), even while a probe is in flight, moves every sample
/// at once. A peer *vouches* for our
/// clock when its whole interval lies within ±`maxClockSkewMs / 2`; the clock is trusted
/// only while f + 1 validators other than us vouch (at least one of them honest). A
/// correct clock is within `maxClockSkewMs / 2` of true time, so a vouched clock is
/// within `maxClockSkewMs` of it — the margin rule 3 brings expiry forward by. (Vouching
/// within the whole bound let a clock 543 ms slow be vouched by an honest peer 427 ms
/// slow, and allow a session 15 ms after it expired: simulator seed 88.) If our clock is
/// more than half the bound away from every correct clock, no honest peer can vouch, and
/// f Byzantine ones are too few; if it is correct, the ≥ 2f honest others all vouch once
/// their intervals are tight enough, and Byzantine peers can only withhold their own
/// vouching, not revoke anyone else's. Blocks this node proposed play no part.
///
/// **Drift.** A sample says where our clock stood when it was taken; since then our clock
/// may have run fast or slow. Each sample's interval is widened by `maxDriftPpm` of its
/// age, so a clock that was just inside the bound and drifts while its samples age (a
/// node cut off, its readings growing old) stops being vouched for instead of carrying
/// an old vouching past the bound. Healthy samples are at most a probe interval old, so
/// the widening costs them a few tens of milliseconds.
public struct QuorumClock: Sendable {
    /// The fastest or slowest any clock is assumed to run, in parts per million: 5 %, far
    /// beyond real oscillators (≈ 100 ppm), and the limit of the simulator's clock-rate faults.
    public static let maxDriftPpm: UInt64 = 50_000

    /// One validator's latest reading that counted as contact.
    public struct Contact: Hashable, Sendable {
        /// Monotonic ms at which the answered probe left.
        public var sentAt: UInt64
        /// The height the peer reported.
        public var height: UInt64
    }

    /// One validator's latest clock sample, kept against our monotonic clock: the peer's
    /// wall clock minus our monotonic clock, bracketed by the probe's departure and the
    /// answer's arrival. Subtracting our current (wall − monotonic) gives the peer's lead
    /// over our wall clock now, so a step of our wall clock — even one while the probe
    /// was in flight — moves every sample at once.
    public struct Sample: Hashable, Sendable {
        /// Monotonic ms at which the answered probe left (samples older than
        /// `maxStalenessMs` no longer count).
        public var sentAt: UInt64
        public var low: Int64
        public var high: Int64
    }

    /// What the evidence says now.
    public struct Verdict: Hashable, Sendable {
        /// Monotonic ms since contact with a quorum; nil: none since the start.
        public var sinceQuorumMs: UInt64?
        /// Whether f + 1 other validators vouch for the wall clock.
        public var clockVouched: Bool
        /// Median of the samples' midpoints, as (our clock − theirs); nil without samples.
        public var clockOffsetMs: Int64?
        /// How many validators vouch now.
        public var vouchers: Int
    }

    /// Why a reading was not used.
    public enum Ignored: String, Hashable, Sendable {
        /// Not from a validator, or from this node's own key.
        case notAPeer = "not_a_peer"
        /// Its nonce answers no probe of this incarnation that is still outstanding.
        case unknownNonce = "unknown_nonce"
    }

    /// What one reading did.
    public enum Outcome: Hashable, Sendable {
        /// Contact and a clock sample.
        case counted
        /// The peer has applied blocks this node lacks: a clock sample only, and the
        /// node should ask that peer for blocks.
        case ahead(peerHeight: UInt64)
        case ignored(Ignored)
    }

    public let validators: ValidatorSet
    public let me: PublicKey
    public let maxStalenessMs: UInt64
    public let maxClockSkewMs: UInt64
    public private(set) var contacts: [PublicKey: Contact] = [:]
    public private(set) var samples: [PublicKey: Sample] = [:]
    /// Probes sent and not yet expired: nonce → monotonic ms at departure.
    var outstanding: [UInt64: UInt64] = [:]
    public private(set) var nextNonce: UInt64

    /// - Parameters:
    ///   - nonceSeed: a value no earlier incarnation of this node used (random bits).
    ///   - trustStart: the `reset-staleness-on-restart` sabotage: count every peer as
    ///     heard, with a vouching clock sample, at `startMonotonicMs` — the bug this
    ///     type exists to prevent. Never set outside sabotage runs.
    public init(validators: ValidatorSet, me: PublicKey, maxStalenessMs: UInt64, maxClockSkewMs: UInt64, nonceSeed: UInt64,
                trustStart: Bool = false, startMonotonicMs: UInt64 = 0, startWallMs: UInt64 = 0) {
        self.validators = validators
        self.me = me
        self.maxStalenessMs = maxStalenessMs
        self.maxClockSkewMs = maxClockSkewMs
        nextNonce = nonceSeed
        if trustStart {
            let base = Int64(bitPattern: startWallMs &- startMonotonicMs)
            for peer in validators.validators where peer != me {
                contacts[peer] = Contact(sentAt: startMonotonicMs, height: 0)
                samples[peer] = Sample(sentAt: startMonotonicMs, low: base, high: base)
            }
        }
    }

    /// How often a node probes its peers: a tenth of `maxStaleness`, between 50 ms and 1 s,
    /// so a healthy node's contact is never more than a small part of the bound old.
    public static func probeInterval(maxStalenessMs: UInt64) -> UInt64 {
        min(1_000, max(50, maxStalenessMs / 10))
    }

    /// A new probe to broadcast. Probes older than `maxStalenessMs` are forgotten (their
    /// answers could no longer count), so the table stays bounded.
    public mutating func probe(monotonicMs: UInt64) -> ClockProbe {
        nextNonce &+= 1
        outstanding = outstanding.filter { monotonicMs.subtractingClamped($0.value) <= maxStalenessMs }
        outstanding[nextNonce] = monotonicMs
        return ClockProbe(nonce: nextNonce)
    }

    /// A validated reading from `peer` (its envelope's signature already checked).
    public mutating func onReading(_ reading: ClockReading, from peer: PublicKey, appliedHeight: UInt64,
                                   monotonicMs: UInt64) -> Outcome {
        guard peer != me, validators.contains(peer) else { return .ignored(.notAPeer) }
        guard let sent = outstanding[reading.nonce] else { return .ignored(.unknownNonce) }
        let sample = Sample(sentAt: sent, low: Int64(bitPattern: reading.timeMs &- monotonicMs),
                            high: Int64(bitPattern: reading.timeMs &- sent))
        if samples[peer].map({ $0.sentAt <= sent }) ?? true { samples[peer] = sample }
        guard reading.height <= appliedHeight else { return .ahead(peerHeight: reading.height) }
        if contacts[peer].map({ $0.sentAt <= sent }) ?? true {
            contacts[peer] = Contact(sentAt: sent, height: reading.height)
        }
        return .counted
    }

    /// The verdict at this instant.
    public func verdict(monotonicMs now: UInt64, wallMs: UInt64) -> Verdict {
        let others = validators.count - 1
        // Contact with a quorum: this node plus the (quorum − 1) most recent others.
        let needed = validators.quorum - 1
        var sinceQuorum: UInt64?
        if needed <= 0 {
            sinceQuorum = 0
        } else {
            let recent = contacts.values.map(\.sentAt).sorted(by: >)
            if recent.count >= needed { sinceQuorum = now.subtractingClamped(recent[needed - 1]) }
        }
        let base = Int64(bitPattern: wallMs &- now)
        let bound = Int64(clamping: maxClockSkewMs / 2)
        var vouchers = 0
        var midpoints: [Int64] = []
        for sample in samples.values where now.subtractingClamped(sample.sentAt) <= maxStalenessMs {
            let low = sample.low &- base, high = sample.high &- base
            let drift = Int64(clamping: now.subtractingClamped(sample.sentAt) * Self.maxDriftPpm / 1_000_000)
            if low &- drift >= -bound && high &+ drift <= bound { vouchers += 1 }
            midpoints.append(-(low / 2 + high / 2))
        }
        midpoints.sort()
        let required = min(validators.f + 1, others)
        return Verdict(sinceQuorumMs: sinceQuorum, clockVouched: vouchers >= required,
                       clockOffsetMs: midpoints.isEmpty ? nil : midpoints[midpoints.count / 2], vouchers: vouchers)
    }
}
