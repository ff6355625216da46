import CNNG

/// A pub0 socket: every subscriber connected gets each message; a slow or absent
/// subscriber misses messages rather than slowing the publisher. At most `maxConnections`
/// subscribers are connected at once; one more is disconnected after its handshake.
public final class Publisher: Sendable {
    public let address: String
    private let socket: Socket

    public init(listening address: String, maxMessageBytes: Int, maxConnections: Int? = nil) throws(TransportError) {
        (socket, self.address) = try Socket.open(.publish, maxMessageBytes: maxMessageBytes) { s throws(TransportError) in
            if let maxConnections { try s.capConnections(at: maxConnections) }
            return try s.listen(address)
        }
    }

    deinit { close() }

    /// Subscribers connected now.
    public var connections: Int { socket.connections.open.load(ordering: .relaxed) }
    /// Subscribers disconnected so far because `maxConnections` were already connected.
    public var connectionsRefused: Int { socket.connections.refused.load(ordering: .relaxed) }

    public func close() { socket.close() }

    public func publish(_ bytes: [UInt8]) async throws(TransportError) {
        try await socket.send(bytes, timeout: .seconds(5))
    }
}

/// A sub0 socket subscribed to everything its publisher sends.
public final class Subscriber: Sendable {
    public let address: String
    private let socket: Socket

    public init(dialing address: String, maxMessageBytes: Int) throws(TransportError) {
        self.address = address
        (socket, _) = try Socket.open(.subscribe, maxMessageBytes: maxMessageBytes) { s throws(TransportError) in
            try check(nng_socket_set(s.handle, NNG_OPT_SUB_SUBSCRIBE, nil, 0), "subscribing to \(address)")
            try s.dial(address)
        }
    }

    deinit { close() }

    public func close() { socket.close() }

    /// The next message; `timeout` nil waits until one arrives or the socket closes.
    public func receive(timeout: Duration? = nil) async throws(TransportError) -> [UInt8] {
        try await socket.receive(timeout: timeout)
    }
}
