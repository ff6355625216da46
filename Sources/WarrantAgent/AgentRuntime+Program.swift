import Foundation
import WarrantCrypto
import WarrantHistory
import WarrantWire

/// An agent whose decisions are a program's (`exec`): the runtime gets and renews the
/// session as for any agent, starts the program, and carries out what it asks — acts,
/// checks, delegations — signing with the agent's key, which the program never sees.
/// Whatever the program does, the agent stays within the protocol: a garbage line gets an
/// `error`, a flood is cut to `maxRequestsPerSecond`, a program that stops reading loses
/// messages, one that will not stop is killed; each is recorded (`program` events).
extension AgentRuntime {
    /// Requests a program may make per second; past it they are answered `flood`.
    public static let maxRequestsPerSecond = 50
    /// How long before the end a program is told to stop; it has `stopGrace` to exit.
    public static let stopAheadMs: UInt64 = 2_500
    static let stopGrace = Duration.milliseconds(1_500)
    /// Misbehaviours of each kind recorded one by one; the rest are counted in the summary.
    static let reportedPerKind = 10

    /// Runs the topology's program for this agent until `untilMs` after the run's start.
    /// It is told to stop `stopAheadMs` before, so that even one that must be killed is
    /// gone, and reported, before the run ends.
    public func runProgram(untilMs: UInt64, agentKeys: [String: PublicKey]) async {
        guard let command = spec.exec else { return }
        while session == nil, history.now + 1_000 < untilMs {
            await obtainSession()
            if session == nil { await clock.sleep(ms: 1_000) }
        }
        let program: ProgramProcess
        do {
            program = try ProgramProcess(command: command, environment: ["WARRANT_AGENT": spec.name])
        } catch {
            report("exited", "could not start \(command.joined(separator: " ")): \(error.message)")
            return
        }
        report("started", "pid \(program.pid): \(command.joined(separator: " "))")
        program.send(.hello(agent: spec.name, principal: spec.principal, key: key.publicKey.hex,
                            nodes: endpoints.nodes.map(\.name), nowMs: wallMs))
        if let session { program.send(sessionMessage(session.grant, id: session.id)) }
        let stopAt = untilMs > Self.stopAheadMs ? untilMs - Self.stopAheadMs : untilMs
        let keeper = Task { await self.keepSession(for: program, until: stopAt) }
        let stopper = Task {
            while self.history.now < stopAt, program.isRunning { await self.clock.sleep(ms: 50) }
            if !(await program.stop(grace: Self.stopGrace)) {
                self.report("killed", "did not exit within \(Self.stopGrace) of being told to stop")
            }
        }
        await serve(program, agentKeys: agentKeys, until: stopAt)
        keeper.cancel()
        await stopper.value
        var totals = programCounts.filter { $0.value > 0 }
        let unread = program.unread.dropped
        if unread > 0 { totals["unread"] = UInt64(unread) }
        if !totals.isEmpty { report("summary", totals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "), counts: totals) }
    }

    /// Takes the program's lines one at a time, in order, until it exits or is stopped.
    func serve(_ program: ProgramProcess, agentKeys: [String: PublicKey], until stopAt: UInt64) async {
        var window = (second: UInt64.max, used: 0)
        for await event in program.events {
            switch event {
            case .line(let text):
                switch ProgramRequest.parse(text) {
                case .failure(let error):
                    program.send(.error(inReplyTo: error.id, code: error.code, text: error.text))
                    misbehaved(error.code == "too_long" ? "too_long" : "malformed", error.text)
                case .success(.log(let level, let text)):
                    logLine(level: level, text: text)
                case .success(let request):
                    let second = history.now / 1_000
                    if window.second != second { window = (second, 0) }
                    window.used += 1
                    guard window.used <= Self.maxRequestsPerSecond, history.now < stopAt else {
                        program.send(.error(inReplyTo: request.id, code: "flood",
                                            text: "more than \(Self.maxRequestsPerSecond) requests in one second"))
                        misbehaved("flood", "request \(request.id ?? 0) past \(Self.maxRequestsPerSecond) in second \(second)")
                        continue
                    }
                    if case .renew(let id) = request {
                        program.send(await renew(id: id, program: program))
                    } else {
                        program.send(await carryOut(request, agentKeys: agentKeys))
                    }
                }
            case .tooLong(let length):
                program.send(.error(inReplyTo: nil, code: "too_long", text: "a line of \(length) bytes; at most \(ProgramRequest.maxLineBytes)"))
                misbehaved("too_long", "a line of \(length) bytes")
            case .overflow:
                misbehaved("flood", "lines past the backlog of \(ProgramProcess.backlog) were dropped")
            case .exited(let status):
                report("exited", "status \(status)")
            }
        }
    }

    /// Carries out one request for a driver other than a program (`warrant-gateway`):
    /// first a session, when there is none yet or it is due for renewal.
    public func perform(_ request: ProgramRequest) async -> ProgramMessage {
        if session == nil || (needsSession && spec.session.renewBeforeMs > 0) { await obtainSession() }
        return await carryOut(request, agentKeys: [:])
    }

    /// The session requests act under now (its id, and the grant), if any.
    public var currentSession: (id: Digest, grant: Grant)? { session }

    /// Does what the program asked, with the agent's key; the answer to send back.
    func carryOut(_ request: ProgramRequest, agentKeys: [String: PublicKey]) async -> ProgramMessage {
        guard let session else { return .error(inReplyTo: request.id, code: "no_session", text: "the principal has granted no session yet") }
        switch request {
        case .act(let id, let operation, let resource, let amount):
            let sequence = (sequences[session.id] ?? 0) + 1
            sequences[session.id] = sequence
            let bytes = Envelope.seal(Act(session: session.id, sequence: sequence, operation: operation, resource: resource, amount: amount),
                                      by: key).encoded
            return answer(await orderOutcome(bytes), id: id) { .actOK(inReplyTo: id, height: $0.height, request: Blake2b.hash(bytes).hex) }
        case .check(let id, let operation, let resource, let amount):
            let question = Check(sessionKey: key.publicKey, operation: operation, resource: resource, amount: amount, session: session.id)
            guard let (node, answer) = await checkAnswer(question) else {
                return .error(inReplyTo: id, code: "timeout", text: "no node answered the check")
            }
            return .checkOK(inReplyTo: id, allowed: answer.allowed, reason: answer.reason?.name, node: node, height: answer.height)
        case .delegate(let id, let to, let operations, let resources, let budget, let ttlMs):
            guard let child = agentKeys[to], to != spec.name else {
                return .error(inReplyTo: id, code: "unknown_agent", text: "no other agent of the topology is named '\(to)'")
            }
            let now = wallMs
            let grant = Grant(nonce: now, sessionKey: child, scope: Scope(operations: operations, resources: resources),
                              notBefore: now, expiresAt: now + ttlMs, budget: budget, parent: session.id)
            let bytes = Envelope.seal(grant, by: key).encoded
            return answer(await orderOutcome(bytes), id: id) { .delegateOK(inReplyTo: id, session: Blake2b.hash(bytes).hex, height: $0.height) }
        case .log, .renew:
            return .error(inReplyTo: request.id, code: "malformed", text: "not carried out here")
        }
    }

    /// A new session at the program's request: the `session` message, then `renew_ok`.
    func renew(id: UInt64, program: ProgramProcess) async -> ProgramMessage {
        let before = session?.id
        await obtainSession()
        guard let session, session.id != before else {
            return .error(inReplyTo: id, code: "no_session", text: "the principal granted no new session")
        }
        renewals += 1
        program.send(sessionMessage(session.grant, id: session.id, renewal: renewals))
        return .renewOK(inReplyTo: id, session: session.id.hex)
    }

    /// An ordered request's outcome as the program hears it.
    func answer(_ outcome: OrderOutcome, id: UInt64, accepted: (RequestResult) -> ProgramMessage) -> ProgramMessage {
        switch outcome {
        case .result(let result) where result.outcome.accepted:
            return accepted(result)
        case .result(let result):
            let reason = result.outcome.reason?.name ?? "rejected"
            return .error(inReplyTo: id, code: reason, text: "rejected at height \(result.height): \(reason)")
        case .refused(let reason):
            return .error(inReplyTo: id, code: reason.name, text: "refused by the node: \(reason.name)")
        case .unknown:
            return .error(inReplyTo: id, code: "timeout", text: "no node committed it in time; it may still commit")
        }
    }

    /// Renews the session as the topology says, telling the program of each new one, and
    /// notices a program that has stopped reading.
    func keepSession(for program: ProgramProcess, until stopAt: UInt64) async {
        var deaf = 0
        while !Task.isCancelled, history.now < stopAt {
            if session == nil || (needsSession && spec.session.renewBeforeMs > 0) {
                let before = session?.id
                await obtainSession()
                if let session, session.id != before {
                    renewals += 1
                    program.send(sessionMessage(session.grant, id: session.id, renewal: renewals))
                }
            }
            program.flush()
            let dropped = program.unread.dropped
            if dropped > deaf {
                if deaf == 0 { report("deaf", "the program is not reading its input: messages dropped") }
                deaf = dropped
            }
            await clock.sleep(ms: 200)
        }
    }

    func sessionMessage(_ grant: Grant, id: Digest, renewal: Int = 0) -> ProgramMessage {
        .session(id: id.hex, operations: grant.scope.operations, resources: grant.scope.resources, budget: grant.budget,
                 maxAmount: grant.scope.maxAmount, notBefore: grant.notBefore, expiresAt: grant.expiresAt, renewal: renewal)
    }

    /// Counts a misbehaviour; records the first few of each kind.
    func misbehaved(_ outcome: String, _ detail: String) {
        programCounts[outcome, default: 0] += 1
        if programCounts[outcome]! <= UInt64(Self.reportedPerKind) { report(outcome, detail) }
    }

    func report(_ outcome: String, _ detail: String, counts: [String: UInt64]? = nil) {
        history.record(HistoryEvent(time: history.now, kind: .program, outcome: outcome, detail: detail, counts: counts, agent: spec.name))
    }

    func logLine(level: String, text: String) {
        let line = "program \(level): \(text.prefix(2_000))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
