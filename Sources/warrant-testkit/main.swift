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

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("warrant-testkit: \(message)\n".utf8))
    exit(2)
}

guard CommandLine.arguments.count > 1, CommandLine.arguments[1] == "ledger-run" else {
    fail("usage: warrant-testkit ledger-run --db PATH --seed S --until H [--size N]")
}
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
        // Written straight to the file descriptor: unbuffered, so the test sees each line at once.
        FileHandle.standardOutput.write(Data("applied \(ledger.height) \(ledger.stateHash.hex)\n".utf8))
    }
} catch {
    fail("\(error)")
}
