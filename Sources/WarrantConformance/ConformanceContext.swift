import Foundation
import WarrantCoordinator
import WarrantCrypto
import WarrantSync
import WarrantTransport
import WarrantWire

/// Why a case failed: one sentence, printed after `FAIL name:`.
public struct CaseFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One exchange with the implementation: what was sent where, and what came back.
public struct Exchange: Codable, Sendable {
    public var node: String
    public var sent: String
    public var received: String?
    public var problem: String?
}

/// What a case works with: the target, fresh keys, and helpers that send, expect and
/// read back — each exchange recorded, so a failing case can be replayed byte for byte.
public final class ConformanceContext: Sendable {
    public let target: ConformanceTarget
    public let label: String
    private let state: Locked<(exchanges: [Exchange], nonce: UInt64)>

    init(target: ConformanceTarget, label: String) {
        self.target = target
        self.label = label
        state = Locked(([], UInt64(Date().timeIntervalSince1970 * 1_000) << 8))
    }

    /// What was sent and received, in order.
    public var exchanges: [Exchange] { state.withLock { $0.exchanges } }

    public var nowMs: UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }
    /// A nonce no earlier one of this run used (clock-based across runs).
    public func nextNonce() -> UInt64 {
        state.withLock { $0.nonce += 1; return $0.nonce }
    }

    public var principal: SigningKey { target.principal.key }
    public func resource(_ suffix: String = "") -> String { target.ownedResource(label + suffix) }

    // MARK: sending

    /// Sends raw bytes to node `index` and returns the answer (verified as the node's).
    public func send(_ bytes: [UInt8], to index: Int = 0, timeout: Duration = .seconds(15)) async throws(CaseFailure) -> Message {
        let node = target.nodes[index % target.nodes.count]
        do {
            let (reply, answer) = try await node.exchange(bytes, timeout: timeout)
            state.withLock { $0.exchanges.append(Exchange(node: node.name, sent: Hex.encode(bytes), received: Hex.encode(reply))) }
            return answer
        } catch {
            state.withLock { $0.exchanges.append(Exchange(node: node.name, sent: Hex.encode(bytes), problem: error.message)) }
            throw CaseFailure("\(node.name) gave no valid answer: \(error.message)")
        }
    }

    public func seal<B: WireBody>(_ body: B, by key: SigningKey) -> [UInt8] { Envelope.seal(body, by: key).encoded }

    /// Orders a request and expects it accepted; returns its result.
    @discardableResult
    public func accepted(_ bytes: [UInt8], _ what: String, to index: Int = 0) async throws(CaseFailure) -> RequestResult {
        let answer = try await send(bytes, to: index)
        guard case .result(let result) = answer else { throw CaseFailure("\(what): expected a result, got \(Self.describe(answer))") }
        guard result.outcome.accepted else { throw CaseFailure("\(what): rejected \(result.outcome.reason?.name ?? "?"), expected accepted") }
        return result
    }

    /// Orders a request and expects it committed but rejected with `reason`.
    public func rejected(_ bytes: [UInt8], _ reason: ReasonCode, _ what: String, to index: Int = 0) async throws(CaseFailure) {
        let answer = try await send(bytes, to: index)
        guard case .result(let result) = answer else { throw CaseFailure("\(what): expected a result rejected \(reason.name), got \(Self.describe(answer))") }
        guard !result.outcome.accepted else { throw CaseFailure("\(what): accepted, expected rejected \(reason.name)") }
        guard result.outcome.reason == reason else {
            throw CaseFailure("\(what): rejected \(result.outcome.reason?.name ?? "?"), expected \(reason.name)")
        }
    }

    /// Sends bytes and expects a signed `error` with `reason` (refused before ordering).
    @discardableResult
    public func refused(_ bytes: [UInt8], _ reason: ReasonCode, _ what: String, to index: Int = 0) async throws(CaseFailure) -> ErrorMessage {
        let answer = try await send(bytes, to: index)
        guard case .error(let error) = answer else { throw CaseFailure("\(what): expected error \(reason.name), got \(Self.describe(answer))") }
        guard error.reason == reason else { throw CaseFailure("\(what): error \(error.reason.name) (\(error.message)), expected \(reason.name)") }
        return error
    }

    /// A grant of `principal` (or `signer`, for sub-delegations) to `key`, for `ttlMs`
    /// from now: by default 60 s, or 30 s for a child (which must end within its parent,
    /// granted a moment before).
    public func grant(to key: PublicKey, ops: [String] = ["read"], resources: [String]? = nil, ttlMs: UInt64? = nil,
                      notBeforeMs: UInt64? = nil, budget: UInt64 = 100, maxAmount: UInt64? = nil, maxUses: UInt64? = nil,
                      rate: RateLimit? = nil, parent: Digest? = nil, by signer: SigningKey? = nil,
                      nonce: UInt64? = nil) -> (id: Digest, bytes: [UInt8]) {
        let now = nowMs
        let grant = Grant(nonce: nonce ?? nextNonce(), sessionKey: key,
                          scope: Scope(operations: ops, resources: resources ?? [resource()], maxAmount: maxAmount),
                          notBefore: notBeforeMs ?? now, expiresAt: now + (ttlMs ?? (parent == nil ? 60_000 : 30_000)), budget: budget, maxUses: maxUses, rate: rate,
                          parent: parent)
        let bytes = seal(grant, by: signer ?? principal)
        return (Blake2b.hash(bytes), bytes)
    }

    /// An act under `session`, signed by `key`.
    public func act(_ session: Digest, by key: SigningKey, sequence: UInt64, op: String = "read", resource: String? = nil,
                    amount: UInt64 = 1) -> [UInt8] {
        seal(Act(session: session, sequence: sequence, operation: op, resource: resource ?? self.resource(), amount: amount), by: key)
    }

    /// A live session for a fresh key: granted and committed.
    public func session(ops: [String] = ["read"], budget: UInt64 = 100, maxAmount: UInt64? = nil, maxUses: UInt64? = nil,
                        rate: RateLimit? = nil, ttlMs: UInt64 = 60_000) async throws(CaseFailure) -> (id: Digest, key: SigningKey) {
        let key = SigningKey()
        let grant = grant(to: key.publicKey, ops: ops, ttlMs: ttlMs, budget: budget, maxAmount: maxAmount, maxUses: maxUses, rate: rate)
        try await accepted(grant.bytes, "the grant")
        return (grant.id, key)
    }

    // MARK: checks and read-back

    /// Asks node `index` a local check.
    public func check(_ question: Check, on index: Int) async throws(CaseFailure) -> CheckAnswer {
        let answer = try await send(seal(question, by: target.queryKey), to: index, timeout: .seconds(5))
        guard case .checkAnswer(let check) = answer else { throw CaseFailure("check: expected a check answer, got \(Self.describe(answer))") }
        return check
    }

    /// Every node answers `question` as `expect` says (nil: allow), within `patienceMs`
    /// (nodes apply a committed block at slightly different times).
    public func everyNode(_ question: Check, answers expect: ReasonCode?, patienceMs: UInt64 = 5_000) async throws(CaseFailure) {
        for index in target.nodes.indices {
            let deadline = nowMs + patienceMs
            var last: CheckAnswer
            repeat {
                last = try await check(question, on: index)
                if last.allowed == (expect == nil), last.reason == expect { break }
                try? await Task.sleep(for: .milliseconds(100))
            } while nowMs < deadline
            guard last.allowed == (expect == nil), last.reason == expect else {
                throw CaseFailure("\(target.nodes[index].name) answers \(last.allowed ? "allow" : "deny \(last.reason?.name ?? "?")"), expected \(expect.map { "deny \($0.name)" } ?? "allow")")
            }
        }
    }

    /// The sessions node `index` holds for `key` (the session query).
    public func sessions(of key: PublicKey, on index: Int = 0) async throws(CaseFailure) -> [SessionInfo] {
        let answer = try await send(seal(SessionQuery(sessionKey: key), by: target.queryKey), to: index, timeout: .seconds(5))
        guard case .sessionList(let list) = answer else { throw CaseFailure("session query: got \(Self.describe(answer))") }
        return list.sessions
    }

    /// Nothing was committed for `key`: no node's session query lists a session of it.
    public func nothingCommitted(for key: PublicKey, _ what: String) async throws(CaseFailure) {
        for index in target.nodes.indices where try await !sessions(of: key, on: index).isEmpty {
            throw CaseFailure("\(what): \(target.nodes[index].name) holds a session for the key although the grant was refused")
        }
    }

    /// The node still serves: it answers a status query.
    func stillServes(_ index: Int) async throws(CaseFailure) {
        let answer = try await send(seal(StatusQuery(), by: target.queryKey), to: index, timeout: .seconds(5))
        guard case .nodeStatus = answer else { throw CaseFailure("status: got \(Self.describe(answer))") }
    }

    static func describe(_ message: Message) -> String {
        switch message {
        case .error(let error): "error \(error.reason.name) (\(error.message))"
        case .result(let result): result.outcome.accepted ? "accepted" : "rejected \(result.outcome.reason?.name ?? "?")"
        default: "a \(message.kind.name)"
        }
    }

    public func expect(_ condition: Bool, _ failure: @autoclosure () -> String) throws(CaseFailure) {
        if !condition { throw CaseFailure(failure()) }
    }

    /// Runs `body`, keeping its failure for later (so that a fault can be undone first).
    public func attempt<T>(_ body: () async throws(CaseFailure) -> T) async -> Result<T, CaseFailure> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    /// Waits `ms` of wall time (expiry cases).
    public func wait(ms: UInt64) async { try? await Task.sleep(for: .milliseconds(ms)) }
}

extension UInt64 {
    /// `self − other`, or 0 when `other` is larger (time left until a moment).
    func subtracting(_ other: UInt64) -> UInt64 { self > other ? self - other : 0 }
}
