import Foundation
import WarrantCheck
import WarrantCrypto
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
    /// The node `@leader` named when first resolved.
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
    @discardableResult
    public func apply(_ fault: FaultSpec) async -> String {
        let names = await resolve(fault.nodes)
        var detail: String
        var problems: [String] = []
        switch fault.kind {
        case .partition:
            problems = await control.partition([names])
            detail = "partition \(names.joined(separator: ",")) from the rest"
        case .heal:
            problems = await control.heal()
            detail = "heal"
        case .kill:
            for name in names { children.killNow(name) }
            detail = "kill \(names.joined(separator: ","))"
        case .restart:
            for name in names where !children.isRunning(name) {
                do { _ = try restartNode(name) } catch { problems.append("\(name): \(error)") }
            }
            detail = "restart \(names.joined(separator: ","))"
        case .pause, .resume:
            for name in names { children.signal(name, fault.kind == .pause ? SIGSTOP : SIGCONT) }
            detail = "\(fault.kind.rawValue) \(names.joined(separator: ","))"
        case .skew:
            for name in names { problems += await control.send(name, .setClockOffset(ms: fault.ms ?? 0)) }
            detail = "skew \(names.joined(separator: ",")) by \(fault.ms ?? 0) ms"
        case .delay, .drop:
            for name in names {
                problems += await control.degrade(name, delayMs: UInt64(max(0, fault.ms ?? 0)), dropPerMille: fault.perMille ?? 0)
            }
            detail = fault.kind == .delay ? "delay \(fault.ms ?? 0) ms on \(names.joined(separator: ","))"
                : "drop \(fault.perMille ?? 0)‰ on \(names.joined(separator: ","))"
        case .revoke:
            detail = await revoke(agent: fault.agent ?? "")
        }
        if !problems.isEmpty { detail += " (\(problems.joined(separator: "; ")))" }
        history.record(HistoryEvent(time: history.now, kind: fault.kind == .kill ? .restart : .fault,
                                    node: fault.kind == .kill || fault.kind == .restart ? names.first : nil,
                                    detail: fault.kind == .kill ? "crash" : fault.kind == .restart ? "restart" : detail,
                                    nodes: names.isEmpty ? nil : names))
        return detail
    }

    /// Node names, with `@leader` and `@all` resolved now. `@leader` keeps the node chosen
    /// the first time, so a later `restart` of `@leader` restarts the node that was killed.
    func resolve(_ targets: [String]) async -> [String] {
        var names: [String] = []
        for target in targets {
            switch target {
            case "@all":
                names += cluster.topology.nodes.map(\.name)
            case "@leader":
                if leader == nil {
                    let statuses = await cluster.statuses(timeout: .seconds(1)).compactMap(\.status)
                    leader = statuses.max { $0.height < $1.height }.flatMap { cluster.keys.nodeName(of: $0.proposer) }
                        ?? cluster.topology.nodes.first?.name
                }
                names.append(leader!)
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
        let id = Blake2b.hash(bytes)
        history.record(HistoryEvent(time: history.now, kind: .request, node: cluster.clients.first?.name, request: id.hex,
                                    bytes: Hex.encode(bytes)))
        do throws(CoordinatorError) {
            let (node, answer) = try await cluster.order(bytes)
            if case .result(let result) = answer {
                if result.outcome.accepted { await principal.markRevoked(session) }
                history.record(HistoryEvent(time: history.now, kind: .ack, node: node, request: id.hex,
                                            outcome: result.outcome.accepted ? "ok" : "fail", reason: result.outcome.reason?.name,
                                            height: result.height))
                return "revoke \(name)'s session \(session.short): \(result.outcome.accepted ? "committed" : result.outcome.reason?.name ?? "rejected") at height \(result.height)"
            }
            return "revoke \(name): \(node) answered a \(answer.kind.name)"
        } catch {
            history.record(HistoryEvent(time: history.now, kind: .ack, request: id.hex, outcome: "unknown"))
            return "revoke \(name): \(error.message)"
        }
    }
}
