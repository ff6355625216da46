import CNNG

/// A req0 client. Each call uses its own nng context, so any number of requests may be
/// in flight on one connection and their answers may come back in any order.
public final class RequestClient: Sendable {
    public let address: String
    private let socket: Socket

    /// Dials `address` in the background (reconnecting as needed). `resendInterval` is
    /// nng's req retry: a request not answered within it is sent again, which servers
    /// must tolerate (Warrant's answer the same bytes with the same result).
    public init(dialing address: String, maxMessageBytes: Int, resendInterval: Duration? = nil) throws(TransportError) {
        self.address = address
        let resend = resendInterval.map { nng_duration(clamping: $0.milliseconds) } ?? NNG_DURATION_INFINITE
        (socket, _) = try Socket.open(.request, maxMessageBytes: maxMessageBytes) { s throws(TransportError) in
            try check(nng_socket_set_ms(s.handle, NNG_OPT_REQ_RESENDTIME, resend), "setting the resend time")
            try s.dial(address)
        }
    }

    deinit { close() }

    public func close() { socket.close() }

    /// Sends `bytes` and waits for the answer, for at most `timeout` in all.
    public func request(_ bytes: [UInt8], timeout: Duration) async throws(TransportError) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        let context = try Context(socket)
        defer { context.close() }
        let io = try AsyncIO()
        do throws(TransportError) {
            try await context.send(bytes, timeout: timeout, io: io)
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw TransportError(.timedOut, "no answer") }
            return try await context.receive(timeout: remaining, io: io)
        } catch {
            if error.code == .timedOut {
                throw TransportError(.timedOut, "request to \(address): no answer within \(timeout)")
            }
            throw error
        }
    }
}
