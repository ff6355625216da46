import WarrantCrypto

/// Admitted requests waiting to be ordered, in arrival order, without duplicates (by
/// request id). Bounded: past `capacity` new requests are refused. It also remembers the
/// last `orderedMemory` requests that decided blocks carried, and refuses them: a peer
/// that forwards a request we already committed must not get it proposed again.
public struct RequestPool: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public let id: Digest
        public let bytes: [UInt8]
        /// When it was admitted (the caller's clock, ms).
        public var arrivedAt: UInt64 = 0
    }

    public let capacity: Int
    public let orderedMemory: Int
    private(set) var entries: [Entry] = []
    private var ids: Set<Digest> = []
    /// Requests decided blocks carried, oldest first (a ring of at most `orderedMemory`).
    private var ordered: [Digest] = []
    private var orderedNext = 0
    private var orderedIDs: Set<Digest> = []

    public init(capacity: Int = 100_000, orderedMemory: Int = 100_000) {
        self.capacity = capacity
        self.orderedMemory = orderedMemory
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public func contains(_ id: Digest) -> Bool { ids.contains(id) }
    /// Whether a recently decided block carried this request.
    public func wasOrdered(_ id: Digest) -> Bool { orderedIDs.contains(id) }

    /// Adds a request; false if it was already here, was recently ordered, or the pool is full.
    public mutating func add(id: Digest, bytes: [UInt8], at time: UInt64 = 0) -> Bool {
        guard !ids.contains(id), !orderedIDs.contains(id), entries.count < capacity else { return false }
        ids.insert(id)
        entries.append(Entry(id: id, bytes: bytes, arrivedAt: time))
        return true
    }

    /// When the oldest waiting request was admitted (nil: none waits).
    public var oldestArrival: UInt64? { entries.first?.arrivedAt }

    /// The oldest requests that fit in `maxCount` and `maxBytes`.
    public func take(maxCount: Int, maxBytes: Int) -> [Entry] {
        var taken: [Entry] = []
        var bytes = 0
        for entry in entries {
            guard taken.count < maxCount, bytes + entry.bytes.count <= maxBytes else { break }
            taken.append(entry)
            bytes += entry.bytes.count
        }
        return taken
    }

    /// Drops the requests a decided block ordered, and remembers them.
    public mutating func remove(_ removed: Set<Digest>) {
        guard !removed.isEmpty else { return }
        entries.removeAll { removed.contains($0.id) }
        ids.subtract(removed)
        for id in removed.sorted() where orderedMemory > 0 && orderedIDs.insert(id).inserted {
            if ordered.count < orderedMemory {
                ordered.append(id)
            } else {
                orderedIDs.remove(ordered[orderedNext])
                ordered[orderedNext] = id
                orderedNext = (orderedNext + 1) % orderedMemory
            }
        }
    }
}
