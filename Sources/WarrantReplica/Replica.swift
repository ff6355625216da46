import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantLedger
import WarrantWire

/// One validator without its network and clock: it verifies what arrives at the edge,
/// feeds the consensus core, carries out the core's directives in order — persist, then
/// send, then apply — keeps the ledger and its store in step, and gathers rule 4's
/// evidence. Synchronous and deterministic, and the only implementation there is: a
/// node's actor drives it with sockets, a clock and SQLite (`LedgerStore`, Ed25519); the
/// simulator drives the same code with a virtual network, `MemoryStore` and modelled
/// signatures; crash tests drive several in one process and kill it. A replica that
/// threw a `ReplicaError` is discarded: reopening it from its store is how it recovers.
public struct Replica<Store: ReplicaStore>: Sendable {
    public let signer: ReplicaSigner
    public let genesis: Genesis
    public internal(set) var store: Store
    public internal(set) var core: ConsensusCore
    public internal(set) var ledger: Ledger
    /// Rule 4's evidence: contact with a quorum and the other validators' clock readings.
    public internal(set) var quorumClock: QuorumClock
    /// When this replica last asked each peer for blocks (at most one request per
    /// `catchUpIntervalMs` per peer).
    var askedAt: [PublicKey: UInt64] = [:]
    public var catchUpIntervalMs: UInt64 = 200
    /// Blocks asked for (and served) per catch-up message.
    public var catchUpBatch: UInt64 = 20
    /// The largest answer this replica sends to a block request.
    public var maxAnswerBytes = 2 << 20
    /// Planted bugs (`warrant-node --sabotage`, `simulate --sabotage`), only for proving
    /// that the checkers catch them; handed to the cores with their parameters at opening.
    public let sabotage: Set<Sabotage>

    public var validators: ValidatorSet { core.validators }

    /// Opens the replica on its database: the ledger is rebuilt and checked against the
    /// stored state hash, and consensus resumes from the record and the last stored block.
    /// `nonceSeed` must differ from every earlier incarnation's (random bits): answers to
    /// an earlier incarnation's clock probes must match nothing.
    public init(signer: ReplicaSigner, validators: ValidatorSet, genesis: Genesis, genesisTimeMs: UInt64,
                parameters: ConsensusParameters = ConsensusParameters(), store: Store, nonceSeed: UInt64,
                sabotage: Set<Sabotage> = []) throws(ReplicaError) {
        self.signer = signer
        self.sabotage = sabotage
        var parameters = parameters
        parameters.sabotage = sabotage
        self.genesis = genesis
        self.store = store
        quorumClock = QuorumClock(validators: validators, me: signer.publicKey, maxStalenessMs: genesis.parameters.maxStalenessMs,
                                  maxClockSkewMs: genesis.parameters.maxClockSkewMs, nonceSeed: nonceSeed)
        do {
            ledger = try store.loadLedger(genesis: genesis)
            ledger.sabotage = sabotage
            let record = try store.loadConsensusRecord()
            let lastDecided = ledger.height > 0 ? try store.committedBlocks(from: ledger.height, maxCount: 1).first : nil
            core = ConsensusCore(validators: validators, me: signer.publicKey, parameters: parameters, genesisTimeMs: genesisTimeMs,
                                 genesisStateHash: Ledger(genesis: genesis).stateHash, record: record, lastDecided: lastDecided)
            // No record, yet a guard: the database was lost; sign nothing an earlier
            // incarnation may have signed at.
            if record == nil { core.abstainThrough = try store.signedThrough() }
        } catch {
            throw ReplicaError(.storage, "\(error)")
        }
    }

    /// Starts (or resumes) consensus. `monotonicMs` is the process's monotonic clock:
    /// nothing heard before it counts towards rule 4.
    public mutating func start(now: UInt64, monotonicMs: UInt64) throws(ReplicaError) -> [Outbound] {
        if sabotage.contains(.resetStalenessOnRestart) {
            quorumClock = QuorumClock(validators: validators, me: signer.publicKey, maxStalenessMs: quorumClock.maxStalenessMs,
                                      maxClockSkewMs: quorumClock.maxClockSkewMs, nonceSeed: quorumClock.nextNonce,
                                      trustStart: true, startMonotonicMs: monotonicMs, startWallMs: now)
        }
        var directives = core.onStart(now: now)
        if ledger.height > 0 {
            directives += core.onApplied(height: ledger.height, stateHash: ledger.stateHash, now: now)
        }
        return try execute(directives, now: now)
    }

    /// A timer the replica scheduled has fired.
    public mutating func timeout(_ kind: TimeoutKind, height: UInt64, round: UInt64, now: UInt64) throws(ReplicaError) -> [Outbound] {
        try execute(core.onTimeout(kind, height: height, round: round, now: now).directives, now: now)
    }

    /// A client's request (grant, revoke, revoke-all, act): checked, then ordered. Returns
    /// the request id the client's answer will carry.
    public mutating func submit(_ bytes: [UInt8], now: UInt64) throws(ReplicaError) -> (id: Digest, outbound: [Outbound]) {
        let message: SignedMessage
        do {
            message = try open(bytes)
        } catch {
            throw ReplicaError(.badRequest, error.description)
        }
        guard LedgerRequest.Body(message.message) != nil else {
            throw ReplicaError(.badRequest, "a \(message.envelope.kind.name) is not a request the cluster orders")
        }
        return (message.hash, try execute(core.onRequest(id: message.hash, bytes: bytes, now: now).directives, now: now))
    }

    /// Opens an envelope, verifying its signature — unless sabotaged to accept bad ones.
    public func open(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> SignedMessage {
        do {
            return try SignedMessage(opening: bytes, limits: limits, scheme: signer.scheme)
        } catch where error.code == .badSignature && sabotage.contains(.acceptBadSignature) {
            return try SignedMessage(openingUnverified: bytes, limits: limits)
        }
    }

    /// The result of a request a stored block carried (the same bytes sent again get it).
    public func storedResult(of request: Digest) throws(ReplicaError) -> RequestResult? {
        do {
            return try store.storedResult(of: request)
        } catch {
            throw ReplicaError(.storage, "\(error)")
        }
    }
}
