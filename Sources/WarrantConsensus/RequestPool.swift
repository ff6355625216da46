import WarrantCrypto

/// Admitted requests waiting to be ordered, in arrival order, without duplicates (by
/// request id). Bounded: past `capacity` new requests are refused.
public struct RequestPool: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public let id: Digest
        public let bytes: [UInt8]
    }

    public let capacity: Int
    private(set) var entries: [Entry] = []
    private var ids: Set<Digest> = []

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public func contains(_ id: Digest) -> Bool { ids.contains(id) }

    /// Adds a request; false if it was already here or the pool is full.
    public mutating func add(id: Digest, bytes: [UInt8]) -> Bool {
        guard !ids.contains(id), entries.count < capacity else { return false }
        ids.insert(id)
        entries.append(Entry(id: id, bytes: bytes))
        return true
    }

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

    /// Drops the requests a decided block ordered.
    public mutating func remove(_ removed: Set<Digest>) {
        guard !removed.isEmpty else { return }
        entries.removeAll { removed.contains($0.id) }
        ids.subtract(removed)
    }
}
