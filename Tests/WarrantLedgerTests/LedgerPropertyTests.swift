import PropertyBased
import Testing
import WarrantTestSupport
import WarrantCrypto
import WarrantWire
@testable import WarrantLedger

/// Random histories of grants, sub-grants, acts, revokes, revoke-alls, replays and time
/// steps, driven through the ledger and through `ReferenceModel`: every decision must
/// match, nothing may be overspent, and the incremental state hash must equal one
/// recomputed from scratch. 40 histories × 300 requests = 12,000 random steps.
@Suite struct LedgerPropertyTests {
    static let histories = 40
    static let requestsPerHistory = 300

    @Test func ledgerAgreesWithTheReferenceModel() async {
        await propertyCheck(count: Self.histories, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var history = RandomHistory(seed: seed)
            history.run(requests: Self.requestsPerHistory)
        }
    }

    /// The same histories with pruning limited to one record per block: every accept or
    /// reject decision is unchanged (enforcement never depends on pruning).
    @Test func decisionsDoNotDependOnPruning() async {
        await propertyCheck(count: 10, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var unlimited = RandomHistory(seed: seed)
            var limited = RandomHistory(seed: seed, pruneLimit: 1)
            let a = unlimited.run(requests: 200, compareWithModel: true)
            let b = limited.run(requests: 200, compareWithModel: false)
            #expect(a.map(\.accepted) == b.map(\.accepted), "seed \(seed)")
        }
    }
}

/// Generates one random history and checks it step by step.
struct RandomHistory {
    typealias F = Fixture
    var random: SplitMix64
    var ledger: Ledger
    var model: ReferenceModel
    var time = Fixture.t0
    var seed: UInt64
    /// Every grant made (accepted or not), with the key it delegates to.
    var grants: [(id: Digest, key: SigningKey, grant: Grant)] = []
    /// The grants the ledger accepted (the generator aims most requests at them).
    var accepted: [(id: Digest, key: SigningKey, grant: Grant)] = []
    var nextSequence: [Digest: UInt64] = [:]
    var sent: [LedgerRequest] = []

    static let ops = ["read", "write", "pay"]
    static let resources = ["files/a", "files/b/c", "files/*", "files/b/*", "mail/outbox", "mail/*", "*", "db/x"]
    static let alicesResources = ["files/a", "files/b/c", "files/*", "files/b/*", "mail/outbox"]
    static let signers = [F.alice, F.bob] + F.agents + [F.stranger]

