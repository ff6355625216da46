import ArgumentParser
import Foundation
import WarrantCoordinator
import WarrantCrypto
import WarrantWire

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask nodes whether a key may do something now; or, given a run's directory, judge that run again offline.",
        discussion: """
            check --dir CLUSTER --agent KEY --op OP --resource R   asks every node of a running cluster (answered locally).
            check RUN_DIR                                          re-runs every checker over RUN_DIR/history.jsonl and prints the verdict.
            """)

    @Argument(help: "A recorded run's directory, to judge again offline.")
    var runDirectory: String?
    @OptionGroup var cluster: ClusterOptions
    @Option(help: "The acting key: an agent's name, a .pub file or 64 hex digits.")
    var agent: String?
    @Option(help: "The operation.")
    var op: String?
    @Option(help: "The resource.")
    var resource: String?
    @Option(help: "The amount the act would spend.")
    var amount: UInt64 = 0
    @Option(help: "Ask only this node (default: every node).")
    var node: String?

    struct Row: Encodable {
        var node: String
        var answer: CheckAnswer?
        var problem: String?
    }

    func run() async throws {
        if let runDirectory { return try await judgeRun(runDirectory, json: cluster.json) }
        guard let agent, let op, let resource else {
            throw ValidationError("check needs --agent, --op and --resource (or a run directory to judge)")
        }
        let running = try cluster.cluster()
        let question = Check(sessionKey: try publicKey(agent, cluster: running), operation: op, resource: resource, amount: amount)
        let targets = try node.map { [try running.client($0)] } ?? running.clients
        var rows: [Row] = []
        for client in targets {
            do throws(CoordinatorError) {
                let answer = try await client.ask(question, signedBy: running.coordinator, timeout: .seconds(5))
                guard case .checkAnswer(let check) = answer else { throw CoordinatorError(.unreachable, "answered a \(answer.kind.name)") }
                rows.append(Row(node: client.name, answer: check))
            } catch {
                rows.append(Row(node: client.name, problem: error.message))
            }
        }
        if cluster.json {
            try printJSON(rows)
            return try CheckCommand.exit(for: rows)
        }
        for row in rows {
            guard let a = row.answer else {
                print("\(row.node)  no answer: \(row.problem ?? "")")
                continue
            }
            let verdict = a.allowed ? "allow" : "deny  \(a.reason?.name ?? "")"
            let left = a.timeLeftMs.map { "  \($0) ms left" } ?? ""
            let quorum = a.sinceQuorumMs.map { "quorum \($0) ms ago" } ?? "no quorum since start"
            print("\(row.node)  \(verdict)  (height \(a.height), \(quorum), last block \(a.sinceLastBlockMs) ms ago)\(left)")
        }
        try CheckCommand.exit(for: rows)
    }

    /// Exit codes scripts can use: 0 every node asked allowed, 1 some node denied, 2 some
    /// node did not answer (README, *Exit codes*).
    static func exit(for rows: [Row]) throws {
        if rows.contains(where: { $0.answer == nil }) { throw ExitCode(2) }
        if rows.contains(where: { $0.answer?.allowed == false }) { throw ExitCode(1) }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Ask every node how it is: height, round, last block, peers.")

    @OptionGroup var cluster: ClusterOptions

    struct Row: Encodable {
        var node: String
        var status: NodeStatus?
        var problem: String?
    }

    func run() async throws {
        let running = try cluster.cluster()
        let rows = await running.statuses().map { Row(node: $0.node, status: $0.status, problem: $0.problem) }
        if cluster.json { return try printJSON(rows) }
        print(statusTable(rows.map { ($0.node, $0.status, $0.problem) }, keys: running))
        if rows.contains(where: { $0.status == nil }) { throw ExitCode(1) }
    }
}

/// The status of every node as text, one line each.
func statusTable(_ rows: [(String, NodeStatus?, String?)], keys running: RunningCluster) -> String {
    rows.map { node, status, problem in
        guard let s = status else { return "\(node)  down: \(problem ?? "")" }
        let proposer = running.keys.nodeName(of: s.proposer) ?? s.proposer.short
        return "\(node)  \(freshness(s))  \(clock(s))  height \(s.height)  round \(s.round) \(s.step)  last block \(s.sinceLastBlockMs) ms ago  sessions \(s.sessions)  peers \(s.peersSeen.joined(separator: ","))  proposer \(proposer)\(s.paused ? "  PAUSED" : "")"
    }.joined(separator: "\n")
}

