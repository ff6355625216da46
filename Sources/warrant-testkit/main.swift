import Foundation
import WarrantLedger
import WarrantStorage
import WarrantTestSupport

// warrant-testkit: helper processes for crash tests (not a user tool).
//
//   warrant-testkit ledger-run --db PATH --seed S --until H [--size N]
//
// Applies the deterministic LedgerWorkload blocks to the store at PATH, resuming after
// the height already stored, until height H; prints "applied HEIGHT STATEHASH" after each
// commit. A test kills it with SIGKILL at a random moment and checks the store.
//
//   warrant-testkit cluster-run --dir DIR --nodes N --seed S --until H [--halt-after-lines L]
//
// Runs N replicas (real signatures, one SQLite database each in DIR) on an in-process
// network, resuming from whatever the databases hold, with clients submitting requests,
// until every replica has stored height H; prints ReplicaCluster's log lines as they
// happen and "done" at the end. A test kills it mid-height and starts it again. After
// L lines it slows to one event per millisecond until a replica votes (or for at most 300
// events), prints "halted" and halts (for at most two minutes): a test killing it at the
// first vote line from line L on kills it right after a vote left — mid-height — however
// slowly it reads on a loaded or sanitized machine, and never finds it finished.

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("warrant-testkit: \(message)\n".utf8))
    exit(2)
}

func say(_ line: String) {
    // Written straight to the file descriptor: unbuffered, so the test sees each line at once.
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

switch CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "" {
case "ledger-run": ledgerRun()
case "cluster-run": clusterRun()
default: fail("usage: warrant-testkit ledger-run --db PATH --seed S --until H [--size N] | cluster-run --dir DIR --nodes N --seed S --until H")
}

func ledgerRun() {
guard let db = argument("--db"), let seed = argument("--seed").flatMap(UInt64.init),
      let until = argument("--until").flatMap(UInt64.init) else {
    fail("ledger-run needs --db PATH --seed S --until H")
}
let size = argument("--size").flatMap(Int.init) ?? 200

do {
    var workload = LedgerWorkload(seed: seed)
    let store = try LedgerStore(path: db)
    var ledger = try store.loadLedger(genesis: workload.genesis)
    // Regenerate (without applying) the blocks already stored, so the stream continues.
    while workload.height < ledger.height { _ = workload.nextBlock(size: size) }
    while ledger.height < until {
        let block = workload.nextBlock(size: size)
        let outcome = try ledger.apply(block)
        try store.commit(block, outcome: outcome, blockHash: outcome.stateHash, blockBytes: [], genesis: workload.genesis)
        say("applied \(ledger.height) \(ledger.stateHash.hex)")
    }
} catch {
    fail("\(error)")
}
}

func clusterRun() {
    guard let dir = argument("--dir"), let nodes = argument("--nodes").flatMap(Int.init),
          let seed = argument("--seed").flatMap(UInt64.init), let until = argument("--until").flatMap(UInt64.init) else {
        fail("cluster-run needs --dir DIR --nodes N --seed S --until H")
    }
    do {
        var workload = LedgerWorkload(seed: seed)
        var cluster = try ReplicaCluster(directory: dir, count: nodes, genesis: workload.genesis, seed: seed)
        var random = SplitMix64(seed: seed ^ 0x5eed)
        try cluster.start()
        let haltAfter = argument("--halt-after-lines").flatMap(Int.init) ?? Int.max
        var printed = 0, slowEvents = 0
        var nextRequestAt = cluster.now
        // Bounded: a run that cannot reach the height in this many virtual seconds has stalled.
        let deadline = cluster.now + 600_000
        while cluster.heights.min()! < until {
            guard cluster.now < deadline else { fail("stalled at heights \(cluster.heights)") }
            if cluster.now >= nextRequestAt {
                let bytes = workload.nextEnvelope(at: cluster.now)
                try cluster.submit(bytes, to: Int(random.next() % UInt64(nodes)))
                nextRequestAt = cluster.now + 20 + random.next() % 80
            }
            if printed >= haltAfter {
                slowEvents += 1
                try cluster.step()
                usleep(1_000)
            } else {
                try cluster.run(until: min(nextRequestAt, cluster.now + 50))
            }
            var voted = false
            for line in cluster.takeLog() {
                say(line)
                printed += 1
                voted = voted || (printed >= haltAfter && line.hasPrefix("vote "))
            }
            if voted || slowEvents > 300 {
                say("halted")
                sleep(120)
                fail("halted for two minutes and nobody killed it")
            }
        }
        say("done")
    } catch {
        fail("\(error)")
    }
}
