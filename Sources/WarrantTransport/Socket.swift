import CNNG
import Synchronization

/// The nng scalability protocols Warrant uses.
public enum SocketProtocol: String, Sendable {
    case request = "req0", reply = "rep0", publish = "pub0", subscribe = "sub0", pair = "pair1"
}

/// One nng socket with a maximum receive size, listeners and dialers. Closing is
/// idempotent and aborts every pending operation with `.closed`.
final class Socket: Sendable {
    let handle: nng_socket
    let kind: SocketProtocol
    let maxMessageBytes: Int
    /// Connections held and refused (a cap is set by `capConnections(at:)`).
    let connections = ConnectionCount()
    private let closed = Atomic<Bool>(false)

    init(_ kind: SocketProtocol, maxMessageBytes: Int) throws(TransportError) {
        var socket = nng_socket()
        let rv: Int32
        switch kind {
        case .request: rv = nng_req0_open(&socket)
        case .reply: rv = nng_rep0_open(&socket)
        case .publish: rv = nng_pub0_open(&socket)
        case .subscribe: rv = nng_sub0_open(&socket)
        case .pair: rv = nng_pair1_open(&socket)
        }
        try check(rv, "opening a \(kind.rawValue) socket")
        handle = socket
        self.kind = kind
        self.maxMessageBytes = maxMessageBytes
        // Larger messages are dropped by nng before they reach us (and the connection closed).
        try check(nng_socket_set_size(socket, NNG_OPT_RECVMAXSZ, maxMessageBytes), "setting the maximum receive size")
    }

    /// Opens a socket and runs `setUp` on it (options, listen, dial); if set-up fails the
    /// socket is closed before the error propagates, so no half-made socket leaks.
    static func open<R>(_ kind: SocketProtocol, maxMessageBytes: Int,
                        _ setUp: (Socket) throws(TransportError) -> R) throws(TransportError) -> (Socket, R) {
        let socket = try Socket(kind, maxMessageBytes: maxMessageBytes)
        do {
            return (socket, try setUp(socket))
        } catch {
            socket.close()
            throw error
        }
    }

    deinit { close() }

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    func close() {
        if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
        nng_close(handle)
    }

    /// Starts listening; returns the address actually bound (a `tcp://…:0` address comes
    /// back with the port the kernel chose, so parallel tests never collide).
    @discardableResult
    func listen(_ address: String) throws(TransportError) -> String {
        var listener = nng_listener()
        try check(nng_listener_create(&listener, handle, address), "listening on \(address)")
        let rv = nng_listener_start(listener, 0)
        if rv != 0 {
            nng_listener_close(listener)
            throw TransportError(nng: rv, "listening on \(address)")
        }
        guard address.hasPrefix("tcp"), address.hasSuffix(":0") else { return address }
        var port: Int32 = 0
        try check(nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port), "reading the bound port of \(address)")
        return String(address.dropLast()) + String(port)
    }

    /// Dials in the background: if the peer is not up yet, nng keeps retrying, and it
    /// reconnects after a connection drops, backing off from `reconnectMin` to `reconnectMax`.
    func dial(_ address: String, reconnectMin: Duration = .milliseconds(50), reconnectMax: Duration = .seconds(1)) throws(TransportError) {
        var dialer = nng_dialer()
        try check(nng_dialer_create(&dialer, handle, address), "dialing \(address)")
        _ = nng_dialer_set_ms(dialer, NNG_OPT_RECONNMINT, nng_duration(clamping: reconnectMin.milliseconds))
        _ = nng_dialer_set_ms(dialer, NNG_OPT_RECONNMAXT, nng_duration(clamping: reconnectMax.milliseconds))
        try check(nng_dialer_start(dialer, Int32(NNG_FLAG_NONBLOCK)), "dialing \(address)")
    }

    func send(_ bytes: [UInt8], timeout: Duration?, io: AsyncIO? = nil) async throws(TransportError) {
        try await sendMessage(bytes, on: try io.orNew(), timeout: timeout, what: "sending on \(kind.rawValue)") {
            nng_send_aio(handle, $0)
        }
    }

    func receive(timeout: Duration? = nil, io: AsyncIO? = nil) async throws(TransportError) -> [UInt8] {
        try await receiveMessage(on: try io.orNew(), timeout: timeout, what: "receiving on \(kind.rawValue)") {
            nng_recv_aio(handle, $0)
        }
    }

    /// Hands the message to the socket's send buffer without waiting: no task, no thread
    /// switch on the caller's side. A full buffer throws `.bufferFull`.
    func sendNow(_ bytes: [UInt8]) throws(TransportError) {
        let msg = try NNGMessage.make(bytes)
        let rv = nng_sendmsg(handle, msg, Int32(NNG_FLAG_NONBLOCK))
        if rv != 0 {
            nng_msg_free(msg)
            throw TransportError(nng: rv, "sending on \(kind.rawValue)")
        }
    }

    /// A message already waiting in the socket's receive queue, or nil when none is (never
    /// waits). Draining what arrived together costs one wake-up for the lot.
    func receiveNow() -> [UInt8]? {
        var msg: OpaquePointer?
        guard nng_recvmsg(handle, &msg, Int32(NNG_FLAG_NONBLOCK)) == 0, let msg else { return nil }
        return NNGMessage.take(msg)
    }

    /// How many messages may wait to be sent (pair1 queues them even before a peer connects).
    func setSendBuffer(_ messages: Int32) throws(TransportError) {
        try check(nng_socket_set_int(handle, NNG_OPT_SENDBUF, messages), "setting the send buffer")
    }
}

