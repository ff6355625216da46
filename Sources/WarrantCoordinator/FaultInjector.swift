import Foundation
import WarrantCheck
import WarrantCrypto
import WarrantHistory
import WarrantTopology
import WarrantWire

/// Carries out a topology's fault schedule against running nodes: link faults, clock
/// offsets and pauses through each node's control endpoint (commands signed by the
/// coordinator's key), kills and restarts through the child processes, revocations
/// through the principal. Each fault is recorded in the history.
public actor FaultInjector {
    let cluster: RunningCluster
    let children: ChildProcesses
    let principal: PrincipalService
    let history: RunHistory
    /// Starts a node again after a kill (the launcher's own command line).
    let restartNode: @Sendable (String) throws -> Int32
    let control: ClusterControl
    /// The node `@leader` named at the last `kill` or `pause`.
    var leader: String?

    public init(cluster: RunningCluster, children: ChildProcesses, principal: PrincipalService, history: RunHistory,
                restartNode: @escaping @Sendable (String) throws -> Int32) {
        self.cluster = cluster
        self.children = children
        self.principal = principal
        self.history = history
        self.restartNode = restartNode
        control = ClusterControl(cluster: cluster)
    }

    /// Applies one fault now; returns a line describing it (and any node that refused).
    /// A restarted node gets back the link faults it had; `@leader` is resolved now.
    @discardableResult
    public func apply(_ fault: FaultSpec) async -> String {
        let names = await resolve(fault.nodes, for: fault.kind)
        var detail: String
        var note = ""  // for the printed line only
        var problems: [String] = []
        switch fault.kind {
        case .partition:
            problems = await control.partition([names])
            detail = "partition \(names.joined(separator: ",")) from the rest"
        case .cut:
            let from = await resolve(fault.from, for: fault.kind), to = await resolve(fault.to, for: fault.kind)
            problems = await control.cut(from: from, to: to, oneWay: fault.oneWay)
            detail = "cut \(from.joined(separator: ",")) \(fault.oneWay ? "->" : "<->") \(to.joined(separator: ","))"
        case .heal:
            await readLinks("heal")
            let healed = await control.heal()
            problems = healed.problems
            detail = "heal"  // exactly: the checkers close cut-off windows on it
            note = healed.droppedPackets.map { " (the network rules had dropped \($0) packets)" } ?? ""
        case .kill:
            for name in names { children.killNow(name) }
            detail = "kill \(names.joined(separator: ","))"
        case .restart:
            for name in names where !children.isRunning(name) {
                do {
                    _ = try restartNode(name)
                    let data = cluster.file.nodes.first { $0.name == name }?.data ?? ""
                    if let death = await children.startupFailure(of: name, data: data, cluster: cluster) {
                        problems.append("\(name) did not come back: \(death)")
                    } else {
                        problems += await control.reapply(to: name)
                    }
                } catch {
                    problems.append("\(name): \(error)")
                }
            }
            detail = "restart \(names.joined(separator: ","))"
        case .pause, .resume:
            for name in names { children.signal(name, fault.kind == .pause ? SIGSTOP : SIGCONT) }
            detail = "\(fault.kind.rawValue) \(names.joined(separator: ","))"
        case .skew:
            for name in names { problems += await control.send(name, .setClockOffset(ms: fault.ms ?? 0)) }
            detail = "skew \(names.joined(separator: ",")) by \(fault.ms ?? 0) ms"
        case .delay, .drop:
            let delay = UInt64(max(0, fault.ms ?? 0)), jitter = fault.jitterMs ?? 0, loss = fault.perMille ?? 0
            for name in names {
                problems += await control.degrade(name, delayMs: delay, jitterMs: jitter, dropPerMille: loss)
            }
            detail = "delay \(delay) ms ±\(jitter), drop \(loss)‰ on \(names.joined(separator: ","))"
            if await control.layer == "network", loss > 0, delay + jitter > 0 { detail += " (loss in the network, delay in process)" }
        case .fillDisk, .freeDisk, .corruptDb, .truncateDb:
            (detail, problems) = storageFault(fault.kind, names, at: fault.atMs)
        case .revoke:
            detail = await revoke(agent: fault.agent ?? "")
        case .revokeAll:
            detail = await revokeAll(principal: fault.principal ?? "")
        }
        if !problems.isEmpty { detail += " (\(problems.joined(separator: "; ")))" }
        let event = fault.kind == .kill ? "crash" : fault.kind == .restart ? "restart" : nil
        if let event {
            // One event per node, so a restart of two nodes lists both (docs/HISTORY.md).
            for name in names {
                history.record(HistoryEvent(time: history.now, kind: .restart, node: name, detail: event, nodes: names))
            }
        } else {
            let linkNodes = fault.kind == .cut ? fault.from + fault.to : names
            history.record(HistoryEvent(time: history.now, kind: .fault, detail: detail, nodes: linkNodes.isEmpty ? nil : linkNodes,
                                        layer: await layer(of: fault)))
        }
        if fault.kind == .partition || fault.kind == .cut {
            // Messages already on their way (held back by a delay, too) arrive first.
            try? await Task.sleep(for: .milliseconds(300 + Int64(await control.longestDelayMs)))
            await readLinks("cut")
        }
        return detail + note
    }

    /// Fills or frees a node's disk, or damages the database of a node that is down.
    func storageFault(_ kind: FaultKind, _ names: [String], at: UInt64) -> (detail: String, problems: [String]) {
        var done: [String] = [], problems: [String] = []
        for name in names {
            guard let node = cluster.file.nodes.first(where: { $0.name == name }) else { continue }
            do {
                switch kind {
                case .fillDisk:
                    done.append("\(name) +\(try DiskFaults.fill(data: node.data) / 1_024) KiB")
                case .freeDisk:
                    done.append("\(name) -\(DiskFaults.free(data: node.data) / 1_024) KiB")
                default:
                    guard !children.isRunning(name) else {
                        problems.append("\(name) is running: a database is damaged while its node is down (kill it first)")
                        continue
                    }
                    let how: DiskFaults.Damage = kind == .corruptDb ? .garble : .truncate
                    done.append("\(name): \(try DiskFaults.damage(database: node.databasePath, how, seed: at &+ UInt64(node.name.utf8.count)))")
                }
            } catch {
                problems.append("\(name): \(error)")
            }
        }
        return ("\(kind.rawValue) \(names.joined(separator: ","))\(done.isEmpty ? "" : " (\(done.joined(separator: "; ")))")", problems)
    }

    /// Which layer applied a fault: `network` or `process` for link faults, nil for the rest.
    func layer(of fault: FaultSpec) async -> String? {
        switch fault.kind {
        case .partition, .cut, .heal: await control.layer
        case .drop, .delay: (fault.perMille ?? 0) > 0 ? await control.layer : "process"
        default: nil
        }
    }

    /// Records, for every node with cut links, the messages it has received from each peer
    /// (`links` events): `cut` once a cut is in place, `heal` just before it ends (or
    /// `end` when the run ends first). The `faults_honoured` check compares them.
    public func readLinks(_ moment: String) async {
        let network = await control.network
        for (node, status, _) in await cluster.statuses(timeout: .seconds(1)) {
            let peers = network.cutPeers(toward: node)
            guard let status, !peers.isEmpty else { continue }
            let counts = Dictionary(status.received.map { ($0.peer, $0.messages) }, uniquingKeysWith: max)
            history.record(HistoryEvent(time: history.now, kind: .links, node: node, detail: moment, nodes: peers, counts: counts))
        }
    }

    /// Node names, with `@leader` and `@all` resolved now. `@leader` is the proposer of
    /// the height then running; for `restart` and `resume` it is the node `@leader` named
    /// at the last `kill` or `pause`, so that the node taken down comes back.
    func resolve(_ targets: [String], for kind: FaultKind) async -> [String] {
        var names: [String] = []
        for target in targets {
            switch target {
            case "@all":
                names += cluster.topology.nodes.map(\.name)
            case "@leader" where (kind == .restart || kind == .resume) && leader != nil:
                names.append(leader!)
            case "@leader":
                let statuses = await cluster.statuses(timeout: .seconds(1)).compactMap(\.status)
                let current = statuses.max { ($0.height, $0.round) < ($1.height, $1.round) }
                let name = current.flatMap { cluster.keys.nodeName(of: $0.proposer) } ?? cluster.topology.nodes.first!.name
                if kind == .kill || kind == .pause { leader = name }
                names.append(name)
            default:
                names.append(target)
            }
        }
        return names
    }

    /// The agent's principal revokes the agent's latest session.
    func revoke(agent name: String) async -> String {
        guard let spec = cluster.topology.agent(named: name), let session = await principal.session(of: name) else {
            return "revoke \(name): it has no session yet"
        }
        guard let key = try? cluster.keys.secret(spec.principal) else { return "revoke \(name): no key for \(spec.principal)" }
        let bytes = Envelope.seal(Revoke(nonce: await principal.nextNonce(spec.principal), session: session), by: key).encoded
        let outcome = await order(bytes)
        if outcome.accepted { await principal.markRevoked(session) }
        return "revoke \(name)'s session \(session.short): \(outcome.line)"
    }

    /// A principal revokes every session it granted.
    func revokeAll(principal name: String) async -> String {
        guard let key = try? cluster.keys.secret(name) else { return "revoke-all \(name): no key for \(name)" }
        let bytes = Envelope.seal(RevokeAll(nonce: await principal.nextNonce(name)), by: key).encoded
        let outcome = await order(bytes)
        if outcome.accepted { await principal.markAllRevoked(by: name) }
        return "revoke-all of \(name): \(outcome.line)"
    }

    /// Orders a principal's request through any node, recording the request and its
    /// outcome: ok, fail with its reason, or unknown with `timeout` when no block
    /// carried it in time.
    func order(_ bytes: [UInt8]) async -> (accepted: Bool, line: String) {
        let id = Blake2b.hash(bytes)
        history.record(HistoryEvent(time: history.now, kind: .request, node: cluster.clients.first?.name, request: id.hex,
                                    bytes: Hex.encode(bytes)))
        do throws(CoordinatorError) {
            let (node, answer) = try await cluster.order(bytes)
            switch answer {
            case .result(let result):
                history.record(HistoryEvent(time: history.now, kind: .ack, node: node, request: id.hex,
                                            outcome: result.outcome.accepted ? "ok" : "fail", reason: result.outcome.reason?.name,
                                            height: result.height))
                return (result.outcome.accepted, "\(result.outcome.accepted ? "committed" : result.outcome.reason?.name ?? "rejected") at height \(result.height)")
            case .error(let error):
                let timedOut = error.reason == .timeout
                history.record(HistoryEvent(time: history.now, kind: .ack, node: node, request: id.hex,
                                            outcome: timedOut ? "unknown" : "fail", reason: error.reason.name))
                return (false, timedOut ? "not committed in time (timeout; it may still commit)" : "refused by \(node): \(error.reason.name)")
            default:
                history.record(HistoryEvent(time: history.now, kind: .ack, node: node, request: id.hex, outcome: "unknown"))
                return (false, "\(node) answered a \(answer.kind.name)")
            }
        } catch {
            history.record(HistoryEvent(time: history.now, kind: .ack, request: id.hex, outcome: "unknown", reason: ReasonCode.timeout.name))
            return (false, "no node answered (timeout): \(error.message)")
        }
    }
}
