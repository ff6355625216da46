import WarrantCrypto
import WarrantWire

/// How far, per node, authority outlived its end — docs/DESIGN.md's blast radius, measured
/// from the coordinator's probes against what the chain committed.
public struct BlastRadius: Codable, Hashable, Sendable {
    public var node: String
    /// Latest allow for an expired session: probe send time minus `expiresAt` (≤ 0 is safe).
    public var afterExpiryMs: Int64?
    /// Latest allow after the node was cut off from a quorum, minus the cut-off time.
    public var afterCutoffMs: Int64?
    /// Latest allow under a revoked session minus when the revocation first committed.
    public var afterRevokeCommitMs: Int64?
    /// Allows whose reported applied height is at or above the revocation's height.
    public var allowsAfterRevokeApplied: Int?
    /// The model-free window: latest allow at an applied height h minus the moment f + 1
    /// other honest nodes had committed h + 1 — after which the node cannot have heard
    /// a quorum at its own height. Needs no fault model: one-way cuts, bridges, kills,
    /// pauses, restarts and slow links all show up here. ≤ `max_staleness` (+ grace) is safe.
    public var afterLastContactMs: Int64?

    enum CodingKeys: String, CodingKey {
        case node
        case afterExpiryMs = "after_expiry_ms"
        case afterCutoffMs = "after_cutoff_ms"
        case afterRevokeCommitMs = "after_revoke_commit_ms"
        case allowsAfterRevokeApplied = "allows_after_revoke_applied"
        case afterLastContactMs = "after_last_contact_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(node, forKey: .node)
        // Null where the run had no such event, rather than absent.
        try c.encode(afterExpiryMs, forKey: .afterExpiryMs)
        try c.encode(afterCutoffMs, forKey: .afterCutoffMs)
        try c.encode(afterRevokeCommitMs, forKey: .afterRevokeCommitMs)
        try c.encode(allowsAfterRevokeApplied, forKey: .allowsAfterRevokeApplied)
        try c.encode(afterLastContactMs, forKey: .afterLastContactMs)
    }
}

/// One stretch of a node's blast radius (`Checks.blastWindows`), in run milliseconds.
public struct BlastWindow: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case expiry, cutoff = "cut-off", lastContact = "last contact", revokeCommit = "revoke commit"
    }

    public var node: String
    public var kind: Kind
    /// When authority ended, and the latest allow after that.
    public var start: UInt64
    public var end: UInt64
}

extension Checks {
    /// Grace for "cut off" windows: the node may apply a block already in flight when
    /// the partition begins.
    public static let cutoffGraceMs: Int64 = 250
    /// Grace for comparing a node's wall clock with the coordinator's (both read on one
    /// machine, but at slightly different instants).
    public static let clockGraceMs: Int64 = 100

    /// Rules 3, 4 and 5 on every answered local check — the coordinator's probes and the
    /// agents' own checks: no allow for a session past its expiry (coordinator clock),
    /// none while the node's wall clock is off by more than the skew bound, none longer
    /// than `max_staleness` after the node was cut off from a quorum by a partition (the
    /// model-based window), none longer than `max_staleness` after f + 1 other honest
    /// nodes had moved past the height the node reports (the model-free window, whatever
    /// cut it off), none at an applied height at or past the session's revocation, and
    /// none later than `max_staleness` after the revocation committed elsewhere.
    public static func probes(_ input: CheckInput) -> [Violation] { measureProbes(input).violations }

    /// The blast radius of every node that was probed.
    public static func blastRadius(_ input: CheckInput) -> [BlastRadius] { measureProbes(input).radii }

    /// Each stretch of time in which a node still allowed after authority had ended: from
    /// the end (an expiry, a cut-off, the last contact with a quorum, a revocation's
    /// commit) to the latest allow after it. A run's picture draws them.
    public static func blastWindows(_ input: CheckInput) -> [BlastWindow] { measureProbes(input).windows }

