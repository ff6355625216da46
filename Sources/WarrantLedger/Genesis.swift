import WarrantCrypto

/// An owner of authority, registered in the cluster's genesis (the topology): a key and
/// the resource patterns it owns. It may grant sessions only within them.
public struct Principal: Hashable, Sendable {
    public var name: String
    public var key: PublicKey
    /// Resource patterns (see `ResourcePattern`), e.g. `files/*`.
    public var owns: [ResourcePattern]

    public init(name: String, key: PublicKey, owns: [ResourcePattern]) {
        self.name = name
        self.key = key
        self.owns = owns
    }
}

/// Cluster-wide parameters the ledger's rules depend on. Every node must use the same
/// values (they come from the topology), or honest nodes would disagree.
public struct LedgerParameters: Hashable, Sendable {
    /// Deepest sub-delegation allowed: a top-level session has depth 0, its child 1, …
    public var maxDelegationDepth: Int
    /// Most expired entries removed from the live tables per block (bounded work).
    public var pruneLimitPerBlock: Int
    /// Local checks deny a session this long before its `expiresAt` (rule 3), and deny
    /// everything while the wall clock and the block clock disagree by more (rule 4).
    public var maxClockSkewMs: UInt64
    /// Local checks deny everything once the last applied block is older than this,
    /// measured on the monotonic clock (rule 4).
    public var maxStalenessMs: UInt64

    public init(maxDelegationDepth: Int = 3, pruneLimitPerBlock: Int = 256, maxClockSkewMs: UInt64 = 500,
                maxStalenessMs: UInt64 = 5_000) {
        self.maxDelegationDepth = maxDelegationDepth
        self.pruneLimitPerBlock = pruneLimitPerBlock
        self.maxClockSkewMs = maxClockSkewMs
        self.maxStalenessMs = maxStalenessMs
    }
}

/// What every node starts from.
public struct Genesis: Hashable, Sendable {
    public var principals: [Principal]
    public var parameters: LedgerParameters

    public init(principals: [Principal], parameters: LedgerParameters = LedgerParameters()) {
        self.principals = principals
        self.parameters = parameters
    }
}
