import FuzzSupport
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// The ledger fed blocks of requests built from the fuzzer's bytes — grants, revocations,
/// revoke-alls and acts from principals, agents and strangers, with nonsensical fields
/// and references to sessions that do and do not exist, at block times that jump. It must
/// reject or apply each (never crash), two ledgers fed the same blocks must agree on every
/// outcome and state hash, and the state hash kept as blocks apply must equal, at the
/// end, the one recomputed from the whole state.
let principals = (0..<2).map { try! SigningKey(seed: [UInt8](repeating: UInt8($0 + 1), count: 32)).publicKey }
let agents = (0..<4).map { try! SigningKey(seed: [UInt8](repeating: UInt8($0 + 10), count: 32)).publicKey }
let stranger = try! SigningKey(seed: [UInt8](repeating: 99, count: 32)).publicKey
let genesis = Genesis(principals: [Principal(name: "p0", key: principals[0], owns: [ResourcePattern("files/*")!]),
                                   Principal(name: "p1", key: principals[1], owns: [ResourcePattern("*")!])])
let operations = ["read", "write", "pay", "", "admin"]
let resources = ["files/*", "files/a", "files/a/b", "*", "mail/x", "", "files/", "files/*/x"]
let t0: UInt64 = 1_764_000_000_000

func fuzzLedger(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    var first = Ledger(genesis: genesis), second = Ledger(genesis: genesis)
    var time = t0
    var ids: [Digest] = []
    var serial: UInt64 = 0
    while !input.isEmpty && first.height < 32 {
        time += UInt64(input.below(4)) * UInt64(input.below(250)) * 20
        var requests: [LedgerRequest] = []
        for _ in 0..<input.below(6) {
            serial += 1
            let id = Blake2b.hash(Array("request \(serial) \(input.byte())".utf8))
            let signer = input.pick(principals + agents + [stranger])
            let known = ids.isEmpty ? id : input.pick(ids)
            let body: LedgerRequest.Body
            switch input.below(4) {
            case 0:
                let start = time &+ UInt64(input.below(3)) &* 1_000 &- 500
                let scope = Scope(operations: (0...input.below(3)).map { _ in input.pick(operations) },
                                  resources: (0...input.below(3)).map { _ in input.pick(resources) },
                                  maxAmount: input.below(3) == 0 ? input.uint(1) : nil)
                body = .grant(Grant(nonce: input.uint(1), sessionKey: input.pick(agents + [stranger]), scope: scope,
                                    notBefore: start, expiresAt: start &+ input.uint(2) &* 10, budget: input.uint(2),
                                    maxUses: input.below(3) == 0 ? input.uint(1) : nil,
                                    rate: input.below(4) == 0 ? RateLimit(count: input.uint(1) + 1, windowMs: input.uint(2) + 1) : nil,
                                    parent: input.below(3) == 0 ? known : nil))
                ids.append(id)
            case 1:
                body = .revoke(Revoke(nonce: input.uint(1), session: known))
            case 2:
                body = .revokeAll(RevokeAll(nonce: input.uint(1)))
            default:
                body = .act(Act(session: known, sequence: input.uint(1), operation: input.pick(operations),
                                resource: input.pick(resources + ["files/a/c", "mail/y"]), amount: input.uint(1)))
            }
            requests.append(LedgerRequest(id: id, signer: signer, body: body))
        }
        let block = LedgerBlock(height: first.height + 1, timeMs: time, requests: requests)
        guard let a = try? first.apply(block), let b = try? second.apply(block) else {
            preconditionFailure("a well-formed block at height \(block.height) was refused")
        }
        precondition(a == b, "two ledgers gave different outcomes for block \(block.height)")
        precondition(first.stateHash == second.stateHash, "two ledgers reached different state hashes at \(block.height)")
    }
    precondition(first.stateHash == first.recomputedStateHash(), "the kept state hash differs from the recomputed one at \(first.height)")
    return 0
}

runFuzzer { fuzzLedger($0, $1) }
