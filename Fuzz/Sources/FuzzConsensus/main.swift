import FuzzSupport
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// One validator's consensus core fed what the fuzzer's bytes make of its world: votes of
/// every validator (itself included) for heights around its own, rounds 0–3 and a few
/// blocks or nil; proposals from rightful and wrong proposers with blocks valid or not;
/// timeouts current and stale; requests; and, as its shell would, the applied state after
/// each decision. Whatever it sees, it must not crash and must never sign two different
/// votes of one type at one height and round — the one thing a correct validator can
/// never do (Tendermint's safety rests on it).
let keys = (0..<4).map { (try! SigningKey(seed: [UInt8](repeating: UInt8($0 + 1), count: 32))).publicKey }
let validators = ValidatorSet(keys)
let t0: UInt64 = 1_764_000_000_000
let noSignature = Signature(unchecked: [UInt8](repeating: 0, count: 64))

func fuzzConsensus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    var core = ConsensusCore(validators: validators, me: keys[0], genesisTimeMs: t0, genesisStateHash: Blake2b.hash([0]))
    var now = t0
    var signed: [String: Digest?] = [:]  // "type height round" -> the block voted for
    var blocks: [Digest] = []
    var steps = 0

    func take(_ directives: [Directive]) {
        for directive in directives {
            switch directive {
            case .broadcastVote(let type, let height, let round, let block):
                let key = "\(type) \(height) \(round)"
                if let earlier = signed[key] {
                    precondition(earlier == block, "signed two \(type)s at height \(height) round \(round)")
                }
                signed[key] = block
            case .decide(let block, _):
                // The shell applies the block and reports the state after it.
                take(core.onApplied(height: block.height, stateHash: Blake2b.hash(Array("state \(block.height)".utf8)), now: now))
            case .broadcastProposal(let proposal):
                blocks.append(proposal.block.hash)
            default:
                break
            }
        }
    }

    take(core.onStart(now: now))
    while !input.isEmpty && steps < 400 {
        steps += 1
        now += UInt64(input.below(8)) * 100
        let height = core.height + UInt64(input.below(3)) &- 1
        let round = UInt64(input.below(4))
        switch input.below(5) {
        case 0, 1:
            let block: Digest? = input.below(3) == 0 || blocks.isEmpty ? nil : input.pick(blocks)
            let vote = SignedVote(type: input.below(2) == 0 ? .prevote : .precommit, height: height, round: round, block: block,
                                  validator: input.pick(keys), signature: noSignature)
            take(core.onVote(vote, now: now).directives)
        case 2:
            let proposer = input.below(3) == 0 ? input.pick(keys) : validators.proposer(height: height, round: round)
            let block = Block(height: height, timeMs: now - UInt64(input.below(4)) * 500, proposer: proposer,
                              previous: input.below(4) == 0 ? Blake2b.hash([input.byte()]) : core.lastBlockHash,
                              lastCommit: core.lastCertificate, stateHash: core.appliedStateHash ?? Blake2b.hash([0]),
                              requests: [], evidence: [])
            blocks.append(block.hash)
            let proposal = Proposal(height: height, round: round, validRound: Int64(input.below(3)) - 1, block: block)
            take(core.onProposal(proposal, from: proposer, signaturesValid: input.below(8) != 0, now: now).directives)
        case 3:
            let kind = input.pick([TimeoutKind.propose, .prevote, .precommit, .rebroadcast, .heartbeat])
            take(core.onTimeout(kind, height: input.below(4) == 0 ? height : core.height, round: input.below(4) == 0 ? round : core.round,
                                now: now).directives)
        default:
            let bytes = (0..<input.below(40)).map { _ in input.byte() }
            take(core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, from: input.below(2) == 0 ? .client : .peer, now: now).directives)
        }
    }
    return 0
}

runFuzzer { fuzzConsensus($0, $1) }
