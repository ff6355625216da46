import CNNG
import WarrantErrors

/// What went wrong in WarrantTransport; the message names the address or peer at fault.
public enum TransportErrorCode: String, ErrorCode {
    /// The socket (or the server) was closed.
    case closed
    /// The operation's deadline passed.
    case timedOut = "timed_out"
    /// The calling task was cancelled.
    case cancelled
    /// Another process (or socket) already listens on the address.
    case addressInUse = "address_in_use"
    /// The address could not be parsed or resolved.
    case invalidAddress = "invalid_address"
    /// The peer refused the connection.
    case connectionRefused = "connection_refused"
    /// A message larger than the socket's maximum.
    case messageTooLarge = "message_too_large"
    /// The request was already answered.
    case alreadyReplied = "already_replied"
    /// A send that may not wait found the socket's send buffer full.
    case bufferFull = "buffer_full"
    /// Any other nng error; the message carries nng's text.
    case other
}

public typealias TransportError = WarrantError<TransportErrorCode>

extension WarrantError where Code == TransportErrorCode {
    /// Maps an nng error number, naming what was being done (`context`).
    init(nng rv: Int32, _ context: String) {
        let text = String(cString: nng_strerror(rv))
        switch UInt32(rv) {
        case NNG_ECLOSED.rawValue: self.init(.closed, "\(context): \(text)")
        case NNG_ETIMEDOUT.rawValue: self.init(.timedOut, "\(context): \(text)")
        case NNG_ECANCELED.rawValue: self.init(.cancelled, "\(context): \(text)")
        case NNG_EADDRINUSE.rawValue: self.init(.addressInUse, "\(context): \(text)")
        case NNG_EADDRINVAL.rawValue: self.init(.invalidAddress, "\(context): \(text)")
        case NNG_ECONNREFUSED.rawValue: self.init(.connectionRefused, "\(context): \(text)")
        case NNG_EMSGSIZE.rawValue: self.init(.messageTooLarge, "\(context): \(text)")
        case NNG_EAGAIN.rawValue: self.init(.bufferFull, "\(context): \(text)")
        default: self.init(.other, "\(context): \(text) (nng error \(rv))")
        }
    }
}

/// Throws a TransportError unless nng returned 0.
@inline(__always)
func check(_ rv: Int32, _ context: @autoclosure () -> String) throws(TransportError) {
    if rv != 0 { throw TransportError(nng: rv, context()) }
}
