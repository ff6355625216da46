import ArgumentParser
import WarrantCoordinator
import WarrantCrypto
import WarrantWire

/// Who signs an ordered request by hand, with which nonce, sent to which node.
struct SignerOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "The signer: a principal (or, for sub-delegation and revocation, an ancestor session's key), by name in the keys directory or as a .key file.")
    var principal: String
    @Option(help: "Nonce (default: the wall clock in ms, unique enough for hand use).") var nonce: UInt64?
    @Option(help: "The node to send it to (others are tried if it does not answer).") var node: String?

    /// Orders `body`, prints the answer (`accepted` on success) and exits 1 unless accepted.
    func submit<B: WireBody>(_ body: B, in cluster: ClusterOptions, _ running: RunningCluster,
                             accepted: (OrderedAnswer) -> String) async throws {
        let answer = try await running.submit(body, by: try running.secretKey(principal), node: node)
        try cluster.show(answer.accepted ? accepted(answer) : answer.failureLine, json: answer)
        if !answer.accepted { throw ExitCode(1) }
    }
}

struct GrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grant", abstract: "Grant a session to an agent's key, as a principal.")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var signer: SignerOptions
    @Option(help: "The session key: an agent's name, a .pub file or 64 hex digits.") var agent: String
    @Option(help: "Allowed operations, comma-separated.") var ops: String
    @Option(help: "Allowed resource patterns, comma-separated (files/*, mail/outbox, *).") var resources: String
    @Option(help: "Time to live, ms from now.") var ttlMs: UInt64
    @Option(help: "Total amount the session may spend.") var budget: UInt64 = 1_000
    @Option(help: "Most amount one act may spend.") var maxAmount: UInt64?
    @Option(help: "Most acts in all.") var maxUses: UInt64?
    @Option(help: "A parent session id to sub-delegate from (64 hex digits or an unambiguous prefix); then --as is the parent's session key.")
    var parent: String?

    func run() async throws {
        let running = try cluster.cluster()
        let grant = try await running.grant(agent: agent, operations: ops.split(separator: ",").map(String.init),
                                            resources: resources.split(separator: ",").map(String.init), ttlMs: ttlMs, budget: budget,
                                            maxAmount: maxAmount, maxUses: maxUses, parent: parent, nonce: signer.nonce, nowMs: wallClockMs)
        try await signer.submit(grant, in: cluster, running) {
            "granted: session \($0.request)\n  committed at height \($0.height ?? 0); expires in \(ttlMs) ms"
        }
    }
}

struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a session (and every session delegated from it).")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var signer: SignerOptions
    @Option(help: "The session id: 64 hex digits as `grant` printed it, or any unambiguous prefix (as `sessions` prints).")
    var session: String?
    @Option(help: "Instead of --session: every live, unrevoked session held by this key (an agent's name, .pub file or hex key).")
    var agent: String?

    func validate() throws {
        guard (session == nil) != (agent == nil) else { throw ValidationError("name what to revoke: --session ID or --agent KEY") }
    }

    func run() async throws {
        let running = try cluster.cluster()
        let ids = try await running.sessionsToRevoke(session: session, agent: agent, nowMs: wallClockMs)
        for (offset, id) in ids.enumerated() {
            try await signer.submit(Revoke(nonce: (signer.nonce ?? wallClockMs) + UInt64(offset), session: id), in: cluster, running) {
                "revoked: session \(id.short) at height \($0.height ?? 0)"
            }
        }
    }
}

struct RevokeAllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-all", abstract: "Revoke every session a principal has granted so far.")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var signer: SignerOptions

    func run() async throws {
        try await signer.submit(RevokeAll(nonce: signer.nonce ?? wallClockMs), in: cluster, try cluster.cluster()) {
            "revoked every earlier session of \(signer.principal) at height \($0.height ?? 0)"
        }
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask nodes whether a key may do something now; or, given a run's directory, judge that run again offline.",
        discussion: """
            check --dir CLUSTER --agent KEY --op OP --resource R   asks every node of a running cluster (answered locally).
            check RUN_DIR                                          re-runs every checker over RUN_DIR/history.jsonl and prints the verdict.
            """)
    @Argument(help: "A recorded run's directory, to judge again offline.") var runDirectory: String?
    @OptionGroup var cluster: ClusterOptions
    @Option(help: "The acting key: an agent's name, a .pub file or 64 hex digits.") var agent: String?
    @Option(help: "The operation.") var op: String?
    @Option(help: "The resource.") var resource: String?
    @Option(help: "The amount the act would spend.") var amount: UInt64 = 0
    @Option(help: "Ask only this node (default: every node).") var node: String?

    func run() async throws {
        if let runDirectory {
            let verdict = try RunRecord.rejudge(runDirectory)
            try cluster.show(verdict.table, json: verdict)
            return try exitWith(verdict.passed ? 0 : 1)
        }
        guard let agent, let op, let resource else {
            throw ValidationError("check needs --agent, --op and --resource (or a run directory to judge)")
        }
        let running = try cluster.cluster()
        let rows = try await running.check(Check(sessionKey: try running.publicKey(agent), operation: op, resource: resource, amount: amount), node: node)
        try cluster.show(rows.map(\.line).joined(separator: "\n"), json: rows)
        try exitWith(CheckRow.exitCode(rows))
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Ask every node how it is: height, round, last block, peers.")
    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let running = try cluster.cluster()
        let statuses = await running.statuses()
        try cluster.show(HandReport.statusTable(statuses, cluster: running), json: statuses.map(StatusRow.init))
        if statuses.contains(where: { $0.status == nil }) && !cluster.json { throw ExitCode(1) }
    }
}

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sessions", abstract: "List sessions as one node's applied state holds them.")
    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Only sessions granted under this principal (a name, .pub file or hex key).") var principal: String?
    @Option(help: "Only sessions of this key (an agent's name, .pub file or hex key).") var agent: String?
    @Option(help: "The node to ask (default: the first that answers).") var node: String?

    func run() async throws {
        let running = try cluster.cluster()
        let query = SessionQuery(sessionKey: try agent.map(running.publicKey), principal: try principal.map(running.publicKey))
        let (answeredBy, list) = try await running.sessionList(query, node: node)
        try cluster.show(HandReport.sessions(list, node: answeredBy, nowMs: wallClockMs), json: list)
    }
}