    init(seed: UInt64, pruneLimit: Int = 100_000) {
        self.seed = seed
        random = SplitMix64(seed: seed)
        let genesis = F.genesis(maxDepth: 2, pruneLimit: pruneLimit)
        ledger = Ledger(genesis: genesis)
        model = ReferenceModel(genesis: genesis)
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    mutating func number(_ range: ClosedRange<UInt64>) -> UInt64 { range.lowerBound + random.next() % (range.upperBound - range.lowerBound + 1) }

    mutating func scope(owner: SigningKey) -> Scope {
        let ops = (0..<number(1...2)).map { _ in pick(Self.ops) }
        let pool = owner === F.alice && chance(85) ? Self.alicesResources : Self.resources
        var resources = (0..<number(1...2)).map { _ in pick(pool) }
        if chance(3) { resources.append("x/*/y") }  // an invalid pattern
        return Scope(operations: ops, resources: resources, maxAmount: chance(40) ? number(1...20) : nil)
    }

    mutating func makeGrant() -> LedgerRequest {
        let agent = pick(F.agents)
        // Times on a 250 ms grid, so that block times often land exactly on window edges.
        let start = chance(20) ? time + 250 * number(0...12) : time - 250 * number(0...4)
        var signer = chance(50) ? F.alice : F.bob
        if chance(5) { signer = F.stranger }
        var grant = Grant(nonce: number(0...40), sessionKey: agent.publicKey, scope: scope(owner: signer), notBefore: start,
                          expiresAt: start + 250 * number(0...60), budget: number(0...100),
                          maxUses: chance(50) ? number(0...4) : nil,
                          rate: chance(30) ? RateLimit(count: number(1...3), windowMs: 250 * number(1...8)) : nil)
        if !grants.isEmpty, chance(45) {
            let parent = accepted.isEmpty || chance(15) ? pick(grants) : pick(accepted)
            grant.parent = parent.id
            grant.budget = number(0...60)
            if chance(60) {  // a plausible child: inside the parent's scope and window
                grant.scope = Scope(operations: [pick(parent.grant.scope.operations)],
                                    resources: [pick(parent.grant.scope.resources)],
                                    maxAmount: parent.grant.scope.maxAmount)
                grant.notBefore = max(grant.notBefore, parent.grant.notBefore)
                if chance(15) { grant.notBefore = parent.grant.notBefore &- 250 }  // just too early
                grant.expiresAt = min(max(grant.expiresAt, grant.notBefore + 1), parent.grant.expiresAt)
                grant.maxUses = parent.grant.maxUses.map { _ in number(0...3) }
                grant.rate = parent.grant.rate
            }
            signer = chance(90) ? parent.key : pick(Self.signers)
        }
        let request = F.request(grant, by: signer)
        grants.append((request.id, agent, grant))
        return request
    }

    mutating func makeAct() -> LedgerRequest {
        // Mostly the newest accepted grants, so sessions see enough acts to reach their limits.
        let target = accepted.isEmpty || chance(15) ? pick(grants) : pick(Array(accepted.suffix(4)))
        let sequence = nextSequence[target.id, default: 1]
        let seq = chance(10) ? number(0...sequence) : sequence
        if seq == sequence { nextSequence[target.id] = sequence + 1 }
        let op = chance(80) ? pick(target.grant.scope.operations) : pick(Self.ops)
        let resource = chance(70) ? concrete(pick(target.grant.scope.resources)) : concrete(pick(Self.resources))
        let signer = chance(92) ? target.key : pick(F.agents)
        return F.request(Act(session: target.id, sequence: seq, operation: op, resource: resource,
                             amount: number(0...15)), by: signer)
    }

    /// A concrete resource a pattern would match.
    mutating func concrete(_ pattern: String) -> String {
        if pattern == "*" { return pick(["files/a", "mail/outbox", "db/x"]) }
        if pattern.hasSuffix("/*") { return pattern.dropLast() + pick(["a", "b/c", "z"]) }
        return pattern
    }

    mutating func makeRevoke() -> LedgerRequest {
        let target = accepted.isEmpty || chance(20) ? pick(grants) : pick(accepted)
        var signer = chance(60) ? (chance(50) ? F.alice : F.bob) : pick(Self.signers)
        if target.grant.parent != nil, chance(40), let parent = grants.first(where: { $0.id == target.grant.parent }) {
            signer = parent.key
        }
        return F.request(Revoke(nonce: number(0...60), session: target.id), by: signer)
    }

    mutating func nextRequest() -> LedgerRequest {
        if grants.isEmpty { return makeGrant() }
        switch random.next() % 100 {
        case 0..<30: return makeGrant()
        case 30..<78: return makeAct()
        case 78..<90: return makeRevoke()
        case 90..<93: return F.request(RevokeAll(nonce: number(0...10)), by: pick([F.alice, F.bob, F.stranger]))
        default: return sent.isEmpty ? makeGrant() : pick(sent)  // a replay of earlier bytes
        }
    }

    @discardableResult
    mutating func run(requests total: Int, compareWithModel: Bool = true) -> [RequestOutcome] {
        var all: [RequestOutcome] = []
        var made = 0
        while made < total {
            time += chance(15) ? 0 : 250 * number(1...6)
            let count = min(Int(number(1...5)), total - made)
            let requests = (0..<count).map { _ in nextRequest() }
            made += count
            sent += requests
            let outcome: BlockOutcome
            do {
                outcome = try ledger.apply(LedgerBlock(height: ledger.height + 1, timeMs: time, requests: requests))
            } catch {
                Issue.record("seed \(seed): \(error)")
                return all
            }
            all += outcome.outcomes
            for result in outcome.outcomes where result.accepted {
                if let grant = grants.last(where: { $0.id == result.request }) { accepted.append(grant) }
            }
            // Draw the check's inputs whether or not they are compared, so histories
            // with and without the model consume the same random numbers.
            let key = pick(F.agents).publicKey, op = pick(Self.ops), resource = concrete(pick(Self.resources))
            let amount = number(0...15), elapsed = chance(50) ? 0 : number(0...400)
            guard compareWithModel else { continue }
            for (request, result) in zip(requests, outcome.outcomes) {
                let expected = model.apply(request, height: ledger.height, t: time)
                if result.reason != expected {
                    Issue.record("seed \(seed), height \(ledger.height), \(request.body): ledger \(String(describing: result.reason)), model \(String(describing: expected))")
                    return all
                }
            }
            model.endBlock(at: time)
            let problems = model.overspent()
            #expect(problems.isEmpty, "seed \(seed): \(problems)")
            for session in ledger.sessions.values {
                #expect(session.spent + session.carvedBudget <= session.budget, "seed \(seed)")
            }
            if ledger.height % 10 == 0 {
                #expect(ledger.recomputedStateHash() == ledger.stateHash, "seed \(seed) at \(ledger.height)")
            }
            // A local check, with fresh, skew-free readings.
            let answer = ledger.check(Check(sessionKey: key, operation: op, resource: resource, amount: amount),
                                      readings: ClockReadings(wallClockMs: time + elapsed, sinceLastBlockMs: elapsed, sinceQuorumMs: elapsed, clockVouched: true))
            let expected = model.check(key: key, op: op, resource: resource, amount: amount, now: time + elapsed)
            #expect(answer.reason == expected, "seed \(seed), height \(ledger.height): check \(op) \(resource) \(amount)")
        }
        return all
    }
}
