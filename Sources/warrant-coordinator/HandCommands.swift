import ArgumentParser
import Foundation
import WarrantCoordinator
import WarrantCrypto
import WarrantWire

/// Options every hand command shares: the cluster directory and the output form.
struct ClusterOptions: ParsableArguments {
    @Option(help: "The cluster directory (holding cluster.json), as given to `up` or `run`.")
    var dir: String = "cluster"

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// The running cluster. When the directory exists but its cluster.json does not yet
    /// (`up` writes it once every node answers), waits for it up to 30 s.
    func cluster() throws -> RunningCluster {
        let file = ClusterFile.path(in: dir)
        // `up … &` may not have made the directory yet when the next command runs.
        let appears = Date().addingTimeInterval(2)
        while !FileManager.default.fileExists(atPath: dir), Date() < appears { Thread.sleep(forTimeInterval: 0.1) }
        if !FileManager.default.fileExists(atPath: file), FileManager.default.fileExists(atPath: dir) {
            FileHandle.standardError.write(Data("waiting for \(file): is `warrant-coordinator up` still starting?\n".utf8))
            let deadline = Date().addingTimeInterval(30)
            while !FileManager.default.fileExists(atPath: file), Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        }
        do {
            return try RunningCluster(directory: dir)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// Who signs an ordered request by hand, with which nonce, sent to which node.
struct SignerOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "The signer: a principal (or, for sub-delegation and revocation, an ancestor session's key), by name in the keys directory or as a .key file.")
    var principal: String
    @Option(help: "Nonce (default: the wall clock in ms, unique enough for hand use).")
    var nonce: UInt64?
    @Option(help: "The node to send it to (others are tried if it does not answer).")
    var node: String?

    func key(_ cluster: RunningCluster) throws -> SigningKey { try secretKey(principal, cluster: cluster) }
}

/// A key file given by path, or by name in the cluster's keys directory.
func secretKey(_ nameOrPath: String, cluster: RunningCluster) throws -> SigningKey {
    let path = nameOrPath.contains("/") || nameOrPath.hasSuffix(".key") ? nameOrPath : "\(cluster.file.keys)/\(nameOrPath).key"
    do {
        return try KeyFile.readSecret(at: path)
    } catch {
        throw CommandFailure("\(error)")
    }
}

/// A public key: 64 hex digits, a `.pub` file, or a name in the keys directory.
func publicKey(_ text: String, cluster: RunningCluster) throws -> PublicKey {
    if let key = try? PublicKey(hex: text) { return key }
    let path = text.contains("/") || text.hasSuffix(".pub") ? text : "\(cluster.file.keys)/\(text).pub"
    do {
        return try KeyFile.readPublic(at: path)
    } catch {
        throw ValidationError("'\(text)' is neither 64 hex digits nor a readable public key file: \(error)")
    }
}

func printJSON(_ value: some Encodable) throws {
    print(try prettyJSON(value))
}

/// Sends an ordered request and reports the node's answer; exits 1 if it was rejected or
/// refused.
func submit<B: WireBody>(_ body: B, by key: SigningKey, to cluster: RunningCluster, node: String?, json: Bool,
                         describe: (RequestResult, Digest) -> String) async throws {
    let sealed = Envelope.seal(body, by: key).encoded
    let id = Blake2b.hash(sealed)
    let (answeredBy, answer) = try await cluster.order(sealed, preferred: node)
    switch answer {
    case .result(let result):
        if json {
            try printJSON(OrderedAnswer(request: id.hex, node: answeredBy, accepted: result.outcome.accepted,
                                        reason: result.outcome.reason?.name, height: result.height, blockTimeMs: result.blockTimeMs))
        } else if result.outcome.accepted {
            print(describe(result, id))
        } else {
            print("rejected at height \(result.height): \(result.outcome.reason?.name ?? "?") (request \(id.short), answered by \(answeredBy))")
        }
        if !result.outcome.accepted { throw ExitCode(1) }
    case .error(let error):
        if json {
            try printJSON(OrderedAnswer(request: id.hex, node: answeredBy, accepted: false, reason: error.reason.name, error: error.message))
        } else {
            print("refused by \(answeredBy): \(error.reason.name): \(error.message)")
        }
        throw ExitCode(1)
    default:
        throw CommandFailure("\(answeredBy) answered with a \(answer.kind.name)")
    }
}

struct OrderedAnswer: Encodable {
    var request: String
    var node: String
    var accepted: Bool
    var reason: String?
    var height: UInt64?
    var blockTimeMs: UInt64?
    var error: String?
}

var wallClockMs: UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }

