import WarrantErrors
import WarrantCrypto
import WarrantWire

/// One request as the ledger sees it: already decoded and signature-checked at the edge
/// (the ledger holds no key and verifies nothing), with its id and signer.
public struct LedgerRequest: Hashable, Sendable {
    public enum Body: Hashable, Sendable {
        case grant(Grant)
        case revoke(Revoke)
        case revokeAll(RevokeAll)
        case act(Act)

        /// The ordered request a message body is, or nil for kinds that are not requests.
        public init?(_ message: Message) {
            switch message {
            case .grant(let grant): self = .grant(grant)
            case .revoke(let revoke): self = .revoke(revoke)
            case .revokeAll(let revokeAll): self = .revokeAll(revokeAll)
            case .act(let act): self = .act(act)
            default: return nil
            }
        }
    }

    /// BLAKE2b-256 of the request's envelope bytes (for a grant, the new session's id).
    public let id: Digest
    public let signer: PublicKey
    public let body: Body

    public init(id: Digest, signer: PublicKey, body: Body) {
        self.id = id
        self.signer = signer
        self.body = body
    }

    /// The ledger request a verified message carries, or nil for kinds that are not
    /// ordered requests.
    public init?(_ message: SignedMessage) {
        guard let body = Body(message.message) else { return nil }
        self.init(id: message.hash, signer: message.sender, body: body)
    }
}

/// A block as the ledger applies it.
public struct LedgerBlock: Hashable, Sendable {
    public let height: UInt64
    public let timeMs: UInt64
    public let requests: [LedgerRequest]
    /// Offenses proven by the block's evidence (signatures checked before), recorded once each.
    public let evidence: [Offense]

    public init(height: UInt64, timeMs: UInt64, requests: [LedgerRequest], evidence: [Offense] = []) {
        self.height = height
        self.timeMs = timeMs
        self.requests = requests
        self.evidence = evidence
    }
}

/// What applying a block produced: one outcome per request, in order, the new state
/// hash, and the records that changed (for the store, which writes them in one transaction).
public struct BlockOutcome: Hashable, Sendable {
    public let height: UInt64
    public let timeMs: UInt64
    public let outcomes: [RequestOutcome]
    public let stateHash: Digest
    public let changes: LedgerChanges
}

/// The records a block changed, with their final values.
public struct LedgerChanges: Hashable, Sendable {
    public var upsertedSessions: [Session] = []
    public var removedSessions: [Digest] = []
    public var upsertedNonces: [NonceRecord] = []
    public var removedNonces: [NonceKey] = []
    public var revokeAll: [RevokeAllRecord] = []
    /// Offenses first recorded by this block.
    public var offenses: [OffenseRecord] = []
    /// The ledger's ordinal counter after the block.
    public var ordinal: UInt64 = 0
}

/// A used nonce and how long it is remembered.
public struct NonceRecord: Hashable, Sendable {
    public let key: NonceKey
    /// Block time after which the record may be pruned; `NonceKey.forever` for revoke-alls.
    public let retainUntil: UInt64

    public init(key: NonceKey, retainUntil: UInt64) {
        self.key = key
        self.retainUntil = retainUntil
    }
}

/// The latest revoke-all of a principal: its sessions granted before `ordinal` are revoked.
public struct RevokeAllRecord: Hashable, Sendable {
    public let principal: PublicKey
    public let ordinal: UInt64
    public let height: UInt64

    public init(principal: PublicKey, ordinal: UInt64, height: UInt64) {
        self.principal = principal
        self.ordinal = ordinal
        self.height = height
    }
}

/// A validator's equivocation, as committed: the offense and the height of the block
/// whose evidence first proved it. Kept for good (misbehaviour is rare and bounded by
/// the validators' own signatures: one record per validator, height, round and step).
public struct OffenseRecord: Hashable, Sendable {
    public let offense: Offense
    public let height: UInt64

    public init(offense: Offense, height: UInt64) {
        self.offense = offense
        self.height = height
    }
}

/// Misuse of the ledger by its caller (never caused by request contents).
public enum LedgerErrorCode: String, ErrorCode {
    case wrongHeight = "wrong_height"
    case timeWentBackwards = "time_went_backwards"
    case inconsistentSnapshot = "inconsistent_snapshot"
}

public typealias LedgerError = WarrantError<LedgerErrorCode>

extension LedgerBlock {
    /// The ledger's view of a decided block: each request envelope decoded (signatures
    /// were checked at the edge before the block was accepted), and the offenses its
    /// evidence proves. `decoded` tells, per block position, whether the ledger saw the
    /// request; bytes that do not decode as a ledger request are skipped and reported as
    /// `malformed` in the outcomes a node publishes.
    public static func decoding(_ block: Block) -> (block: LedgerBlock, decoded: [Bool]) {
        var requests: [LedgerRequest] = []
        var decoded: [Bool] = []
        for request in block.requests {
            if let envelope = try? Envelope(decoding: request.bytes),
               let message = try? Message(kind: envelope.kind, body: envelope.body),
               let body = LedgerRequest.Body(message) {
                requests.append(LedgerRequest(id: Blake2b.hash(request.bytes), signer: envelope.sender, body: body))
                decoded.append(true)
            } else {
                decoded.append(false)
            }
        }
        let ledgerBlock = LedgerBlock(height: block.height, timeMs: block.timeMs, requests: requests,
                                      evidence: block.evidence.compactMap { try? $0.offense() })
        return (ledgerBlock, decoded)
    }
}
