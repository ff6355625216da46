import Foundation
import Testing
import WarrantCrypto
import WarrantTopology
import WarrantWire
@testable import WarrantCoordinator

/// The principal endpoint signs only what an agent's topology entry wants, for that
/// agent's own key, with the principal's next nonce.
@Suite struct PrincipalServiceTests {
    let topology: Topology
    let keys: ClusterKeys
    let dir: String

    init() throws {
        topology = try Topology.parse("""
            [cluster]
            base_port = 31000
            [[nodes]]
            name = "n0"
            [[nodes]]
            name = "n1"
            [[nodes]]
            name = "n2"
            [[nodes]]
            name = "n3"
            [[principals]]
            name = "alice"
            owns = ["files/*"]
            [[agents]]
            name = "reader"
            principal = "alice"
            operations = ["read"]
            resources = ["files/a/*"]
            ttl_ms = 5000
            budget = 100
            """, file: "t.toml")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-principal-\(UUID().uuidString)").path
        try ClusterKeys.generate(for: topology, into: dir)
        keys = try ClusterKeys(directory: dir, topology: topology)
    }

    func grant(ops: [String] = ["read"], resources: [String] = ["files/a/*"], ttl: UInt64 = 5_000, budget: UInt64 = 100,
               key: PublicKey? = nil) -> Grant {
        Grant(nonce: 0, sessionKey: key ?? keys.agents["reader"]!, scope: Scope(operations: ops, resources: resources),
              notBefore: 1_000, expiresAt: 1_000 + ttl, budget: budget)
    }

    func service() throws -> PrincipalService {
        try PrincipalService(topology: topology, keys: keys, address: "ipc://\(dir)/principal.sock")
    }

    @Test func signsWhatTheAgentWantsWithThePrincipalsKeyAndNonce() async throws {
        let principal = try service()
        let reader = try keys.secret("reader")
        let signed = try await principal.sign(Envelope.seal(grant(), by: reader).encoded)
        let opened = try SignedMessage(opening: signed)
        guard case .grant(let body) = opened.message else { Issue.record("not a grant"); return }
        #expect(opened.sender == keys.principals["alice"])
        #expect(body.nonce > 0 && body.sessionKey == keys.agents["reader"])
        #expect(await principal.session(of: "reader") == opened.hash)
        let second = try SignedMessage(opening: try await principal.sign(Envelope.seal(grant(), by: reader).encoded))
        guard case .grant(let next) = second.message else { return }
        #expect(next.nonce > body.nonce)
        await principal.stop()
    }

    @Test(arguments: ["ops", "resources", "ttl", "budget", "key", "signer"])
    func refusesMoreThanTheTopologyWants(_ what: String) async throws {
        let principal = try service()
        let reader = try keys.secret("reader")
        let stranger = SigningKey()
        let bytes: [UInt8] = switch what {
        case "ops": Envelope.seal(grant(ops: ["read", "write"]), by: reader).encoded
        case "resources": Envelope.seal(grant(resources: ["files/*"]), by: reader).encoded
        case "ttl": Envelope.seal(grant(ttl: 60_000), by: reader).encoded
        case "budget": Envelope.seal(grant(budget: 101), by: reader).encoded
        case "key": Envelope.seal(grant(key: stranger.publicKey), by: reader).encoded
        default: Envelope.seal(grant(key: stranger.publicKey), by: stranger).encoded
        }
        await #expect(throws: CoordinatorError.self) { try await principal.sign(bytes) }
        #expect(await principal.session(of: "reader") == nil)
        await principal.stop()
    }
}
