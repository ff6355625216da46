import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantStorage
import WarrantTransport
import WarrantWire

/// The client endpoint: ordered requests are answered when their block commits (or with
/// `timeout`), checks and queries at once from the node's own state. Every refusal is a
/// signed `error` naming what was wrong; nothing a client sends can stop the node.
extension NodeShell {
    func serveClient(_ request: IncomingRequest) {
        let opened: SignedMessage
        do {
            opened = try replica.open(request.bytes, limits: WireLimits(maxMessageBytes: topology.cluster.maxMessageBytes))
        } catch {
            metrics.count("warrant_invalid_messages_total", [("source", "client"), ("reason", error.reason.name)])
            logger.notice("client error", metadata: ["reason": "\(error.reason.name)", "detail": "\(error)"])
            answer(request, ErrorMessage(reason: error.reason, message: error.description))
            return
        }
        if halted != nil {
            switch opened.message {
            case .statusQuery: answer(request, status)
            case .check: answer(request, unavailableAnswer)
            case .checkBatch(let batch): answer(request, CheckBatchAnswer(answers: Array(repeating: unavailableAnswer, count: min(batch.checks.count, CheckBatchAnswer.maxChecks(maxMessageBytes: topology.cluster.maxMessageBytes)))))
            default: answer(request, unavailable(request: opened.hash))
            }
            return
        }
        switch opened.message {
        case .grant, .revoke, .revokeAll, .act:
            byzantine.heard(request.bytes)
            order(request, opened)
        case .check(let check):
            let verdict = localCheck(check, readings)
            countChecks([verdict])
            answer(request, verdict)
        case .checkBatch(let batch):
            let most = CheckBatchAnswer.maxChecks(maxMessageBytes: topology.cluster.maxMessageBytes)
            guard batch.checks.count <= most else {
                answer(request, ErrorMessage(reason: .tooLarge, message: "a batch to this node holds at most \(most) checks (so that the answer fits in \(topology.cluster.maxMessageBytes) bytes); this one holds \(batch.checks.count)", request: opened.hash))
                return
            }
            let now = readings
            let answers = batch.checks.map { localCheck($0, now) }
            countChecks(answers)
            answer(request, CheckBatchAnswer(answers: answers))
        case .blockRequest(let blocks):
            // A commit-stream subscriber that missed notices fetches the blocks themselves.
            do {
                if let bytes = try replica.answer(blocks) {
                    try? request.reply(bytes)
                } else {
                    answer(request, ErrorMessage(reason: .malformed, message: "no block at height \(blocks.fromHeight) yet (applied: \(replica.ledger.height))", request: opened.hash))
                }
            } catch {
                failed(error)
                answer(request, unavailable(request: opened.hash))
            }
        case .statusQuery:
            answer(request, status)
        case .sessionQuery(let query):
            answer(request, sessions(query))
        default:
            answer(request, ErrorMessage(reason: .malformed, message: "a \(opened.kind.name) is not something a client sends to a node",
                                         request: opened.hash))
        }
    }

    /// An ordered request: answered from the database if its block is already stored
    /// (the same bytes sent again get the same result), else when its block commits.
    func order(_ request: IncomingRequest, _ opened: SignedMessage) {
        let id = opened.hash
        do {
            if let stored = try replica.storedResult(of: id) {
                answer(request, stored)
                return
            }
        } catch {
            failed(error)
            answer(request, unavailable(request: id))
            return
        }
        let first = waiting[id] == nil
        waiting[id, default: []].append((request, clock.monotonicMs))
        if first {
            do {
                let (_, out) = try replica.submit(opened.bytes, now: clock.wallMs)
                try carryOut(out)
            } catch {
                failed(error)
            }
        }
        let timeout = topology.cluster.requestTimeoutMs
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(timeout))
            await self?.expire(request, id: id)
        }
    }

    /// The request's block did not commit in time: say so (the request may still commit).
    func expire(_ request: IncomingRequest, id: Digest) {
        guard var waiters = waiting[id], let index = waiters.firstIndex(where: { $0.request === request }) else { return }
        waiters.remove(at: index)
        waiting[id] = waiters.isEmpty ? nil : waiters
        answer(request, ErrorMessage(reason: .timeout, message: "not committed within \(topology.cluster.requestTimeoutMs) ms; it may still commit: send the same bytes again to learn its result", request: id))
    }

    /// Checks by answer and reason: tallied here first, so a batch of thousands costs the
    /// metrics one increment per distinct answer.
    func countChecks(_ verdicts: [CheckAnswer]) {
        var tally: [ReasonCode?: (allowed: Bool, count: Int)] = [:]
        for verdict in verdicts { tally[verdict.reason, default: (verdict.allowed, 0)].count += 1 }
        for (reason, entry) in tally {
            metrics.count("warrant_checks_total", [("answer", entry.allowed ? "allow" : "deny"), ("reason", reason?.name ?? "none")], by: entry.count)
        }
    }

    /// Rules 3 and 4, answered from the node's own ledger and clocks.
    func localCheck(_ question: Check, _ readings: ClockReadings) -> CheckAnswer {
        replica.ledger.check(question, readings: readings)
    }

    var readings: ClockReadings {
        let monotonic = clock.monotonicMs
        return replica.readings(now: clock.wallMs, monotonicMs: monotonic, sinceLastBlockMs: monotonic - lastAppliedAt)
    }

    var status: NodeStatus {
        let core = replica.core, ledger = replica.ledger, now = clock.monotonicMs
        let seen = lastHeard.filter { now - $0.value < 3_000 }.map(\.key).sorted()
        let time = readings
        return NodeStatus(node: name, height: ledger.height, round: core.round, step: core.step.rawValue,
                          lastBlockTimeMs: ledger.lastBlockTimeMs, sinceLastBlockMs: now - lastAppliedAt, wallClockMs: time.wallClockMs,
                          stateHash: ledger.stateHash, sessions: UInt64(ledger.sessions.count), peersSeen: seen, paused: paused,
                          proposer: core.validators.proposer(height: core.height, round: core.round),
                          fresh: time.sinceQuorumMs.map { $0 <= ledger.parameters.maxStalenessMs } ?? false,
                          sinceQuorumMs: time.sinceQuorumMs, clockOffsetMs: time.clockOffsetMs, clockVouched: time.clockVouched,
                          received: links.sorted { $0.key < $1.key }.map { LinkReceived(peer: $0.key, messages: UInt64($0.value.counters.received)) },
                          storage: halted?.reason, abstainThrough: core.abstainThrough >= core.height ? core.abstainThrough : nil)
    }

    func sessions(_ query: SessionQuery) -> SessionList {
        let ledger = replica.ledger
        let matching = ledger.sessions.values
            .filter { query.sessionKey == nil || $0.sessionKey == query.sessionKey }
            .filter { query.principal == nil || $0.principal == query.principal }
            .sorted { $0.id < $1.id }
        let infos = matching.prefix(SessionList.maxSessions).map { s in
            SessionInfo(id: s.id, principal: s.principal, sessionKey: s.sessionKey, operations: s.operations,
                        resources: s.resources.map(\.text), notBefore: s.notBefore, expiresAt: s.expiresAt, budget: s.budget,
                        spent: s.spent, uses: s.uses, revoked: ledger.isRevoked(s), parent: s.parent)
        }
        return SessionList(sessions: Array(infos), truncated: matching.count > SessionList.maxSessions)
    }
}