/// An nng context: an independent request/reply state machine on a req or rep socket,
/// so many requests can be in flight, and each answered whenever it is ready.
final class Context: Sendable {
    let handle: nng_ctx
    private let closed = Atomic<Bool>(false)

    init(_ socket: Socket) throws(TransportError) {
        var ctx = nng_ctx()
        try check(nng_ctx_open(&ctx, socket.handle), "opening a context on \(socket.kind.rawValue)")
        handle = ctx
    }

    deinit { close() }

    func close() {
        if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
        nng_ctx_close(handle)
    }

    func send(_ bytes: [UInt8], timeout: Duration?, io: AsyncIO? = nil) async throws(TransportError) {
        try await sendMessage(bytes, on: try io.orNew(), timeout: timeout, what: "sending") { nng_ctx_send(handle, $0) }
    }

    /// Starts a send nobody waits for; `done` runs on nng's thread when it completes or fails.
    func sendDetached(_ bytes: [UInt8], timeout: Duration, done: @escaping @Sendable () -> Void) throws(TransportError) {
        try DetachedSend.start(bytes, timeout: timeout, done: done) { nng_ctx_send(handle, $0) }
    }

    func receive(timeout: Duration?, io: AsyncIO? = nil) async throws(TransportError) -> [UInt8] {
        try await receiveMessage(on: try io.orNew(), timeout: timeout, what: "receiving") { nng_ctx_recv(handle, $0) }
    }
}

/// Sends on an aio (reused across operations by callers that do several in a row).
func sendMessage(_ bytes: [UInt8], on io: AsyncIO, timeout: Duration?, what: String,
                 _ start: (OpaquePointer) -> Void) async throws(TransportError) {
    io.setTimeout(timeout)
    nng_aio_set_msg(io.aio, try NNGMessage.make(bytes))
    let rv = await io.run(start)
    if rv != 0 {
        // On failure the message is still ours.
        if let msg = io.takeMessage() { nng_msg_free(msg) }
        throw TransportError(nng: rv, what)
    }
}

func receiveMessage(on io: AsyncIO, timeout: Duration?, what: String,
                    _ start: (OpaquePointer) -> Void) async throws(TransportError) -> [UInt8] {
    io.setTimeout(timeout)
    try check(await io.run(start), what)
    guard let msg = io.takeMessage() else { throw TransportError(.other, "\(what): completed without a message") }
    return NNGMessage.take(msg)
}

extension Optional where Wrapped == AsyncIO {
    /// The aio a caller passed for reuse, or a fresh one for this operation alone.
    func orNew() throws(TransportError) -> AsyncIO {
        if let self { return self }
        return try AsyncIO()
    }
}
