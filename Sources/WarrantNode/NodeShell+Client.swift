import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantStorage
import WarrantTransport
import WarrantWire

/// The client endpoint: what to do with each message is the replica's decision
/// (`Replica.clientAction`); ordered requests are answered when their block commits (or
/// with `timeout`), checks and queries at once from the node's own state. Every refusal is
/// a signed `error` naming what was wrong; nothing a client sends can stop the node.
extension NodeShell {
    func serveClient(_ request: IncomingRequest) {
        let limit = topology.cluster.maxMessageBytes
        if halted != nil {
            answerHalted(request, limit: limit)
            return
        }
        switch replica.clientAction(for: request.bytes, maxMessageBytes: limit, readings: readings) {
        case .order(let opened):
            byzantine.heard(request.bytes)
            order(request, opened)
        case .status:
            answer(request, status)
        case .sealed(let bytes):
            try? request.reply(bytes)
        case .answer(let body):
            switch body {
            case .check(let verdict): countChecks([verdict])
            case .checkBatch(let batch): countChecks(batch.answers)
            case .error(_, let invalid?):
                metrics.count("warrant_invalid_messages_total", [("source", "client"), ("reason", invalid.reason.name)])
                logger.notice("client error", metadata: ["reason": "\(invalid.reason.name)", "detail": "\(invalid)"])
            case .error, .sessions: break
            }
            answer(request, body.sealable)
        }
    }

    /// A halted node answers status queries, and refuses everything else `unavailable`.
    func answerHalted(_ request: IncomingRequest, limit: Int) {
        switch replica.clientAction(for: request.bytes, maxMessageBytes: limit, readings: readings) {
        case .status: answer(request, status)
        case .answer(.check): answer(request, unavailableAnswer)
        case .answer(.checkBatch(let batch)): answer(request, CheckBatchAnswer(answers: Array(repeating: unavailableAnswer, count: batch.answers.count)))
        case .answer(.error(let refusal, _)): answer(request, refusal)
        case .order(let opened): answer(request, unavailable(request: opened.hash))
        case .answer(.sessions), .sealed: answer(request, unavailable())
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
}
