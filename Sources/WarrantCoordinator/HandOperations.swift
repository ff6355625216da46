import Foundation
import WarrantCrypto
import WarrantWire

/// What the hand commands (`grant`, `revoke`, `check`, `sessions`, `status`) do against a
/// running cluster, here where tests reach it; the executable only parses and prints.
extension RunningCluster {
    /// The cluster in `directory`. When the directory exists but holds no cluster.json of
    /// a live cluster yet — none, or one an earlier `up` left whose nodes are all gone
    /// (`up` replaces it once every node answers) — waits for one up to 30 s; `notice` is
    /// told once that it waits.
    public static func open(directory: String, notice: (String) -> Void = { _ in }) throws(CoordinatorError) -> RunningCluster {
        // `up … &` may not have made the directory yet when the next command runs.
        let appears = Date().addingTimeInterval(2)
        while !FileManager.default.fileExists(atPath: directory), Date() < appears { Thread.sleep(forTimeInterval: 0.1) }
        func live() -> Bool {
            guard let file = try? ClusterFile.read(from: directory) else { return false }
            return file.nodes.contains { kill($0.pid, 0) == 0 }
        }
        if FileManager.default.fileExists(atPath: directory), !live() {
            notice("waiting for \(ClusterFile.path(in: directory)) of a running cluster: is `warrant-coordinator up` still starting?")
            let deadline = Date().addingTimeInterval(30)
            while !live(), Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        }
        let cluster = try RunningCluster(directory: directory)
        // A `--netns` cluster is reachable only from its bridge's namespace: go there first.
        if let layout = cluster.file.netns, !Netns.isInside(layout.bridge) {
            try Netns.requireTools()
            try Netns.enter(layout.bridge)
        }
        return cluster
    }

    /// A secret key given by path, or by name in the cluster's keys directory.
    public func secretKey(_ nameOrPath: String) throws(CoordinatorError) -> SigningKey {
        let path = nameOrPath.contains("/") || nameOrPath.hasSuffix(".key") ? nameOrPath : "\(file.keys)/\(nameOrPath).key"
        do {
            return try KeyFile.readSecret(at: path)
        } catch {
            throw CoordinatorError(.badFile, "\(error)")
        }
    }

    /// A public key: 64 hex digits, a `.pub` file, or a name in the keys directory.
    public func publicKey(_ text: String) throws(CoordinatorError) -> PublicKey {
        if let key = try? PublicKey(hex: text) { return key }
        let path = text.contains("/") || text.hasSuffix(".pub") ? text : "\(file.keys)/\(text).pub"
        do {
            return try KeyFile.readPublic(at: path)
        } catch {
            throw CoordinatorError(.badFile, "'\(text)' is neither 64 hex digits nor a readable public key file: \(error)")
        }
    }

    /// The first node's answer to a session query (nodes that do not answer are skipped).
    public func sessionList(_ query: SessionQuery = SessionQuery(), node: String? = nil) async throws(CoordinatorError) -> (node: String, list: SessionList) {
        let targets = try node.map { name throws(CoordinatorError) in [try client(name)] } ?? clients
        for client in targets {
            guard let answer = try? await client.ask(query, signedBy: coordinator, timeout: .seconds(5)),
                  case .sessionList(let list) = answer else { continue }
            return (client.name, list)
        }
        throw CoordinatorError(.unreachable, "no node answered the session query")
    }

    /// The sessions a key holds that are neither expired nor revoked, as one node sees them.
    public func liveSessions(of key: PublicKey, nowMs: UInt64) async throws(CoordinatorError) -> [Digest] {
        try await sessionList(SessionQuery(sessionKey: key)).list.sessions.filter { !$0.revoked && $0.expiresAt > nowMs }.map(\.id)
    }

