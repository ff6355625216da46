import Foundation
import Testing
import WarrantCrypto
import WarrantLedger
import WarrantTestSupport
@testable import WarrantStorage

/// The Bloom filter in front of the stored-outcome lookup: it may say "maybe" for an id
/// never stored, never "no" for one that was — or a committed request could be ordered
/// twice.
@Suite struct RequestIDFilterTests {
    static func ids(_ count: Int, seed: UInt8) -> [Digest] {
        (0..<count).map { Blake2b.hash([seed] + withUnsafeBytes(of: UInt64($0).littleEndian, Array.init)) }
    }

    @Test func neverForgetsAnIdAndGrowsPastItsCapacity() {
        var filter = RequestIDFilter(initialCapacity: 1_000)
        let stored = Self.ids(50_000, seed: 1)
        for id in stored { filter.insert(id) }
        #expect(stored.allSatisfy(filter.mayContain))
        // Six segments of doubling capacity, each under 0.5 % when full: about 2 % in all.
        let others = Self.ids(50_000, seed: 2)
        let falsePositives = others.count(where: filter.mayContain)
        #expect(falsePositives < others.count * 3 / 100, "\(falsePositives) false positives in \(others.count)")
    }

    @Test func theStoreAnswersFromTheDatabaseAfterReopening() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-filter-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var workload = LedgerWorkload(seed: 5)
        var ledger = Ledger(genesis: workload.genesis)
        let store = try LedgerStore(path: "\(dir)/node.sqlite")
        var committed: [Digest] = []
        for _ in 0..<20 {
            let block = workload.nextBlock(size: 30)
            let outcome = try ledger.apply(block)
            try store.commit(block, outcome: outcome, blockHash: outcome.stateHash, blockBytes: [1], genesis: workload.genesis)
            committed += block.requests.map(\.id)
        }
        let reopened = try LedgerStore(path: "\(dir)/node.sqlite")
        for candidate in [store, reopened] {
            #expect(try committed.allSatisfy { try candidate.storedOutcome(of: $0) != nil })
            #expect(try Self.ids(500, seed: 9).allSatisfy { try candidate.storedOutcome(of: $0) == nil })
        }
    }
}
