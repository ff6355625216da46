import Foundation
import WarrantCheck
import WarrantCrypto
import WarrantHistory
import WarrantTopology
import WarrantTransport
import WarrantWire

/// During a run, asks every node — in one `check-batch` — about a sample of live, expired
/// and revoked sessions, and records each answer with the probe's send and receive
/// times on the coordinator's clock and the node's own report (applied height, clocks).
/// The checkers then compare the answers with what the chain committed, trusting no node.
public actor Prober {
    let cluster: RunningCluster
    let principal: PrincipalService
    let history: RunHistory
    let spec: ProbeSpec
    var task: Task<Void, Never>?

    public init(cluster: RunningCluster, principal: PrincipalService, history: RunHistory, spec: ProbeSpec) {
        self.cluster = cluster
        self.principal = principal
        self.history = history
        self.spec = spec
    }

    public func start() {
        guard spec.intervalMs > 0 else { return }
        task = Task { [weak self, spec] in
            while !Task.isCancelled {
                await self?.probeOnce()
                try? await Task.sleep(for: .milliseconds(spec.intervalMs))
            }
        }
    }

    public func stop() { task?.cancel() }

    /// The sessions to ask about now: the most recent live, expired and revoked ones.
    func sample() async -> [(Digest, Grant)] {
        let granted = await principal.granted, revoked = await principal.revoked
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let newest = granted.sorted { $0.value.notBefore > $1.value.notBefore }
        let live = newest.filter { $0.value.expiresAt > now && !revoked.contains($0.key) }.prefix(spec.sample)
        let expired = newest.filter { $0.value.expiresAt <= now }.prefix(spec.sample)
        let gone = newest.filter { revoked.contains($0.key) && $0.value.expiresAt > now }.prefix(spec.sample)
        return (Array(live) + Array(expired) + Array(gone)).map { ($0.key, $0.value) }
    }

    func probeOnce() async {
        let sessions = await sample()
        guard !sessions.isEmpty else { return }
        let checks = sessions.map { id, grant in
            Check(sessionKey: grant.sessionKey, operation: grant.scope.operations.first ?? "read",
                  resource: Self.resource(in: grant.scope.resources.first ?? "probe"), amount: 0, session: id)
        }
        let batch = Envelope.seal(CheckBatch(checks: checks), by: cluster.coordinator).encoded
        await withTaskGroup(of: Void.self) { group in
            for client in cluster.clients {
                group.addTask { [history] in
                    let sent = history.now
                    guard let answer = try? await client.send(batch, timeout: .seconds(2)),
                          case .checkBatchAnswer(let answers) = answer, answers.answers.count == sessions.count else { return }
                    let received = history.now
                    for ((id, _), a) in zip(sessions, answers.answers) {
                        history.record(HistoryEvent(time: sent, kind: .probe, node: client.name, outcome: a.allowed ? "allow" : "deny",
                                                    reason: a.reason?.name, height: a.height, session: id.hex, receivedAt: received,
                                                    wallClockMs: a.wallClockMs, sinceLastBlockMs: a.sinceLastBlockMs))
                    }
                }
            }
        }
    }

    /// A concrete resource a scope's pattern matches.
    static func resource(in pattern: String) -> String {
        if pattern == "*" { return "probe/x" }
        if pattern.hasSuffix("/*") { return String(pattern.dropLast()) + "probe" }
        return pattern
    }
}
