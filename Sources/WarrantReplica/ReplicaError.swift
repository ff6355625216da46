/// Every error a replica throws. A replica that cannot write its store or apply a
/// decided block must be discarded (its shell stops it; reopening it from its store is
/// how it recovers); a client's bad request is refused.
public struct ReplicaError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The store failed (the message names what).
        case storage
        /// The ledger refused a decided block: the replica's state is not what consensus built on.
        case ledger
        /// A client's request is malformed, badly signed or not a ledger request.
        case badRequest = "bad_request"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
