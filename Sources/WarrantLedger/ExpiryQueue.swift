import HeapModule
import WarrantCrypto

/// Live records ordered by the block time after which they can go: sessions by
/// `expiresAt`, nonce records by their retention. The order is total (ties broken by
/// kind and bytes), so every node prunes exactly the same records in each block.
struct ExpiryQueue: Sendable {
    enum Item: Hashable, Sendable {
        case session(Digest)
        case nonce(NonceKey)
    }

    struct Entry: Comparable, Sendable {
        let time: UInt64
        let item: Item

        static func < (a: Entry, b: Entry) -> Bool {
            if a.time != b.time { return a.time < b.time }
            switch (a.item, b.item) {
            case (.session(let x), .session(let y)): return x < y
            case (.nonce(let x), .nonce(let y)): return x < y
            case (.session, .nonce): return true
            case (.nonce, .session): return false
            }
        }
    }

    private var heap = Heap<Entry>()

    mutating func insert(_ item: Item, at time: UInt64) {
        heap.insert(Entry(time: time, item: item))
    }

    /// Removes and returns the next entry due at or before `time`, if any. An entry can
    /// be stale (its record since removed or given a later time): the caller checks.
    mutating func popDue(atOrBefore time: UInt64) -> Entry? {
        guard let first = heap.min, first.time <= time else { return nil }
        return heap.popMin()
    }
}
