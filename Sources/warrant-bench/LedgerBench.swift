import Foundation
import WarrantCrypto
import WarrantLedger
import WarrantStorage
import WarrantTestSupport
import WarrantWire

/// Ledger numbers: blocks of 1,000 grants or acts applied in memory (signatures were
/// checked before, as in a node), the SQLite commit of such a block, and local checks.
enum LedgerBench {
    static let t0 = LedgerWorkload.t0

    static func principalGenesis(_ principal: SigningKey) -> Genesis {
        Genesis(principals: [Principal(name: "p", key: principal.publicKey, owns: [ResourcePattern("*")!])])
    }

    static func grants(_ count: Int, by principal: SigningKey, agents: [SigningKey], nonceBase: UInt64 = 0) -> [LedgerRequest] {
        (0..<count).map { i in
            LedgerRequest(SignedMessage(sealing: Grant(
                nonce: nonceBase + UInt64(i), sessionKey: agents[i % agents.count].publicKey,
                scope: Scope(operations: ["read", "write"], resources: ["files/*"], maxAmount: 100),
                notBefore: t0, expiresAt: t0 + 3_600_000, budget: 1_000_000, maxUses: 1_000_000,
                rate: RateLimit(count: 1_000, windowMs: 1_000)), by: principal))!
        }
    }

    struct Results {
        var grantsPerSecond = 0.0, grantBlockMs = 0.0
        var actsPerSecond = 0.0, actBlockMs = 0.0
        var commitMs = 0.0
        var checkMedianMicroseconds = 0.0, checksPerSecond = 0.0
    }

    static func run(rounds: Int) throws -> Results {
        var results = Results()
        let principal = try SigningKey(seed: [UInt8](repeating: 0x51, count: 32))
        let agents = (0..<100).map { i in try! SigningKey(seed: [UInt8](repeating: 0x60, count: 31) + [UInt8(i)]) }
        let genesis = principalGenesis(principal)
        let clock = ContinuousClock()

        // 1,000 grants in one block.
        let grantBlock = LedgerBlock(height: 1, timeMs: t0, requests: grants(1_000, by: principal, agents: agents))
        var best = Duration.seconds(1_000)
        for _ in 0..<rounds {
            var ledger = Ledger(genesis: genesis)
            let time = try clock.measure { _ = try ledger.apply(grantBlock) }
            best = min(best, time)
        }
        results.grantBlockMs = Bench.seconds(best) * 1e3
        results.grantsPerSecond = 1_000 / Bench.seconds(best)

        // 1,000 acts in one block, over 100 sessions.
        var base = Ledger(genesis: genesis)
        let setup = grants(100, by: principal, agents: agents, nonceBase: 10_000)
        _ = try base.apply(LedgerBlock(height: 1, timeMs: t0, requests: setup))
        let acts = (0..<1_000).map { i in
            let session = setup[i % 100]
            return LedgerRequest(SignedMessage(sealing: Act(
                session: session.id, sequence: UInt64(i / 100 + 1), operation: "read", resource: "files/r\(i)", amount: 3),
                by: agents[i % 100]))!
        }
        let actBlock = LedgerBlock(height: 2, timeMs: t0 + 1_000, requests: acts)
        best = .seconds(1_000)
        var lastOutcome: BlockOutcome?
        for _ in 0..<rounds {
            var ledger = base
            let time = try clock.measure { lastOutcome = try ledger.apply(actBlock) }
            best = min(best, time)
        }
        precondition(lastOutcome!.outcomes.allSatisfy(\.accepted), "benchmark acts must all be accepted")
        results.actBlockMs = Bench.seconds(best) * 1e3
        results.actsPerSecond = 1_000 / Bench.seconds(best)

        // The SQLite commit of that block (synchronous = FULL), into a store holding block 1.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        best = .seconds(1_000)
        for round in 0..<rounds {
            let store = try LedgerStore(path: "\(dir)/bench-\(round).sqlite")
            var ledger = Ledger(genesis: genesis)
            let first = try ledger.apply(LedgerBlock(height: 1, timeMs: t0, requests: setup))
            try store.commit(LedgerBlock(height: 1, timeMs: t0, requests: setup), outcome: first,
                             blockHash: first.stateHash, blockBytes: [], genesis: genesis)
            let outcome = try ledger.apply(actBlock)
            let time = try clock.measure {
                try store.commit(actBlock, outcome: outcome, blockHash: outcome.stateHash, blockBytes: [], genesis: genesis)
            }
            best = min(best, time)
        }
        results.commitMs = Bench.seconds(best) * 1e3

        // Local checks against a ledger of 10,000 sessions, one per agent key.
        let manyAgents = (0..<10_000).map { i in
            try! SigningKey(seed: [UInt8](repeating: 0x70, count: 30) + [UInt8(i >> 8), UInt8(i & 0xff)])
        }
        var big = Ledger(genesis: genesis)
        for b in 0..<10 {
            let slice = Array(manyAgents[(b * 1_000)..<((b + 1) * 1_000)])
            let block = LedgerBlock(height: UInt64(b + 1), timeMs: t0,
                                    requests: grants(1_000, by: principal, agents: slice, nonceBase: UInt64(100_000 + b * 1_000)))
            _ = try big.apply(block)
        }
        let readings = ClockReadings(wallClockMs: t0 + 100, sinceLastBlockMs: 100, sinceQuorumMs: 100, clockVouched: true)
        let questions = (0..<1_000).map { i in
            Check(sessionKey: manyAgents[(i * 7) % manyAgents.count].publicKey, operation: "read",
                  resource: "files/x\(i)", amount: 1, session: nil)
        }
        var samples: [Double] = []
        var allowed = 0
        for round in 0..<(rounds * 20) {
            let question = questions[round % questions.count]
            let start = clock.now
            if big.check(question, readings: readings).allowed { allowed += 1 }
            samples.append(Bench.seconds(clock.now - start) * 1e6)
        }
        precondition(allowed > 0)
        samples.sort()
        results.checkMedianMicroseconds = samples[samples.count / 2]
        // Throughput over many passes (a single pass of 1,000 takes a millisecond, too short
        // to time apart from cold caches).
        let passes = rounds * 100
        let batchTime = clock.measure {
            for _ in 0..<passes {
                for question in questions { if big.check(question, readings: readings).allowed { allowed += 1 } }
            }
        }
        results.checksPerSecond = Double(questions.count * passes) / Bench.seconds(batchTime)
        return results
    }
}
