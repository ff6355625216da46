/// How often a run reached the boundaries where bugs live — "sometimes" assertions, as in
/// Antithesis and TigerBeetle's VOPR: a fault schedule that never reaches them proves
/// nothing there. `simulate` prints the totals; scripts/check-simulation.sh fails if a
/// 300-seed run reaches any of them zero times.
public struct SimCoverage: Hashable, Sendable {
    public enum Boundary: String, CaseIterable, Hashable, Sendable, Comparable {
        /// A local check about an expired session answered `stale`: the session ended
        /// while its node was cut off.
        case expiryWhileCutOff = "expiry_while_cut_off"
        /// A revocation committed while some honest node was stale (cut off from it).
        case revocationWhileCutOff = "revocation_while_cut_off"
        /// A node's lock moved to another value, on a newer polka (L36 after L29).
        case lockMovedByNewerPolka = "lock_moved_by_newer_polka"
        /// A node decided a height from another's certificate (catch-up).
        case catchUpOverCertificates = "catch_up_over_certificates"
        /// A node restarted in the middle of a height (after voting in it).
        case restartMidHeight = "restart_mid_height"
        /// A decided block carried evidence of an equivocation.
        case evidenceCommitted = "evidence_committed"
        /// A local check answered `clock_skew`.
        case clockSkewDenial = "clock_skew_denial"
        /// A node came back without its database at a height its guard says it may have
        /// signed at, and so abstains there (`lost-database` only).
        case restoredAbstaining = "restored_abstaining"

        public static func < (a: Boundary, b: Boundary) -> Bool { a.rawValue < b.rawValue }
    }

    public private(set) var counts: [Boundary: Int] = [:]

    public init() {}

    mutating func reached(_ boundary: Boundary) { counts[boundary, default: 0] += 1 }

    public static func + (a: SimCoverage, b: SimCoverage) -> SimCoverage {
        var sum = a
        for (boundary, count) in b.counts { sum.counts[boundary, default: 0] += count }
        return sum
    }

    /// The boundaries never reached.
    public var missed: [Boundary] { Boundary.allCases.filter { (counts[$0] ?? 0) == 0 } }

    /// `name count` pairs, every boundary, in name order.
    public var summary: String {
        Boundary.allCases.sorted().map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", ")
    }
}
