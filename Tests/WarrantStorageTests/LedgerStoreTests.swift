import Foundation
import GRDB
import Testing
import WarrantCrypto
import WarrantLedger
import WarrantTestSupport
import WarrantWire
@testable import WarrantStorage

@Suite struct LedgerStoreTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// Applies `count` workload blocks to `ledger`, committing each to `store`.
    func run(_ count: Int, _ workload: inout LedgerWorkload, _ ledger: inout Ledger, _ store: LedgerStore?) throws {
        for _ in 0..<count {
            let block = workload.nextBlock(size: 40)
            let outcome = try ledger.apply(block)
            try store?.commit(block, outcome: outcome, blockHash: outcome.stateHash, blockBytes: [1, 2, 3],
                              genesis: workload.genesis)
        }
    }

    @Test func reopeningRestoresTheExactLedger() throws {
        var workload = LedgerWorkload(seed: 11)
        var ledger = Ledger(genesis: workload.genesis)
        let store = try LedgerStore(path: "\(dir)/node.sqlite")
        try run(120, &workload, &ledger, store)
        #expect(try store.height() == 120)
        #expect(ledger.sessions.count > 10)

        let reopened = try LedgerStore(path: "\(dir)/node.sqlite")
        var restored = try reopened.loadLedger(genesis: workload.genesis)
        #expect(restored.height == ledger.height)
        #expect(restored.stateHash == ledger.stateHash)
        #expect(restored.sessions == ledger.sessions)
        #expect(restored.nonces == ledger.nonces)
        // The two go on identically: same decisions, same hashes, same pruning.
        var copy = workload
        for _ in 0..<30 {
            let block = copy.nextBlock(size: 40)
            let a = try ledger.apply(block), b = try restored.apply(block)
            #expect(a.outcomes == b.outcomes)
            #expect(a.stateHash == b.stateHash)
        }
    }

    @Test func aStoreOfAnotherClusterIsRefused() throws {
        var workload = LedgerWorkload(seed: 1)
        var ledger = Ledger(genesis: workload.genesis)
        let store = try LedgerStore(path: "\(dir)/a.sqlite")
        try run(2, &workload, &ledger, store)
        let other = Genesis(principals: [], parameters: workload.genesis.parameters)
        #expect(throws: StorageError.self) { try store.loadLedger(genesis: other) }
        do {
            _ = try store.loadLedger(genesis: other)
        } catch {
            #expect(error.code == .wrongGenesis)
            #expect(error.message.contains("a.sqlite"))
        }
    }

    @Test func tamperedRecordsAreDetectedOnLoad() throws {
        var workload = LedgerWorkload(seed: 3)
        var ledger = Ledger(genesis: workload.genesis)
        let path = "\(dir)/t.sqlite"
        let store = try LedgerStore(path: path)
        try run(20, &workload, &ledger, store)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE sessions SET spent = spent + 1 WHERE rowid = (SELECT MIN(rowid) FROM sessions)") }
        do {
            _ = try LedgerStore(path: path).loadLedger(genesis: workload.genesis)
            Issue.record("a tampered store loaded")
        } catch {
            #expect(error.code == .corrupt)
        }
    }

    @Test func blocksMustBeCommittedInSequence() throws {
        var workload = LedgerWorkload(seed: 4)
        var ledger = Ledger(genesis: workload.genesis)
        let store = try LedgerStore(path: "\(dir)/s.sqlite")
        try run(1, &workload, &ledger, store)
        let block = workload.nextBlock(size: 1)
        var other = ledger
        let outcome = try other.apply(block)
        try store.commit(block, outcome: outcome, blockHash: outcome.stateHash, blockBytes: [], genesis: workload.genesis)
        do {
            try store.commit(block, outcome: outcome, blockHash: outcome.stateHash, blockBytes: [], genesis: workload.genesis)
            Issue.record("the same height committed twice")
        } catch {
            #expect(error.code == .outOfSequence)
        }
        #expect(try store.height() == 2)
    }

    @Test func tablesAnswerQuestionsInSQL() throws {
        var workload = LedgerWorkload(seed: 5)
        var ledger = Ledger(genesis: workload.genesis)
        let path = "\(dir)/q.sqlite"
        let store = try LedgerStore(path: path)
        try run(60, &workload, &ledger, store)
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let revoked = ledger.sessions.values.filter { $0.revokedHeight != nil }.count
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstones") == revoked)
            let children = ledger.sessions.values.filter { $0.parent != nil && ledger.sessions[$0.parent!] != nil }
            let direct = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delegation_chains WHERE distance = 1") ?? 0
            #expect(direct == children.count)
            let spent = try Int64.fetchOne(db, sql: "SELECT SUM(spent) FROM sessions") ?? 0
            #expect(UInt64(spent) == ledger.sessions.values.map(\.spent).reduce(0, +))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outcomes") == 60 * 40)
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
        }
    }

    @Test func committedEvidenceIsInTheEvidenceTableAndSurvivesReopening() throws {
        var workload = LedgerWorkload(seed: 8)
        var ledger = Ledger(genesis: workload.genesis)
        let path = "\(dir)/evidence.sqlite"
        let store = try LedgerStore(path: path)
        try run(3, &workload, &ledger, store)
        let liar = PublicKey(unchecked: Blake2b.hash(Array("validator".utf8)).bytes)
        let offense = Offense(validator: liar, kind: .precommit, height: 2, round: 1, firstBlock: .zero, secondBlock: nil)
        // The same offense in two blocks is recorded once, at the first.
        for expectedNew in [1, 0] {
            let plain = workload.nextBlock(size: 5)
            let block = LedgerBlock(height: plain.height, timeMs: plain.timeMs, requests: plain.requests, evidence: [offense])
            let outcome = try ledger.apply(block)
            #expect(outcome.changes.offenses.count == expectedNew)
            try store.commit(block, outcome: outcome, blockHash: outcome.stateHash, blockBytes: [1], genesis: workload.genesis)
        }
        #expect(ledger.offenses[offense.key] == OffenseRecord(offense: offense, height: 4))
        #expect(ledger.recomputedStateHash() == ledger.stateHash)
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT validator, kind, height, round, first_block, second_block, committed_height FROM evidence")
            #expect(row?["validator"] == liar.hex)
            #expect(row?["kind"] == "precommit")
            #expect(row?["round"] == 1)
            #expect(row?["second_block"] as String? == nil)
            #expect(row?["committed_height"] == 4)
        }
        let restored = try LedgerStore(path: path).loadLedger(genesis: workload.genesis)
        #expect(restored.offenses == ledger.offenses)
        #expect(restored.stateHash == ledger.stateHash)
    }

    /// A child process applies blocks and is killed with SIGKILL at random moments,
    /// mostly inside a commit. Each time the store reopens at a block boundary with a
    /// verified state hash, and finishing the run gives the same final state as a run
    /// that was never interrupted.
    @Test func killedMidBlockTheStoreIsAtABlockBoundary() async throws {
        let testkit = ChildProcess.buildDirectory.appendingPathComponent("warrant-testkit")
        let path = "\(dir)/crash.sqlite"
        let genesis = LedgerWorkload(seed: 21).genesis
        let until = 40
        var printed: [UInt64: String] = [:]
        var random = SplitMix64(seed: 0xc0ffee)
        for _ in 0..<3 {
            let child = try ChildProcess(testkit, ["ledger-run", "--db", path, "--seed", "21", "--until", "\(until)", "--size", "150"])
            let stopAfter = 2 + Int(random.next() % 5)
            var seen = 0
            // Read progress lines; after a few, kill. Lines printed before the kill but
            // not yet read are drained afterwards: the stream ends when the pipe closes.
            for await line in child.lines {
                let parts = line.split(separator: " ")
                if parts.count == 3, let height = UInt64(parts[1]) { printed[height] = String(parts[2]) }
                seen += 1
                if seen == stopAfter { child.kill() }
            }
            _ = await child.wait()
            let ledger = try LedgerStore(path: path).loadLedger(genesis: genesis)  // verifies the state hash
            let lastPrinted = printed.keys.max() ?? 0
            #expect(ledger.height >= lastPrinted && ledger.height <= lastPrinted + 1)
            if let hash = printed[ledger.height] { #expect(ledger.stateHash.hex == hash) }
        }
        let finish = try ChildProcess(testkit, ["ledger-run", "--db", path, "--seed", "21", "--until", "\(until)", "--size", "150"])
        for await _ in finish.lines {}
        #expect(await finish.wait() == 0)
        let clean = try ChildProcess(testkit, ["ledger-run", "--db", "\(dir)/clean.sqlite", "--seed", "21", "--until", "\(until)", "--size", "150"])
        for await _ in clean.lines {}
        #expect(await clean.wait() == 0)
        let interrupted = try LedgerStore(path: path).loadLedger(genesis: genesis)
        let uninterrupted = try LedgerStore(path: "\(dir)/clean.sqlite").loadLedger(genesis: genesis)
        #expect(interrupted.height == UInt64(until))
        #expect(interrupted.stateHash == uninterrupted.stateHash)
    }
}

/// The node's control nonce survives reopening the database.
@Suite struct ControlNonceTests {
    @Test func theControlNonceIsKeptAcrossReopening() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-nonce-\(UUID().uuidString).sqlite").path
        #expect(try LedgerStore(path: path).controlNonce() == 0)
        try LedgerStore(path: path).saveControlNonce(1_764_000_000_123)
        #expect(try LedgerStore(path: path).controlNonce() == 1_764_000_000_123)
    }
}