    static func measureProbes(_ input: CheckInput) -> (radii: [BlastRadius], violations: [Violation], windows: [BlastWindow]) {
        // Agents' checks count once they carry the session and the send time (`receivedAt`).
        let probes = input.events.filter { $0.kind == .probe || ($0.kind == .check && $0.session != nil && $0.receivedAt != nil) }
        guard !probes.isEmpty else { return ([], [], []) }
        let movedOn = quorumMovedOn(input)
        let epoch = input.events.first { $0.kind == .start }?.epochMs ?? 0
        let timeline = SessionTimeline(input)
        let staleness = Int64(input.genesis.parameters.maxStalenessMs)
        let cutoffs = cutoffWindows(input)
        let runEnd = epoch + (input.events.map(\.time).max() ?? 0)
        var radii: [String: BlastRadius] = [:]
        var violations: [Violation] = []
        var windows: [BlastWindow: UInt64] = [:]  // window (end 0) -> latest allow
        func widen(_ node: String, _ kind: BlastWindow.Kind, from start: Int64, to end: UInt64) {
            guard start >= 0, Int64(end) > start else { return }
            let key = BlastWindow(node: node, kind: kind, start: UInt64(start), end: 0)
            windows[key] = max(windows[key] ?? end, end)
        }
        for probe in probes where probe.outcome == "allow" {
            guard let node = probe.node, let hex = probe.session, let id = try? Digest(hex: hex),
                  let facts = timeline.sessions[id] else { continue }
            var radius = radii[node] ?? BlastRadius(node: node)
            let sent = Int64(epoch + probe.time)
            let afterExpiry = sent - Int64(facts.expiresAt)
            // Measured for sessions that expired during the run: how close to its end the
            // last allow came (negative: before it).
            if facts.expiresAt <= runEnd { radius.afterExpiryMs = max(radius.afterExpiryMs ?? afterExpiry, afterExpiry) }
            if afterExpiry > 0 {
                violations.append(Violation(.expiry, "\(node) allowed session \(id.short) \(afterExpiry) ms after it expired (probe at \(probe.time) ms)",
                                            at: probe.time, on: node))
            }
            widen(node, .expiry, from: Int64(facts.expiresAt) - Int64(epoch), to: probe.time)
            // Rule 4, the clock half: a node whose wall clock is off by more than the skew
            // bound (compared with the coordinator's, at the probe) must answer clock_skew.
            if let wall = probe.wallClockMs, let received = probe.receivedAt {
                let midpoint = Int64(epoch) + (Int64(probe.time) + Int64(received)) / 2
                let offset = Int64(wall) - midpoint, rtt = Int64(received) - Int64(probe.time)
                if abs(offset) > Int64(input.genesis.parameters.maxClockSkewMs) + rtt + clockGraceMs {
                    violations.append(Violation(.failClosed, "\(node) allowed session \(id.short) while its wall clock was \(offset) ms off (max_clock_skew \(input.genesis.parameters.maxClockSkewMs) ms)",
                                                at: probe.time, on: node))
                }
            }
            if let height = probe.height, let moved = movedOn[node]?[height + 1] {
                let after = Int64(probe.time) - Int64(moved)
                radius.afterLastContactMs = max(radius.afterLastContactMs ?? after, after)
                if after > staleness + cutoffGraceMs {
                    violations.append(Violation(.failClosed, "\(node) allowed session \(id.short) at applied height \(height) \(after) ms after f + 1 other honest nodes had committed height \(height + 1) (max_staleness \(staleness) ms; probe at \(probe.time) ms)",
                                                at: probe.time, on: node))
                }
                widen(node, .lastContact, from: Int64(moved), to: probe.time)
            }
            for window in cutoffs[node] ?? [] where probe.time >= window.start && probe.time < window.end {
                let after = Int64(probe.time) - Int64(window.start)
                radius.afterCutoffMs = max(radius.afterCutoffMs ?? after, after)
                if after > staleness + cutoffGraceMs {
                    violations.append(Violation(.failClosed, "\(node) allowed session \(id.short) \(after) ms after it was cut off from a quorum (max_staleness \(staleness) ms)",
                                                at: probe.time, on: node))
                }
                widen(node, .cutoff, from: Int64(window.start), to: probe.time)
            }
            if let revoked = timeline.revocationHeight(of: id) {
                if let height = probe.height, height >= revoked {
                    radius.allowsAfterRevokeApplied = (radius.allowsAfterRevokeApplied ?? 0) + 1
                    violations.append(Violation(.revocation, "\(node) allowed session \(id.short) at applied height \(height), at or past its revocation at height \(revoked)",
                                                at: probe.time, on: node))
                }
                if let committed = timeline.firstCommit[revoked] {
                    let after = Int64(probe.time) - Int64(committed)
                    radius.afterRevokeCommitMs = max(radius.afterRevokeCommitMs ?? after, after)
                    if after > staleness + cutoffGraceMs {
                        violations.append(Violation(.revocation, "\(node) allowed revoked session \(id.short) \(after) ms after the revocation committed",
                                                    at: probe.time, on: node))
                    }
                    widen(node, .revokeCommit, from: Int64(committed), to: probe.time)
                }
            }
            radii[node] = radius
        }
        // Nodes probed about revoked sessions with no allow at all: zero, not null.
        let revokedProbed = Set(probes.filter { p in p.session.flatMap { try? Digest(hex: $0) }.flatMap { timeline.revocationHeight(of: $0) } != nil }.compactMap(\.node))
        for node in Set(probes.compactMap(\.node)) {
            var radius = radii[node] ?? BlastRadius(node: node)
            if revokedProbed.contains(node), radius.allowsAfterRevokeApplied == nil { radius.allowsAfterRevokeApplied = 0 }
            radii[node] = radius
        }
        let stretches = windows.map { BlastWindow(node: $0.key.node, kind: $0.key.kind, start: $0.key.start, end: $0.value) }
        return (radii.values.sorted { $0.node < $1.node }, violations,
                stretches.sorted { ($0.node, $0.start, $0.kind.rawValue) < ($1.node, $1.start, $1.kind.rawValue) })
    }

