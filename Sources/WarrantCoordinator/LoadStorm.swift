import Foundation
import Synchronization
import WarrantCrypto
import WarrantSync
import WarrantTransport
import WarrantWire

/// What an expiry storm showed: the latest allow of any node relative to the session's
/// expiry (negative: every allow came before it), over many sampled checks.
public struct StormReport: Codable, Sendable {
    public var sessions: Int
    /// Seconds the grants took; the expiries were planned before, so a slow grant phase
    /// shows as `planned_late`.
    public var granting_s: Double
    public var planned_late: Bool
    /// Checks asked about sessions from one second before their expiry to two after.
    public var checks: Int
    public var allows_after_expiry: Int
    /// Max over allows of (batch sent − expiresAt), per node and in all; nil: no allow seen.
    public var overshoot_ms: Double?
    public var per_node_overshoot_ms: [String: Double]
}

extension LoadGenerator {
    /// An expiry storm: `count` sessions granted to expire within one second of each
    /// other, then every node asked, with check-batches of sessions near or past their
    /// expiry, from half a second before that second to three after it. An allow counts
    /// from the batch's send time — the earliest the node could have judged it — so the
    /// overshoot is never understated.
    enum Storm {
        static let sample = 2_048

        static func run(setup: Setup, cluster: RunningCluster, count: Int, grantRate: Double,
                        say: @Sendable (String) -> Void) async throws -> StormReport {
            let clients = try cluster.clients.map { try RequestClient(dialing: $0.address, maxMessageBytes: 8 << 20) }
            defer { clients.forEach { $0.close() } }
            let leadMs = UInt64(Double(count) / max(200, grantRate * 0.7) * 1_000) + 10_000
            let target = wallMs() + leadMs
            var nonce = UInt64(Date().timeIntervalSince1970 * 1_000) << 12 | 1 << 9
            say("storm: signing \(count) grants expiring within one second, \(leadMs / 1_000) s from now")
            let sessions: [(id: Digest, key: SigningKey, expiresAt: UInt64, bytes: [UInt8])] = (0..<count).map { i in
                nonce += 1
                let key = SigningKey(), expiresAt = target + UInt64(i) * 1_000 / UInt64(count)
                let grant = Grant(nonce: nonce, sessionKey: key.publicKey, scope: Scope(operations: ["read"], resources: [setup.pattern]),
                                  notBefore: wallMs(), expiresAt: expiresAt, budget: 1_000)
                let bytes = Envelope.seal(grant, by: setup.principal).encoded
                return (Blake2b.hash(bytes), key, expiresAt, bytes)
            }
            let started = ContinuousClock.now
            let granted = try await grantAll(sessions.map(\.bytes), clients: clients)
            let grantingS = seconds(ContinuousClock.now - started)
            say(String(format: "storm: %d of %d granted in %.1f s", granted, count, grantingS))
            let late = wallMs() + 1_000 > target
            var report = StormReport(sessions: granted, granting_s: grantingS, planned_late: late, checks: 0, allows_after_expiry: 0,
                                     overshoot_ms: nil, per_node_overshoot_ms: [:])
            var random = SystemRandomNumberGenerator()
            while wallMs() < target + 4_000 {
                let now = wallMs()
                if now + 500 < target {
                    try await Task.sleep(for: .milliseconds(Int64(target - 500 - now)))
                    continue
                }
                // Sessions whose expiry lies within two seconds before now and one after: a
                // node denies `max_clock_skew_ms` early, so its last allows come before expiry.
                let first = index(of: now > 2_000 ? now - 2_000 : 0, target: target, count: count)
                let last = index(of: now + 1_000, target: target, count: count)
                guard first < last else { try await Task.sleep(for: .milliseconds(20)); continue }
                let asked = (0..<min(sample, last - first)).map { _ in Int.random(in: first..<last, using: &random) }
                let batch = Envelope.seal(CheckBatch(checks: asked.map {
                    Check(sessionKey: sessions[$0].key.publicKey, operation: "read", resource: setup.resource, amount: 1, session: sessions[$0].id)
                }), by: setup.asker).encoded
                let answers = await withTaskGroup(of: (Int, UInt64, [CheckAnswer]).self) { group in
                    for (node, client) in clients.enumerated() {
                        group.addTask {
                            let sent = wallMs()
                            guard let reply = try? await client.request(batch, timeout: .seconds(5)),
                                  case .checkBatchAnswer(let answer)? = try? SignedMessage(opening: reply, limits: WireLimits(maxMessageBytes: 8 << 20)).message
                            else { return (node, sent, []) }
                            return (node, sent, answer.answers)
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                for (node, sent, list) in answers {
                    let name = cluster.clients[node].name
                    for (index, answer) in zip(asked, list) {
                        report.checks += 1
                        guard answer.allowed else { continue }
                        let overshoot = Double(Int64(sent) - Int64(sessions[index].expiresAt))
                        if overshoot > 0 { report.allows_after_expiry += 1 }
                        report.overshoot_ms = max(report.overshoot_ms ?? overshoot, overshoot)
                        report.per_node_overshoot_ms[name] = max(report.per_node_overshoot_ms[name] ?? overshoot, overshoot)
                    }
                }
            }
            return report
        }

        /// The first session expiring at or after `ms`, clamped to the sessions there are.
        static func index(of ms: UInt64, target: UInt64, count: Int) -> Int {
            guard ms > target else { return 0 }
            return min(count, Int((ms - target) * UInt64(count) / 1_000))
        }

        static func wallMs() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }
    }

    /// Sends every grant, 64 at a time spread over the nodes; returns how many were accepted.
    static func grantAll(_ grants: [[UInt8]], clients: [RequestClient]) async throws -> Int {
        let accepted = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<64 {
                group.addTask {
                    for index in stride(from: worker, to: grants.count, by: 64) {
                        let answer = try await clients[index % clients.count].request(grants[index], timeout: .seconds(30))
                        if case .result(let result)? = try? SignedMessage(opening: answer, limits: WireLimits(maxMessageBytes: 8 << 20)).message,
                           result.outcome.accepted { accepted.withLock { $0 += 1 } }
                    }
                }
            }
            try await group.waitForAll()
        }
        return accepted.withLock { $0 }
    }
}
