import Foundation
import Histogram
import Synchronization
import WarrantCrypto
import WarrantSync
import WarrantTransport
import WarrantWire

extension LoadGenerator {
    /// Sessions granted before the timed phase, for acts, checks and revokes to use.
    struct Setup: Sendable {
        let principal: SigningKey
        let asker: SigningKey
        let resource: String
        let pattern: String
        let sessions: [(id: Digest, key: SigningKey)]

        static func make(cluster: RunningCluster, sessions count: Int, say: @Sendable (String) -> Void) async throws -> Setup {
            guard let spec = cluster.topology.principals.first(where: { $0.owns.contains { $0.text.hasSuffix("/*") } }) else {
                throw CoordinatorError(.badFile, "\(cluster.topology.file): bench needs a principal that owns a `prefix/*` pattern")
            }
            let principal = try cluster.secretKey(spec.name)
            let pattern = spec.owns.first { $0.text.hasSuffix("/*") }!.text
            say("granting \(count) sessions for the acts, checks and revokes")
            var nonce = UInt64(Date().timeIntervalSince1970 * 1_000) << 12
            let now = UInt64(Date().timeIntervalSince1970 * 1_000)
            let planned: [(id: Digest, key: SigningKey, bytes: [UInt8])] = (0..<count).map { _ in
                nonce += 1
                let key = SigningKey()
                let grant = Grant(nonce: nonce, sessionKey: key.publicKey, scope: Scope(operations: ["read"], resources: [pattern]),
                                  notBefore: now, expiresAt: now + 3_600_000, budget: UInt64.max / 4)
                let bytes = Envelope.seal(grant, by: principal).encoded
                return (Blake2b.hash(bytes), key, bytes)
            }
            let clients = try cluster.clients.map { try RequestClient(dialing: $0.address, maxMessageBytes: 8 << 20) }
            defer { clients.forEach { $0.close() } }
            let granted = try await grantAll(planned.map(\.bytes), clients: clients)
            guard granted == count else { throw CoordinatorError(.refused, "only \(granted) of \(count) setup grants were accepted") }
            return Setup(principal: principal, asker: try cluster.secretKey("coordinator"), resource: String(pattern.dropLast()) + "bench",
                         pattern: pattern, sessions: planned.map { ($0.id, $0.key) })
        }

        /// The timed phase's requests, signed now, in the mix's proportions.
        func plan(options: LoadOptions, nodes: Int) -> [Planned] {
            // Closed loop: enough for the fastest run seen here, in fewer messages when batched.
            let count = options.rate.map { Int($0 * options.durationS) } ?? max(10_000, 100_000 / options.batch)
            let cycle = Array(repeating: Kind.grant, count: options.mix.grants) + Array(repeating: .act, count: options.mix.acts)
                + Array(repeating: .check, count: options.mix.checks)
            var sequences = [UInt64](repeating: 0, count: sessions.count)
            var nonce = UInt64(Date().timeIntervalSince1970 * 1_000) << 12 | 1 << 11
            let now = UInt64(Date().timeIntervalSince1970 * 1_000)
            var acts = 0
            return (0..<count).map { index in
                let kind = cycle[index % cycle.count]
                let bytes: [UInt8]
                switch kind {
                case .grant:
                    nonce += 1
                    bytes = Envelope.seal(Grant(nonce: nonce, sessionKey: SigningKey().publicKey, scope: Scope(operations: ["read"], resources: [pattern]),
                                                notBefore: now, expiresAt: now + 3_600_000, budget: 1_000), by: principal).encoded
                case .act:
                    // Acts of one session are a whole round of sessions apart, so they commit in order.
                    let session = acts % sessions.count
                    acts += 1
                    sequences[session] += 1
                    bytes = Envelope.seal(Act(session: sessions[session].id, sequence: sequences[session], operation: "read",
                                              resource: resource, amount: 1), by: sessions[session].key).encoded
                case .check:
                    let checks = (0..<options.batch).map { offset in
                        let session = sessions[(index + offset * 7) % sessions.count]
                        return Check(sessionKey: session.key.publicKey, operation: "read", resource: resource, amount: 1, session: session.id)
                    }
                    bytes = options.batch == 1 ? Envelope.seal(checks[0], by: asker).encoded
                        : Envelope.seal(CheckBatch(checks: checks), by: asker).encoded
                }
                return Planned(kind: kind, bytes: bytes, node: index % nodes, checks: kind == .check ? options.batch : 1)
            }
        }
    }

    /// Revokes sessions at 200/s and times each from its send until every node's local
    /// check denies it, polling every node with check-batches every 10 ms.
    enum RevokeWatch {
        static func run(setup: Setup, cluster: RunningCluster, count: Int) async throws -> Histogram<UInt64> {
            let chosen = Array(setup.sessions.suffix(count))
            let clients = try cluster.clients.map { try RequestClient(dialing: $0.address, maxMessageBytes: 8 << 20) }
            defer { clients.forEach { $0.close() } }
            let sent = Locked([Int: ContinuousClock.Instant]())
            var nonce = UInt64(Date().timeIntervalSince1970 * 1_000) << 12 | 1 << 10
            let revokes = chosen.map { session in
                nonce += 1
                return Envelope.seal(Revoke(nonce: nonce, session: session.id), by: setup.principal).encoded
            }
            let start = ContinuousClock.now
            let sender = Task {
                await withTaskGroup(of: Void.self) { group in
                    for (index, bytes) in revokes.enumerated() {
                        try? await Task.sleep(until: start + .milliseconds(index * 5))
                        sent.withLock { $0[index] = .now }
                        group.addTask { _ = try? await clients[index % clients.count].request(bytes, timeout: .seconds(30)) }
                    }
                }
            }
            var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var deniedBy = [Set<Int>](repeating: [], count: chosen.count)
            var done = Set<Int>()
            let limit = CheckBatchAnswer.maxChecks(maxMessageBytes: cluster.topology.cluster.maxMessageBytes)
            let deadline = start + .milliseconds(count * 5 + 60_000)
            while done.count < chosen.count, ContinuousClock.now < deadline {
                let pending = sent.withLock { $0 }.keys.filter { !done.contains($0) }.sorted()
                for (node, client) in clients.enumerated() {
                    let asked = pending.filter { !deniedBy[$0].contains(node) }.prefix(limit)
                    guard !asked.isEmpty else { continue }
                    let batch = CheckBatch(checks: asked.map {
                        Check(sessionKey: chosen[$0].key.publicKey, operation: "read", resource: setup.resource, amount: 1, session: chosen[$0].id)
                    })
                    guard let reply = try? await client.request(Envelope.seal(batch, by: setup.asker).encoded, timeout: .seconds(5)),
                          case .checkBatchAnswer(let answers)? = try? SignedMessage(opening: reply, limits: WireLimits(maxMessageBytes: 8 << 20)).message
                    else { continue }
                    for (index, answer) in zip(asked, answers.answers) where !answer.allowed && answer.reason == .revoked {
                        deniedBy[index].insert(node)
                    }
                }
                let now = ContinuousClock.now, times = sent.withLock { $0 }
                for index in pending where deniedBy[index].count == clients.count {
                    done.insert(index)
                    _ = histogram.record(UInt64(max(0, LoadGenerator.seconds(now - times[index]!) * 1_000_000)))
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            sender.cancel()
            return histogram
        }
    }
}
