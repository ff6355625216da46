/// Every error WarrantNode throws. A replica that cannot write its database or apply a
/// decided block must stop (its shell exits); a client's bad request is refused.
public struct NodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The database failed (the message names the file).
        case storage
        /// The ledger refused a decided block: the node's state is not what consensus built on.
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