/// "fresh (quorum 120 ms ago)", "STALE (no quorum for 7.3 s)" or "STALE since start".
func freshness(_ s: NodeStatus) -> String {
    guard let since = s.sinceQuorumMs else { return "STALE since start" }
    return s.fresh ? "fresh (quorum \(since) ms ago)" : String(format: "STALE (no quorum for %.1f s)", Double(since) / 1_000)
}

/// "clock +3 ms" when f + 1 validators vouch for it, else "CLOCK NOT VOUCHED FOR (-1500 ms)".
func clock(_ s: NodeStatus) -> String {
    let offset = s.clockOffsetMs.map { "\($0 >= 0 ? "+" : "")\($0) ms" } ?? "no readings"
    return s.clockVouched ? "clock \(offset)" : "CLOCK NOT VOUCHED FOR (\(offset))"
}

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sessions", abstract: "List sessions as one node's applied state holds them.")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Only sessions granted under this principal (a name, .pub file or hex key).")
    var principal: String?
    @Option(help: "Only sessions of this key (an agent's name, .pub file or hex key).")
    var agent: String?
    @Option(help: "The node to ask (default: the first that answers).")
    var node: String?

    func run() async throws {
        let running = try cluster.cluster()
        let query = SessionQuery(sessionKey: try agent.map { try publicKey($0, cluster: running) },
                                 principal: try principal.map { try publicKey($0, cluster: running) })
        let targets = try node.map { [try running.client($0)] } ?? running.clients
        for client in targets {
            guard let answer = try? await client.ask(query, signedBy: running.coordinator, timeout: .seconds(5)),
                  case .sessionList(let list) = answer else { continue }
            if cluster.json { return try printJSON(list) }
            // Short ids are enough for revoke --session and grant --parent (any unambiguous prefix).
            let now = wallClockMs
            print("\(list.sessions.count) sessions on \(client.name)\(list.truncated ? " (truncated)" : "")")
            for s in list.sessions {
                let state = s.revoked ? "revoked" : (s.expiresAt <= now ? "expired" : "live, \(s.expiresAt - now) ms left")
                print("\(s.id.short)  key \(s.sessionKey.short)  \(s.operations.joined(separator: ",")) on \(s.resources.joined(separator: ","))  spent \(s.spent)/\(s.budget)  \(state)")
            }
            return
        }
        throw CommandFailure("no node answered")
    }
}

/// A session id given as 64 hex digits, or as any unambiguous prefix of one (at least 4
/// hex digits, as `sessions` prints 8), resolved against a node's session list.
func resolveSession(_ text: String, option: String, cluster: RunningCluster) async throws -> Digest {
    if let id = try? Digest(hex: text) { return id }
    let prefix = text.lowercased()
    guard prefix.count >= 4, prefix.count < 64, prefix.allSatisfy({ $0.isHexDigit }) else {
        throw ValidationError("\(option) '\(text)' is neither a session id (64 hex digits) nor a prefix of one (4 or more hex digits)")
    }
    for client in cluster.clients {
        guard let answer = try? await client.ask(SessionQuery(), signedBy: cluster.coordinator, timeout: .seconds(5)),
              case .sessionList(let list) = answer else { continue }
        let matches = list.sessions.filter { $0.id.hex.hasPrefix(prefix) }
        switch matches.count {
        case 1: return matches[0].id
        case 0: throw CommandFailure("\(option) \(text): no session of \(client.name)'s \(list.sessions.count)\(list.truncated ? " (a truncated list)" : "") starts with it; `sessions` lists them")
        default: throw CommandFailure("\(option) \(text) is ambiguous: \(matches.count) sessions start with it (\(matches.prefix(4).map { $0.id.hex.prefix(12) }.joined(separator: ", ")), …); give more digits")
        }
    }
    throw CommandFailure("\(option) \(text): no node answered the session query")
}