    /// A session id given as 64 hex digits, or as any unambiguous prefix of one (at least 4
    /// hex digits, as `sessions` prints 8), resolved against a node's session list.
    public func resolveSession(_ text: String, option: String) async throws(CoordinatorError) -> Digest {
        if let id = try? Digest(hex: text) { return id }
        let prefix = text.lowercased()
        guard prefix.count >= 4, prefix.count < 64, prefix.allSatisfy({ $0.isHexDigit }) else {
            throw CoordinatorError(.badInput, "\(option) '\(text)' is neither a session id (64 hex digits) nor a prefix of one (4 or more hex digits)")
        }
        let (node, list): (String, SessionList)
        do {
            (node, list) = try await sessionList()
        } catch {
            throw CoordinatorError(.unreachable, "\(option) \(text): no node answered the session query")
        }
        let matches = list.sessions.filter { $0.id.hex.hasPrefix(prefix) }
        switch matches.count {
        case 1: return matches[0].id
        case 0: throw CoordinatorError(.badInput, "\(option) \(text): no session of \(node)'s \(list.sessions.count)\(list.truncated ? " (a truncated list)" : "") starts with it; `sessions` lists them")
        default: throw CoordinatorError(.badInput, "\(option) \(text) is ambiguous: \(matches.count) sessions start with it (\(matches.prefix(4).map { $0.id.hex.prefix(12) }.joined(separator: ", ")), …); give more digits")
        }
    }

    /// The grant `grant` sends: to `agent` (a name, .pub file or hex key), from now for
    /// `ttlMs`, sub-delegated from `parent` (an id or unambiguous prefix) when given.
    public func grant(agent: String, operations: [String], resources: [String], ttlMs: UInt64, budget: UInt64, maxAmount: UInt64?,
                      maxUses: UInt64?, parent: String?, nonce: UInt64?, nowMs: UInt64) async throws(CoordinatorError) -> Grant {
        var parentID: Digest?
        if let parent { parentID = try await resolveSession(parent, option: "--parent") }
        return Grant(nonce: nonce ?? nowMs, sessionKey: try publicKey(agent),
                     scope: Scope(operations: operations, resources: resources, maxAmount: maxAmount),
                     notBefore: nowMs, expiresAt: nowMs + ttlMs, budget: budget, maxUses: maxUses, parent: parentID)
    }

    /// What `revoke` revokes: one session (an id or prefix), or every live, unrevoked
    /// session `agent` holds (none is an error).
    public func sessionsToRevoke(session: String?, agent: String?, nowMs: UInt64) async throws(CoordinatorError) -> [Digest] {
        if let session { return [try await resolveSession(session, option: "--session")] }
        guard let agent else { return [] }
        let ids = try await liveSessions(of: try publicKey(agent), nowMs: nowMs)
        guard !ids.isEmpty else { throw CoordinatorError(.badInput, "\(agent) holds no live, unrevoked session") }
        return ids
    }

    /// Seals and orders one request; the answer as `grant`/`revoke` report it.
    public func submit<B: WireBody>(_ body: B, by key: SigningKey, node: String?) async throws(CoordinatorError) -> OrderedAnswer {
        let sealed = Envelope.seal(body, by: key).encoded
        let id = Blake2b.hash(sealed)
        let (answeredBy, answer) = try await order(sealed, preferred: node)
        switch answer {
        case .result(let result):
            return OrderedAnswer(request: id.hex, node: answeredBy, accepted: result.outcome.accepted,
                                 reason: result.outcome.reason?.name, height: result.height, blockTimeMs: result.blockTimeMs)
        case .error(let error):
            return OrderedAnswer(request: id.hex, node: answeredBy, accepted: false, reason: error.reason.name, error: error.message)
        default:
            throw CoordinatorError(.unreachable, "\(answeredBy) answered with a \(answer.kind.name)")
        }
    }

    /// Asks `node` (or every node) whether a key may do something now, answered locally.
    public func check(_ question: Check, node: String?) async throws(CoordinatorError) -> [CheckRow] {
        let targets = try node.map { name throws(CoordinatorError) in [try client(name)] } ?? clients
        var rows: [CheckRow] = []
        for client in targets {
            do throws(CoordinatorError) {
                let answer = try await client.ask(question, signedBy: coordinator, timeout: .seconds(5))
                guard case .checkAnswer(let check) = answer else { throw CoordinatorError(.unreachable, "answered a \(answer.kind.name)") }
                rows.append(CheckRow(node: client.name, answer: check))
            } catch {
                rows.append(CheckRow(node: client.name, problem: error.message))
            }
        }
        return rows
    }
}

/// A node's answer to an ordered request sent by hand (`--json` prints it as is).
public struct OrderedAnswer: Encodable, Sendable {
    public var request: String
    public var node: String
    public var accepted: Bool
    public var reason: String?
    public var height: UInt64?
    public var blockTimeMs: UInt64?
    public var error: String?

