import Foundation
import WarrantCheck
import WarrantHistory

/// A run's verdict: each checker's result and, per node, what it did — the table `run`
/// prints and the `summary.json` it writes.
public struct Verdict: Encodable, Sendable {
    public struct Check: Encodable, Sendable {
        public var ok: Bool
        public var violations: Int
        /// The first few violations, in words.
        public var examples: [String]
    }

    public struct Node: Encodable, Sendable {
        public var name: String
        public var commits: Int
        public var height: UInt64
        public var allows: Int
        public var denies: [String: Int]
    }

    public var verdict: String
    public var checks: [String: Check]
    public var nodes: [Node]
    public var durationS: Double
    public var requests: Int
    public var accepted: Int
    public var rejected: [String: Int]
    /// Per node: how far authority outlived its end (docs/CHAOS.md).
    public var blastRadius: [BlastRadius]
    public var probes: Int

    enum CodingKeys: String, CodingKey {
        case verdict, checks, nodes, requests, accepted, rejected, probes
        case durationS = "duration_s"
        case blastRadius = "blast_radius"
    }

    public var passed: Bool { verdict == "pass" }

    public init(events: [HistoryEvent], violations: [Violation], nodes names: [String], durationS: Double,
                blastRadius: [BlastRadius] = []) {
        self.blastRadius = blastRadius
        probes = events.count { $0.kind == .probe }
        var checks: [String: Check] = [:]
        for rule in Violation.Rule.allCases {
            let found = violations.filter { $0.rule == rule }
            checks[rule.rawValue] = Check(ok: found.isEmpty, violations: found.count, examples: found.prefix(3).map(\.detail))
        }
        self.checks = checks
        verdict = violations.isEmpty ? "pass" : "fail"
        nodes = names.map { name in
            let commits = events.filter { $0.kind == .commit && $0.node == name }
            let checks = events.filter { $0.kind == .check && $0.node == name }
            var denies: [String: Int] = [:]
            for check in checks where check.outcome == "deny" { denies[check.reason ?? "?", default: 0] += 1 }
            return Node(name: name, commits: commits.count, height: commits.compactMap(\.height).max() ?? 0,
                        allows: checks.count { $0.outcome == "allow" }, denies: denies)
        }
        self.durationS = durationS
        let acks = events.filter { $0.kind == .ack }
        requests = events.count { $0.kind == .request }
        accepted = acks.count { $0.outcome == "ok" }
        var rejected: [String: Int] = [:]
        for ack in acks where ack.outcome != "ok" { rejected[ack.reason ?? ack.outcome ?? "?", default: 0] += 1 }
        self.rejected = rejected
    }

    /// The verdict as a table for people.
    public var table: String {
        var lines = ["check            result", "---------------  ------"]
        for rule in Violation.Rule.allCases {
            let check = checks[rule.rawValue]!
            lines.append(rule.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
                         + (check.ok ? "ok" : "FAIL (\(check.violations)): \(check.examples.first ?? "")"))
        }
        lines.append("")
        lines.append("node     height  commits  allows  denies")
        for node in nodes {
            let denies = node.denies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("\(node.name.padding(toLength: 7, withPad: " ", startingAt: 0))  \(String(node.height).padding(toLength: 6, withPad: " ", startingAt: 0))  \(String(node.commits).padding(toLength: 7, withPad: " ", startingAt: 0))  \(String(node.allows).padding(toLength: 6, withPad: " ", startingAt: 0))  \(denies.isEmpty ? "-" : denies)")
        }
        if !blastRadius.isEmpty {
            lines.append("")
            lines.append("blast radius (ms; null: no such event)   after expiry  after cut-off  after last contact  after revoke commit  allows after revoke applied")
            func show(_ value: Int64?) -> String { value.map(String.init) ?? "null" }
            for r in blastRadius {
                lines.append("\(r.node.padding(toLength: 40, withPad: " ", startingAt: 0))\(show(r.afterExpiryMs).padding(toLength: 14, withPad: " ", startingAt: 0))\(show(r.afterCutoffMs).padding(toLength: 15, withPad: " ", startingAt: 0))\(show(r.afterLastContactMs).padding(toLength: 20, withPad: " ", startingAt: 0))\(show(r.afterRevokeCommitMs).padding(toLength: 21, withPad: " ", startingAt: 0))\(r.allowsAfterRevokeApplied.map(String.init) ?? "null")")
            }
        }
        let rejections = rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("")
        lines.append("probes \(probes); requests \(requests): accepted \(accepted); rejected \(rejections.isEmpty ? "none" : rejections)")
        lines.append("verdict: \(verdict.uppercased()) in \(String(format: "%.1f", durationS)) s")
        return lines.joined(separator: "\n")
    }
}
