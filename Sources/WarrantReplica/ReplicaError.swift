import WarrantErrors

/// Why a replica threw. A replica that cannot write its store or apply a decided block
/// must be discarded (its shell stops it; reopening it from its store is how it
/// recovers); a client's bad request is refused.
public enum ReplicaErrorCode: String, ErrorCode {
    /// The store failed (the message names what).
    case storage
    /// The ledger refused a decided block: the replica's state is not what consensus built on.
    case ledger
    /// A client's request is malformed, badly signed or not a ledger request.
    case badRequest = "bad_request"
}

public typealias ReplicaError = WarrantError<ReplicaErrorCode>
