import Foundation
import WarrantCrypto
import WarrantHistory
import WarrantLedger
import WarrantTopology
import WarrantWire

/// Where an agent sends things: the nodes' client endpoints and its principal's.
public struct AgentEndpoints: Sendable {
    public var nodes: [(name: String, client: String)]
    /// The coordinator's principal endpoint, which signs the agent's session requests.
    public var principal: String

    public init(nodes: [(name: String, client: String)], principal: String) {
        self.nodes = nodes
        self.principal = principal
    }
}

/// An autonomous agent: it asks its principal for the session its topology entry wants,
/// acts under it against any node (failing over when one does not answer), renews before
/// expiry, and behaves as its `behaviour` says. Every request, answer and check goes to
/// its history. Its clock and its link to the cluster are parameters: `warrant-agent`
/// passes the system's and nng, tests their own.
public actor AgentRuntime {
    let spec: AgentSpec
    let key: SigningKey
    let endpoints: AgentEndpoints
    let delegateKey: PublicKey?
    let history: AgentHistory
    let requestTimeoutMs: UInt64
    let clock: any AgentClock
    let link: any AgentLink
    var session: (id: Digest, grant: Grant)?
    var sequences: [Digest: UInt64] = [:]
    /// Signed requests sent so far (the replayer sends them again).
    var sent: [[UInt8]] = []
    var delegated = false
    /// An agent program's misbehaviours, by kind (`AgentRuntime+Program`).
    var programCounts: [String: UInt64] = [:]
    /// Sessions granted to the program after its first.
    var renewals = 0
    /// Every choice the agent makes, from the run's seed and its name.
    var random: SplitMix64

    public init(spec: AgentSpec, key: SigningKey, endpoints: AgentEndpoints, delegateKey: PublicKey?, historyPath: String,
                epochMs: UInt64, requestTimeoutMs: UInt64, seed: UInt64,
                clock: any AgentClock = SystemAgentClock(), link: any AgentLink = NNGAgentLink()) throws {
        // Each agent its own stream: the seed mixed with the agent's name.
        random = SplitMix64(seed: spec.name.utf8.reduce(seed) { $0 &* 31 &+ UInt64($1) })
        self.spec = spec
        self.key = key
        self.endpoints = endpoints
        self.delegateKey = delegateKey
        self.requestTimeoutMs = requestTimeoutMs
        self.clock = clock
        self.link = link
        history = try AgentHistory(path: historyPath, epochMs: epochMs, clock: clock)
    }

    var wallMs: UInt64 { clock.wallMs }

    /// Acts until `durationMs` after the run's start.
    public func run(untilMs durationMs: UInt64) async {
        while history.now < durationMs {
            if needsSession {
                await obtainSession()
                if session == nil {
                    await clock.sleep(ms: 1_000)
                    continue
                }
            }
            if spec.behaviour == .delegator, !delegated, session != nil { await delegate() }
            await actOnce()
            await clock.sleep(ms: spec.actIntervalMs)
        }
    }

    /// Whether to ask for a (new) session: none yet, or (except for a rogue, which never
    /// renews) the current one expires within `renewBeforeMs`.
    var needsSession: Bool {
        guard let session else { return true }
        guard spec.behaviour != .rogue, spec.session.renewBeforeMs > 0 else { return false }
        return session.grant.expiresAt <= wallMs + spec.session.renewBeforeMs
    }

    // MARK: sessions

    /// Asks the principal to sign the grant this agent wants, then submits it.
    func obtainSession() async {
        let now = wallMs
        let wish = spec.session
        let proposal = Grant(nonce: 0, sessionKey: key.publicKey,
                             scope: Scope(operations: wish.operations, resources: wish.resources.map(\.text), maxAmount: wish.maxAmount),
                             notBefore: now, expiresAt: now + wish.ttlMs, budget: wish.budget, maxUses: wish.maxUses, rate: wish.rate)
        let signedGrant: [UInt8]
        do {
            let answer = try await link.request(Envelope.seal(proposal, by: key).encoded, to: endpoints.principal, timeout: .seconds(5))
            guard let opened = try? SignedMessage(opening: answer), case .grant = opened.message else { return }
            signedGrant = answer
        } catch {
            return
        }
        guard let opened = try? SignedMessage(opening: signedGrant), case .grant(let grant) = opened.message else { return }
        if let result = await order(signedGrant), result.outcome.accepted {
            session = (opened.hash, grant)
        }
    }

    /// A delegator grants `delegate_to` a narrower child session (read only, half the
    /// budget), then tries a wider one (a write it was never given), which must fail.
    func delegate() async {
        guard let session, let delegateKey else { return }
        delegated = true
        let now = wallMs
        let narrow = Grant(nonce: wallMs, sessionKey: delegateKey,
                           scope: Scope(operations: [session.grant.scope.operations[0]], resources: session.grant.scope.resources),
                           notBefore: now, expiresAt: session.grant.expiresAt, budget: session.grant.budget / 4, maxUses: 50,
                           parent: session.id)
        _ = await order(Envelope.seal(narrow, by: key).encoded)
        let wider = Grant(nonce: wallMs + 1, sessionKey: delegateKey,
                          scope: Scope(operations: session.grant.scope.operations + ["admin"], resources: ["*"]),
                          notBefore: now, expiresAt: session.grant.expiresAt + 3_600_000, budget: session.grant.budget * 10,
                          parent: session.id)
        _ = await order(Envelope.seal(wider, by: key).encoded)
    }

    // MARK: acting

    func actOnce() async {
        guard let session else { return }
        let wish = spec.session
        var operation = wish.operations.randomElement(using: &random)!
        var resource = Self.resource(in: wish.resources.randomElement(using: &random)!, random: &random)
        var amount = spec.amount
        switch spec.behaviour {
        case .greedy:
            switch Int.random(in: 0..<4, using: &random) {
            case 0: operation = "admin"
            case 1: resource = "secrets/\(Int.random(in: 0..<100, using: &random))"
            case 2: amount = (wish.maxAmount ?? wish.budget) + 1
            default: break
            }
        case .replayer where !sent.isEmpty && Bool.random(using: &random):
            _ = await order(sent.randomElement(using: &random)!)
            return
        default:
            break
        }
        let question = Check(sessionKey: key.publicKey, operation: operation, resource: resource, amount: amount, session: session.id)
        let allowed = await check(question)
        // The honest and the delegating act only when a node allows; the others act anyway.
        if !allowed, spec.behaviour == .honest || spec.behaviour == .delegator { return }
        let sequence = (sequences[session.id] ?? 0) + 1
        sequences[session.id] = sequence
        let act = Act(session: session.id, sequence: sequence, operation: operation, resource: resource, amount: amount)
        var bytes = Envelope.seal(act, by: key).encoded
        if spec.behaviour == .greedy, Int.random(in: 0..<6, using: &random) == 0 {
            bytes[bytes.count - 1] ^= 1  // a forged signature: every honest node must refuse it
        }
        if sent.count < 200 { sent.append(bytes) }
        _ = await order(bytes)
    }

    /// A concrete resource that `pattern` matches.
    static func resource(in pattern: ResourcePattern, random: inout SplitMix64) -> String {
        let text = pattern.text
        if text == "*" { return "files/any/\(Int.random(in: 0..<100, using: &random))" }
        if text.hasSuffix("/*") { return String(text.dropLast()) + "\(Int.random(in: 0..<100, using: &random))" }
        return text
    }

    // MARK: talking to nodes

    /// Asks a random node for a local check; records the answer.
    func check(_ question: Check) async -> Bool {
        await checkAnswer(question)?.answer.allowed ?? false
    }

    /// `check`, with the answer and the node that gave it (nil when none answered).
    func checkAnswer(_ question: Check) async -> (node: String, answer: CheckAnswer)? {
        let bytes = Envelope.seal(question, by: key).encoded
        let node = endpoints.nodes.randomElement(using: &random)!
        let sent = history.now
        guard let answer = try? await ask(node.client, bytes, timeout: .seconds(2)), case .checkAnswer(let a) = answer else { return nil }
        // Recorded like a probe (sent and received times, the node's report), so the same
        // checkers judge the agents' own checks.
        history.record(HistoryEvent(time: sent, kind: .check, node: node.name, outcome: a.allowed ? "allow" : "deny",
                                    reason: a.reason?.name, height: a.height, bytes: Hex.encode(bytes), detail: "wall=\(a.wallClockMs)",
                                    session: (a.session ?? question.session)?.hex, receivedAt: history.now, wallClockMs: a.wallClockMs,
                                    sinceLastBlockMs: a.sinceLastBlockMs))
        return (node.name, a)
    }

    /// How an ordered request ended, as the agent saw it.
    enum OrderOutcome {
        /// A block carried it: accepted or rejected with a reason.
        case result(RequestResult)
        /// A node refused it before ordering (a malformed or badly signed request…).
        case refused(ReasonCode)
        /// No node answered with a result in time; it may still commit.
        case unknown
    }

    /// Sends an ordered request to a random node, failing over to the others when one
    /// does not answer or answers `timeout`; records the request and its answer.
    func order(_ bytes: [UInt8]) async -> RequestResult? {
        if case .result(let result) = await orderOutcome(bytes) { return result }
        return nil
    }

    /// `order`, saying how it ended.
    func orderOutcome(_ bytes: [UInt8]) async -> OrderOutcome {
        let id = Blake2b.hash(bytes)
        var nodes = endpoints.nodes.shuffled(using: &random)
        history.record(HistoryEvent(time: history.now, kind: .request, node: nodes[0].name, request: id.hex, bytes: Hex.encode(bytes)))
        while let node = nodes.first {
            nodes.removeFirst()
            guard let answer = try? await ask(node.client, bytes, timeout: .milliseconds(Int64(requestTimeoutMs) + 2_000)) else { continue }
            switch answer {
            case .result(let result):
                history.record(HistoryEvent(time: history.now, kind: .ack, node: node.name, request: id.hex,
                                            outcome: result.outcome.accepted ? "ok" : "fail", reason: result.outcome.reason?.name,
                                            height: result.height))
                return .result(result)
            case .error(let error) where error.reason == .timeout:
                continue
            case .error(let error):
                history.record(HistoryEvent(time: history.now, kind: .ack, node: node.name, request: id.hex, outcome: "fail",
                                            reason: error.reason.name))
                return .refused(error.reason)
            default:
                continue
            }
        }
        history.record(HistoryEvent(time: history.now, kind: .ack, request: id.hex, outcome: "unknown"))
        return .unknown
    }

    func ask(_ address: String, _ bytes: [UInt8], timeout: Duration) async throws -> Message {
        let answer = try await link.request(bytes, to: address, timeout: timeout)
        return try SignedMessage(opening: answer, limits: WireLimits(maxMessageBytes: 8 << 20)).message
    }
}
