import Foundation
import Testing
import WarrantAgent
import WarrantCrypto
import WarrantHistory
import WarrantSync
import WarrantTopology
import WarrantWire

/// A virtual clock: sleeping advances it at once, so an agent's run of many seconds takes
/// no real time and always goes the same way.
final class VirtualClock: AgentClock {
    let now = Locked<UInt64>(1_800_000_000_000)
    var wallMs: UInt64 { now.withLock { $0 } }
    func sleep(ms: UInt64) async { now.withLock { $0 += ms } }
}

/// A fake cluster in process (named as such: the real one is tested by e2e.py and the
/// chaos runs): the principal signs what it is asked, nodes answer checks as
/// `allowChecks` says and accept every request whose signature verifies. It keeps what
/// the agent sent.
final class FakeCluster: AgentLink {
    static let principalAddress = "inproc://principal"
    let principal = try! SigningKey(seed: [UInt8](repeating: 0x11, count: 32))
    let node = try! SigningKey(seed: [UInt8](repeating: 0x22, count: 32))
    let allowChecks: Bool
    let clock: VirtualClock
    /// Every envelope the agent sent to a node, in order.
    let received = Locked<[[UInt8]]>([])
    let nonce = Locked<UInt64>(0)

    init(allowChecks: Bool, clock: VirtualClock) {
        self.allowChecks = allowChecks
        self.clock = clock
    }

    func request(_ bytes: [UInt8], to address: String, timeout: Duration) async throws -> [UInt8] {
        guard let opened = try? SignedMessage(opening: bytes) else {
            if address != Self.principalAddress { received.withLock { $0.append(bytes) } }
            return Envelope.seal(ErrorMessage(reason: .badSignature, message: "bad signature"), by: node).encoded
        }
        if address == Self.principalAddress, case .grant(var grant) = opened.message {
            grant.nonce = nonce.withLock { $0 += 1; return $0 }
            return Envelope.seal(grant, by: principal).encoded
        }
        received.withLock { $0.append(bytes) }
        switch opened.message {
        case .check(let check):
            return Envelope.seal(CheckAnswer(allowed: allowChecks, reason: allowChecks ? nil : .outOfScope, height: 1,
                                             wallClockMs: clock.wallMs, lastBlockTimeMs: clock.wallMs, sinceLastBlockMs: 0,
                                             session: check.session), by: node).encoded
        default:
            let result = RequestResult(outcome: RequestOutcome(request: opened.hash, accepted: true, reason: nil), height: 1,
                                       blockTimeMs: clock.wallMs)
            return Envelope.seal(result, by: node).encoded
        }
    }

    /// What the agent sent to nodes, opened (a forged envelope is nil).
    var messages: [Message?] { received.withLock { $0 }.map { try? SignedMessage(opening: $0).message } }
    var grants: [Grant] { messages.compactMap { if case .grant(let g)? = $0 { g } else { nil } } }
    var acts: [Act] { messages.compactMap { if case .act(let a)? = $0 { a } else { nil } } }
    var checks: Int { messages.count { if case .check? = $0 { true } else { false } } }
}

@Suite struct AgentBehaviourTests {
    static let topology = try! Topology.load(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Topologies/all-behaviours.toml").standardizedFileURL.path)

    /// Runs one agent of the test topology for `ms` of virtual time against a fake cluster.
    func run(_ name: String, allowChecks: Bool = true, ms: UInt64 = 12_000) async throws -> (FakeCluster, [HistoryEvent]) {
        let clock = VirtualClock(), cluster = FakeCluster(allowChecks: allowChecks, clock: clock)
        let spec = try #require(Self.topology.agent(named: name))
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UInt64.random(in: 0...UInt64.max)).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: history) }
        let runtime = try AgentRuntime(spec: spec, key: SigningKey(), endpoints: AgentEndpoints(nodes: [("n0", "inproc://n0"), ("n1", "inproc://n1")],
                                                                                                   principal: FakeCluster.principalAddress),
                                       delegateKey: SigningKey().publicKey, historyPath: history, epochMs: clock.wallMs,
                                       requestTimeoutMs: 1_000, seed: 7, clock: clock, link: cluster)
        await runtime.run(untilMs: ms)
        return (cluster, HistoryFile.read(history))
    }

    @Test func anHonestAgentActsOnlyWhereANodeAllowsAndRenewsItsSession() async throws {
        let (allowed, history) = try await run("honest")
        #expect(allowed.acts.count > 20 && allowed.checks >= allowed.acts.count)
        #expect(allowed.acts.allSatisfy { $0.operation == "read" && $0.resource.hasPrefix("files/a/") })
        // ttl 4 s, renewed 1 s before expiry: a new grant every 3 s of the 12.
        #expect(allowed.grants.count >= 3)
        #expect(history.contains { $0.kind == .check } && history.contains { $0.kind == .ack && $0.outcome == "ok" })
        let (denied, _) = try await run("honest", allowChecks: false)
        #expect(denied.acts.isEmpty && denied.checks > 10)
    }

    @Test func aGreedyAgentOverreachesAndForgesEvenWhenDenied() async throws {
        let (cluster, _) = try await run("greedy", allowChecks: false)
        let acts = cluster.acts
        #expect(acts.contains { $0.operation == "admin" })
        #expect(acts.contains { $0.resource.hasPrefix("secrets/") })
        #expect(acts.contains { $0.amount > 3 })
        #expect(cluster.messages.contains { $0 == nil }, "no forged signature was sent")
    }

    @Test func aRogueAgentNeverRenewsItsSession() async throws {
        let (cluster, _) = try await run("rogue", ms: 15_000)
        #expect(cluster.grants.count == 1)
        #expect(cluster.acts.count > 40, "it keeps acting after its 5 s session ends")
    }

    @Test func aReplayerSendsTheSameSignedBytesAgain() async throws {
        let (cluster, _) = try await run("replayer")
        let sent = cluster.received.withLock { $0 }
        #expect(Set(sent).count < sent.count)
        let acts = sent.filter { Envelope.peekKind($0) == .act }
        #expect(Set(acts).count < acts.count, "no act was sent twice")
    }

    @Test func aDelegatorGrantsANarrowChildThenTriesAWiderOne() async throws {
        let (cluster, _) = try await run("boss")
        let children = cluster.grants.filter { $0.parent != nil }
        try #require(children.count == 2)
        #expect(children[0].scope.operations.count == 1 && !children[0].scope.operations.contains("admin"))
        #expect(children[1].scope.operations.contains("admin") && children[1].scope.resources == ["*"])
        #expect(children.allSatisfy { $0.parent == children[0].parent })
    }
}
