import Foundation
import WarrantCoordinator
import WarrantCrypto
import WarrantTransport
import WarrantWire

/// `warrant-bench --cluster DIR`: latency and throughput of a running cluster (started by
/// `warrant-coordinator up`), through its client endpoints, with real signatures: what
/// a grant costs from send to commit, how fast acts commit with 16 clients, what a
/// local check costs. `scripts/bench.sh --cluster` starts the cluster and records this.
enum ClusterBench {
    struct Stats {
        let p50: Double, p99: Double, perSecond: Double
    }

    static func stats(_ samples: [Double], elapsed: Double) -> Stats {
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Stats(p50: percentile(0.5), p99: percentile(0.99), perSecond: Double(sorted.count) / elapsed)
    }

    static func run(directory: String, quick: Bool) async throws -> [(String, String)] {
        let cluster = try RunningCluster(directory: directory)
        guard let principalName = cluster.topology.principals.first?.name else { throw CoordinatorError(.badFile, "no principal") }
        let principal = try cluster.keys.secret(principalName)
        let owns = cluster.topology.principals[0].owns[0].text
        let resource = owns.hasSuffix("/*") ? String(owns.dropLast()) + "bench" : (owns == "*" ? "bench/x" : owns)
        let scope = Scope(operations: ["read"], resources: [owns])
        let address = cluster.file.nodes[0].client
        var nonce = UInt64(Date().timeIntervalSince1970 * 1_000) * 1_000
        let clock = ContinuousClock()
        var rows: [(String, String)] = []

        // 1. Grants, one at a time, from send until the node answers with the committed result.
        let grants = quick ? 30 : 200
        var sessions: [(id: Digest, key: SigningKey)] = []
        var samples: [Double] = []
        let client = try RequestClient(dialing: address, maxMessageBytes: 1 << 20)
        defer { client.close() }
        var start = clock.now
        for _ in 0..<grants {
            nonce += 1
            let agent = SigningKey()
            let now = UInt64(Date().timeIntervalSince1970 * 1_000)
            let bytes = Envelope.seal(Grant(nonce: nonce, sessionKey: agent.publicKey, scope: scope, notBefore: now,
                                            expiresAt: now + 600_000, budget: 1_000_000), by: principal).encoded
            let t0 = clock.now
            let answer = try SignedMessage(opening: try await client.request(bytes, timeout: .seconds(30))).message
            samples.append(Bench.seconds(clock.now - t0) * 1_000)
            guard case .result(let result) = answer, result.outcome.accepted else { throw CoordinatorError(.refused, "a grant was not accepted: \(answer)") }
            sessions.append((Blake2b.hash(bytes), agent))
        }
        let grantStats = stats(samples, elapsed: Bench.seconds(clock.now - start))
        rows.append(("grant, send to committed answer, 1 client, one at a time",
                     "p50 \(Bench.format(grantStats.p50)) ms, p99 \(Bench.format(grantStats.p99)) ms, \(Bench.format(grantStats.perSecond)) /s"))

        // 2. Acts from 16 clients at once, each under its own session, spread over the nodes.
        let clients = 16, acts = quick ? 10 : 60
        start = clock.now
        let actSamples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for index in 0..<clients {
                let session = sessions[index % sessions.count]
                let node = cluster.file.nodes[index % cluster.file.nodes.count].client
                group.addTask {
                    let client = try RequestClient(dialing: node, maxMessageBytes: 1 << 20)
                    defer { client.close() }
                    var out: [Double] = []
                    for sequence in 1...UInt64(acts) {
                        let act = Act(session: session.id, sequence: sequence, operation: "read", resource: resource, amount: 1)
                        let t0 = ContinuousClock.now
                        _ = try await client.request(Envelope.seal(act, by: session.key).encoded, timeout: .seconds(30))
                        out.append(Bench.seconds(ContinuousClock.now - t0) * 1_000)
                    }
                    return out
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let actStats = stats(actSamples, elapsed: Bench.seconds(clock.now - start))
        rows.append(("act, send to committed answer, 16 clients over 4 nodes",
                     "p50 \(Bench.format(actStats.p50)) ms, p99 \(Bench.format(actStats.p99)) ms, \(Int(actStats.perSecond)) acts/s"))

        // 3. Local checks: single, and batches of 100.
        let checks = quick ? 300 : 2_000
        var checkSamples: [Double] = []
        let session = sessions[0]
        let question = Envelope.seal(Check(sessionKey: session.key.publicKey, operation: "read", resource: resource, amount: 1,
                                           session: session.id), by: cluster.coordinator).encoded
        start = clock.now
        for _ in 0..<checks {
            let t0 = clock.now
            _ = try await client.request(question, timeout: .seconds(10))
            checkSamples.append(Bench.seconds(clock.now - t0) * 1e6)
        }
        let checkStats = stats(checkSamples, elapsed: Bench.seconds(clock.now - start))
        rows.append(("check, round trip to one node, 1 client", "p50 \(Int(checkStats.p50)) µs, p99 \(Int(checkStats.p99)) µs, \(Int(checkStats.perSecond)) /s"))
        let batch = Envelope.seal(CheckBatch(checks: sessions.prefix(100).map {
            Check(sessionKey: $0.key.publicKey, operation: "read", resource: resource, amount: 1, session: $0.id)
        }), by: cluster.coordinator).encoded
        let batches = quick ? 20 : 200
        start = clock.now
        for _ in 0..<batches { _ = try await client.request(batch, timeout: .seconds(10)) }
        let batchSeconds = Bench.seconds(clock.now - start)
        rows.append(("check-batch of \(min(100, sessions.count)), 1 client", "\(Int(Double(batches * min(100, sessions.count)) / batchSeconds)) checks/s"))
        return rows
    }
}
