import Foundation
import WarrantCheck
import WarrantCrypto
import WarrantTopology
import WarrantTransport
import WarrantWire

/// The agents' principals, played by the coordinator: an agent sends the grant it wants,
/// signed with its own key; the principal checks it against the agent's topology entry
/// (its own key as the session key, scope and budget within what the entry wants, TTL
/// no longer), fills in its nonce and signs it. The agent submits the signed grant
/// itself. The principal also remembers each agent's latest session, for `revoke` faults.
public actor PrincipalService {
    let topology: Topology
    let keys: ClusterKeys
    let server: ReplyServer
    var nonces: [String: UInt64] = [:]
    var latestSession: [String: Digest] = [:]
    /// Every grant signed, by session id, and the sessions revoked since (for probes).
    public private(set) var granted: [Digest: Grant] = [:]
    public private(set) var revoked: Set<Digest> = []
    /// Which principal signed each granted session (for `revoke-all`).
    var principalOf: [Digest: String] = [:]
    var serving: Task<Void, Never>?

    public init(topology: Topology, keys: ClusterKeys, address: String) throws(CoordinatorError) {
        self.topology = topology
        self.keys = keys
        do {
            server = try ReplyServer(listening: address, maxMessageBytes: 1 << 20)
        } catch {
            throw CoordinatorError(.launch, "the principal endpoint at \(address): \(error)")
        }
    }

    public func start() {
        serving = Task { [weak self, server] in
            for await request in server.requests { await self?.serve(request) }
        }
    }

    public func stop() {
        serving?.cancel()
        server.close()
    }

    public func session(of agent: String) -> Digest? { latestSession[agent] }

    public func markRevoked(_ session: Digest) { revoked.insert(session) }

    /// A committed revoke-all of `principal` ended every session it had granted.
    public func markAllRevoked(by principal: String) {
        revoked.formUnion(principalOf.filter { $0.value == principal }.keys)
    }

    /// The next nonce of a principal: wall-clock based, so runs on one cluster never reuse one.
    public func nextNonce(_ principal: String) -> UInt64 {
        let next = max((nonces[principal] ?? 0) + 1, UInt64(Date().timeIntervalSince1970 * 1_000))
        nonces[principal] = next
        return next
    }

    func serve(_ request: IncomingRequest) async {
        let reply: [UInt8]
        do throws(CoordinatorError) {
            reply = try sign(request.bytes)
        } catch {
            let refusal = ErrorMessage(reason: .notOwner, message: error.message)
            reply = (try? keys.secret(ClusterKeys.coordinatorName)).map { Envelope.seal(refusal, by: $0).encoded } ?? []
        }
        try? request.reply(reply)
    }

    func sign(_ bytes: [UInt8]) throws(CoordinatorError) -> [UInt8] {
        guard let opened = try? SignedMessage(opening: bytes), case .grant(var grant) = opened.message else {
            throw CoordinatorError(.refused, "the principal endpoint takes grants signed by the agent that wants them")
        }
        guard let agent = topology.agents.first(where: { keys.agents[$0.name] == opened.sender }) else {
            throw CoordinatorError(.refused, "\(opened.sender.short) is not an agent of this topology")
        }
        let wish = agent.session
        guard grant.sessionKey == opened.sender, grant.parent == nil,
              Set(grant.scope.operations).isSubset(of: wish.operations),
              Set(grant.scope.resources).isSubset(of: wish.resources.map(\.text)),
              grant.budget <= wish.budget, grant.expiresAt > grant.notBefore, grant.expiresAt - grant.notBefore <= wish.ttlMs else {
            throw CoordinatorError(.refused, "\(agent.name) asked for more than its topology entry wants")
        }
        let principal: SigningKey
        do {
            principal = try keys.secret(agent.principal)
        } catch {
            throw CoordinatorError(.badFile, "\(error)")
        }
        grant.nonce = nextNonce(agent.principal)
        let signed = Envelope.seal(grant, by: principal).encoded
        latestSession[agent.name] = Blake2b.hash(signed)
        granted[Blake2b.hash(signed)] = grant
        principalOf[Blake2b.hash(signed)] = agent.principal
        return signed
    }
}