struct GrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grant", abstract: "Grant a session to an agent's key, as a principal.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var signer: SignerOptions
    @Option(help: "The session key: an agent's name, a .pub file or 64 hex digits.")
    var agent: String
    @Option(help: "Allowed operations, comma-separated.")
    var ops: String
    @Option(help: "Allowed resource patterns, comma-separated (files/*, mail/outbox, *).")
    var resources: String
    @Option(help: "Time to live, ms from now.")
    var ttlMs: UInt64
    @Option(help: "Total amount the session may spend.")
    var budget: UInt64 = 1_000
    @Option(help: "Most amount one act may spend.")
    var maxAmount: UInt64?
    @Option(help: "Most acts in all.")
    var maxUses: UInt64?
    @Option(help: "A parent session id to sub-delegate from (64 hex digits or an unambiguous prefix); then --as is the parent's session key.")
    var parent: String?

    func run() async throws {
        let running = try cluster.cluster()
        let now = wallClockMs
        var parentID: Digest?
        if let parent { parentID = try await resolveSession(parent, option: "--parent", cluster: running) }
        let grant = Grant(nonce: signer.nonce ?? now, sessionKey: try publicKey(agent, cluster: running),
                          scope: Scope(operations: ops.split(separator: ",").map(String.init),
                                       resources: resources.split(separator: ",").map(String.init), maxAmount: maxAmount),
                          notBefore: now, expiresAt: now + ttlMs, budget: budget, maxUses: maxUses, parent: parentID)
        try await submit(grant, by: try signer.key(running), to: running, node: signer.node, json: cluster.json) { result, id in
            "granted: session \(id.hex)\n  committed at height \(result.height); expires in \(ttlMs) ms"
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
        var ids: [Digest] = []
        if let session {
            ids = [try await resolveSession(session, option: "--session", cluster: running)]
        } else if let agent {
            ids = try await liveSessions(of: try publicKey(agent, cluster: running), cluster: running)
            guard !ids.isEmpty else { throw CommandFailure("\(agent) holds no live, unrevoked session") }
        }
        var nonce = signer.nonce ?? wallClockMs
        for id in ids {
            try await submit(Revoke(nonce: nonce, session: id), by: try signer.key(running), to: running,
                             node: signer.node, json: cluster.json) { result, _ in "revoked: session \(id.short) at height \(result.height)" }
            nonce += 1
        }
    }
}

/// The sessions a key holds that are neither expired nor revoked, as one node sees them.
func liveSessions(of key: PublicKey, cluster: RunningCluster) async throws -> [Digest] {
    for client in cluster.clients {
        guard let answer = try? await client.ask(SessionQuery(sessionKey: key), signedBy: cluster.coordinator, timeout: .seconds(5)),
              case .sessionList(let list) = answer else { continue }
        let now = wallClockMs
        return list.sessions.filter { !$0.revoked && $0.expiresAt > now }.map(\.id)
    }
    throw CommandFailure("no node answered the session query")
}

struct RevokeAllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-all", abstract: "Revoke every session a principal has granted so far.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var signer: SignerOptions

    func run() async throws {
        let running = try cluster.cluster()
        try await submit(RevokeAll(nonce: signer.nonce ?? wallClockMs), by: try signer.key(running), to: running,
                         node: signer.node, json: cluster.json) { result, _ in
            "revoked every earlier session of \(signer.principal) at height \(result.height)"
        }
    }
}

/// A command that could not do its job (a cluster not running, a node refusing): printed
/// as one line, without the usage text that argument errors get.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