    /// One line for a rejection or refusal (`grant` and `revoke` print their own on success).
    public var failureLine: String {
        if let error { return "refused by \(node): \(reason ?? "?"): \(error)" }
        return "rejected at height \(height ?? 0): \(reason ?? "?") (request \(request.prefix(8)), answered by \(node))"
    }
}

/// One node's status, or why it gave none (`status --json` prints a list of them).
public struct StatusRow: Encodable, Sendable {
    public var node: String
    public var status: NodeStatus?
    public var problem: String?

    public init(_ row: (node: String, status: NodeStatus?, problem: String?)) {
        (node, status, problem) = row
    }
}

/// One node's answer to a `check` (or why it gave none).
public struct CheckRow: Encodable, Sendable {
    public var node: String
    public var answer: CheckAnswer?
    public var problem: String?

    public var line: String {
        guard let a = answer else { return "\(node)  no answer: \(problem ?? "")" }
        let verdict = a.allowed ? "allow" : "deny  \(a.reason?.name ?? "")"
        let left = a.timeLeftMs.map { "  \($0) ms left" } ?? ""
        let quorum = a.sinceQuorumMs.map { "quorum \($0) ms ago" } ?? "no quorum since start"
        return "\(node)  \(verdict)  (height \(a.height), \(quorum), last block \(a.sinceLastBlockMs) ms ago)\(left)"
    }

    /// Exit codes scripts can use: 0 every node asked allowed, 1 some node denied, 2 some
    /// node did not answer (README, *Exit codes*).
    public static func exitCode(_ rows: [CheckRow]) -> Int32 {
        if rows.contains(where: { $0.answer == nil }) { return 2 }
        return rows.contains { $0.answer?.allowed == false } ? 1 : 0
    }
}

/// The hand commands' text forms.
public enum HandReport {
    /// The status of every node, one line each.
    public static func statusTable(_ rows: [(node: String, status: NodeStatus?, problem: String?)], cluster: RunningCluster) -> String {
        rows.map { node, status, problem in
            guard let s = status else { return "\(node)  down: \(problem ?? "")" }
            let proposer = cluster.keys.nodeName(of: s.proposer) ?? s.proposer.short
            return "\(node)  \(freshness(s))  \(clock(s))  height \(s.height)  round \(s.round) \(s.step)  last block \(s.sinceLastBlockMs) ms ago  sessions \(s.sessions)  peers \(s.peersSeen.joined(separator: ","))  proposer \(proposer)\(s.paused ? "  PAUSED" : "")"
        }.joined(separator: "\n")
    }

    /// "fresh (quorum 120 ms ago)", "STALE (no quorum for 7.3 s)" or "STALE since start".
    static func freshness(_ s: NodeStatus) -> String {
        guard let since = s.sinceQuorumMs else { return "STALE since start" }
        return s.fresh ? "fresh (quorum \(since) ms ago)" : String(format: "STALE (no quorum for %.1f s)", Double(since) / 1_000)
    }

    /// "clock +3 ms" when f + 1 validators vouch for it, else "CLOCK NOT VOUCHED FOR (-1500 ms)".
    static func clock(_ s: NodeStatus) -> String {
        let offset = s.clockOffsetMs.map { "\($0 >= 0 ? "+" : "")\($0) ms" } ?? "no readings"
        return s.clockVouched ? "clock \(offset)" : "CLOCK NOT VOUCHED FOR (\(offset))"
    }

    /// A session list as `sessions` prints it; short ids are enough for `revoke --session`
    /// and `grant --parent` (any unambiguous prefix).
    public static func sessions(_ list: SessionList, node: String, nowMs: UInt64) -> String {
        var lines = ["\(list.sessions.count) sessions on \(node)\(list.truncated ? " (truncated)" : "")"]
        for s in list.sessions {
            let state = s.revoked ? "revoked" : (s.expiresAt <= nowMs ? "expired" : "live, \(s.expiresAt - nowMs) ms left")
            lines.append("\(s.id.short)  key \(s.sessionKey.short)  \(s.operations.joined(separator: ",")) on \(s.resources.joined(separator: ","))  spent \(s.spent)/\(s.budget)  \(state)")
        }
        return lines.joined(separator: "\n")
    }

    /// JSON as the `--json` flags print it.
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