    /// For each node and height h: when f + 1 honest nodes other than it had committed h
    /// (the time of the (f + 1)-th such commit). From then on fewer than 2f others can
    /// still be at a height below h, so the node cannot hear a quorum at a height below h.
    static func quorumMovedOn(_ input: CheckInput) -> [String: [UInt64: UInt64]] {
        let all = Set(input.honest).union(input.events.filter { $0.kind == .commit }.compactMap(\.node))
        let needed = (all.count - 1) / 3 + 1
        var commits: [UInt64: [String: UInt64]] = [:]
        for event in input.events where event.kind == .commit {
            guard let node = event.node, input.honest.contains(node), let height = event.height else { continue }
            if commits[height]?[node] == nil { commits[height, default: [:]][node] = event.time }
        }
        var moved: [String: [UInt64: UInt64]] = [:]
        for node in input.honest {
            for (height, byNode) in commits {
                let times = byNode.filter { $0.key != node }.map(\.value).sorted()
                if times.count >= needed { moved[node, default: [:]][height] = times[needed - 1] }
            }
        }
        return moved
    }

    /// When each node was cut off from a quorum by a partition: from the partition's
    /// fault event until the next heal (or the end).
    static func cutoffWindows(_ input: CheckInput) -> [String: [(start: UInt64, end: UInt64)]] {
        // Every node of the cluster, Byzantine ones included (they count towards a quorum).
        let all = Set(input.honest).union(input.events.filter { $0.kind == .commit }.compactMap(\.node))
        let quorum = 2 * ((all.count - 1) / 3) + 1
        var windows: [String: [(start: UInt64, end: UInt64)]] = [:]
        var open: [String: UInt64] = [:]
        for event in input.events where event.kind == .fault {
            if event.detail == "heal" {
                for (node, start) in open { windows[node, default: []].append((start, event.time)) }
                open = [:]
            } else if let side = event.nodes, event.detail?.hasPrefix("partition") == true {
                let group = Set(side), rest = all.subtracting(group)
                for node in all where open[node] == nil {
                    let mine = group.contains(node) ? group : rest
                    if mine.count < quorum { open[node] = event.time }
                }
            }
        }
        for (node, start) in open { windows[node, default: []].append((start, UInt64.max)) }  // never healed
        return windows
    }
}
