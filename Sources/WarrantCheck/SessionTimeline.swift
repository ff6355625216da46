import WarrantCrypto
import WarrantLedger
import WarrantWire

/// What the committed chain says about each session, derived from the history alone
/// (no trust in any node's answers): its key, its expiry, and the first height at which
/// it was revoked — directly, through an ancestor, or by its principal's revoke-all —
/// with the time that height first committed anywhere.
public struct SessionTimeline: Sendable {
    public struct Facts: Sendable {
        public let id: Digest
        public let key: PublicKey
        public let principal: PublicKey
        public let parent: Digest?
        public let expiresAt: UInt64
        public let grantHeight: UInt64
    }

    public private(set) var sessions: [Digest: Facts] = [:]
    var revokedHeight: [Digest: UInt64] = [:]
    var revokeAllHeights: [PublicKey: [UInt64]] = [:]
    /// When each height first committed on an honest node (run ms).
    public private(set) var firstCommit: [UInt64: UInt64] = [:]

    public init(_ input: CheckInput) {
        var blocks: [String: Block] = [:]
        for event in input.events where event.kind == .block {
            guard let hash = event.block, let hex = event.bytes, let bytes = try? Hex.decode(hex),
                  let block = try? Block(cbor: bytes) else { continue }
            blocks[hash] = block
        }
        var chain: [UInt64: (block: String, accepted: Set<String>)] = [:]
        for event in input.events where event.kind == .commit {
            guard let node = event.node, input.honest.contains(node), let height = event.height, let hash = event.block else { continue }
            if chain[height] == nil { chain[height] = (hash, Set(event.accepted ?? [])) }
            firstCommit[height] = min(firstCommit[height] ?? event.time, event.time)
        }
        for height in chain.keys.sorted() {
            guard let entry = chain[height], let block = blocks[entry.block] else { continue }
            for request in LedgerBlock.decoding(block).block.requests where entry.accepted.contains(request.id.hex) {
                switch request.body {
                case .grant(let grant):
                    let principal = grant.parent.flatMap { sessions[$0]?.principal } ?? request.signer
                    sessions[request.id] = Facts(id: request.id, key: grant.sessionKey, principal: principal, parent: grant.parent,
                                                 expiresAt: grant.expiresAt, grantHeight: height)
                case .revoke(let revoke):
                    if revokedHeight[revoke.session] == nil { revokedHeight[revoke.session] = height }
                case .revokeAll:
                    revokeAllHeights[request.signer, default: []].append(height)
                case .act:
                    break
                }
            }
        }
    }

    /// The first height at which the session stopped being valid by revocation, if any.
    public func revocationHeight(of id: Digest) -> UInt64? {
        var best: UInt64?
        var current = sessions[id]
        var direct = revokedHeight[id]
        while let facts = current {
            if let h = direct { best = min(best ?? h, h) }
            if let all = revokeAllHeights[facts.principal]?.first(where: { $0 > facts.grantHeight }) { best = min(best ?? all, all) }
            guard let parent = facts.parent else { break }
            current = sessions[parent]
            direct = revokedHeight[parent]
        }
        return best
    }
}
