import WarrantSync

/// The link to one peer: its own pair1 socket (so faults and sends are per peer), either
/// listening or dialing, with a fault filter on both directions. Inbound messages that
/// pass the filter arrive on `messages`; sends go through the outbound filter first.
public final class PeerLink: Sendable {
    public enum Endpoint: Sendable, Hashable {
        case listen(String)
        case dial(String)
    }

    /// The outcome of one send, after the outbound filter.
    public enum SendOutcome: Sendable, Hashable {
        case sent
        case dropped
        /// Handed to a timer; it goes out after the delay (or is lost if that send fails).
        case delayed(Duration)
    }

    /// The peer's name (for logs and fault targeting).
    public let peer: String
    /// The bound address when listening, the dialed one otherwise.
    public let address: String
    /// Inbound messages that passed the filter. Ends when the link closes.
    public let messages: AsyncStream<[UInt8]>

    private let socket: Socket
    private let continuation: AsyncStream<[UInt8]>.Continuation
    private let state: Shared
    private let pump: Locked<Task<Void, Never>?>

    /// Filter settings and counters, shared with the receive loop and delayed sends.
    private final class Shared: Sendable {
        struct State {
            var faults = LinkFaults.none
            var counters = LinkCounters()
            var random = SystemRandomNumberGenerator()
        }
        private let mutex = Locked(State())
        func withLock<R>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    /// `inboundBuffer` bounds messages received but not yet consumed; past it the
    /// oldest are kept and new ones dropped (and counted).
    public init(peer: String, endpoint: Endpoint, maxMessageBytes: Int, inboundBuffer: Int = 10_000,
                sendBuffer: Int32 = 1_024) throws(TransportError) {
        self.peer = peer
        (socket, self.address) = try Socket.open(.pair, maxMessageBytes: maxMessageBytes) { s throws(TransportError) in
            try s.setSendBuffer(sendBuffer)
            switch endpoint {
            case .listen(let address): return try s.listen(address)
            case .dial(let address):
                try s.dial(address)
                return address
            }
        }
        (messages, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(inboundBuffer))
        state = Shared()
        pump = Locked(nil)
        let task = Task { [socket, continuation, state] in
            await Self.receiveLoop(socket: socket, continuation: continuation, state: state)
        }
        pump.withLock { $0 = task }
    }

    deinit { close() }

    public func close() {
        socket.close()
        continuation.finish()
        pump.withLock { $0?.cancel() }
    }

    public var faults: LinkFaults {
        get { state.withLock { $0.faults } }
    }

    public func setFaults(_ faults: LinkFaults) {
        state.withLock { $0.faults = faults }
    }

    public var counters: LinkCounters { state.withLock { $0.counters } }

    /// Sends one message through the outbound filter, without waiting: it joins the
    /// socket's send buffer (`sendBuffer` messages; pair1 keeps them until the peer is
    /// connected). A full buffer throws `.bufferFull` — the peer is gone or not keeping
    /// up, and the protocol's rebroadcasts bring anything that mattered.
    @discardableResult
    public func send(_ bytes: [UInt8]) throws(TransportError) -> SendOutcome {
        let decision = state.withLock { state in
            let decision = state.faults.outbound.decide(using: &state.random)
            switch decision {
            case .drop: state.counters.droppedOutbound += 1
            case .deliver(let after) where after > .zero: state.counters.delayed += 1
            case .deliver: break
            }
            return decision
        }
        switch decision {
        case .drop:
            return .dropped
        case .deliver(let after) where after > .zero:
            Task { [socket, state] in
                try? await Task.sleep(for: after)
                do {
                    try socket.sendNow(bytes)
                    state.withLock { $0.counters.sent += 1 }
                } catch {
                    state.withLock { $0.counters.sendFailures += 1 }
                }
            }
            return .delayed(after)
        case .deliver:
            do {
                try socket.sendNow(bytes)
            } catch {
                state.withLock { $0.counters.sendFailures += 1 }
                throw TransportError(error.code, "to peer \(peer) at \(address): \(error.message)")
            }
            state.withLock { $0.counters.sent += 1 }
            return .sent
        }
    }

    private static func receiveLoop(socket: Socket, continuation: AsyncStream<[UInt8]>.Continuation, state: Shared) async {
        guard let io = try? AsyncIO() else { return }
        var ready: [UInt8]?
        var drained = 0
        while !Task.isCancelled {
            let bytes: [UInt8]
            if let next = ready {
                bytes = next
            } else {
                do {
                    bytes = try await socket.receive(io: io)
                } catch {
                    if socket.isClosed || error.code == .closed || error.code == .cancelled { break }
                    continue
                }
            }
            // Whatever else has arrived is taken without suspending again — up to a bound,
            // so that a flooding peer cannot hold a thread of the cooperative pool.
            drained = ready == nil ? 0 : drained + 1
            ready = drained < 64 ? socket.receiveNow() : nil
            let decision = state.withLock { state in
                state.counters.received += 1
                let decision = state.faults.inbound.decide(using: &state.random)
                switch decision {
                case .drop: state.counters.droppedInbound += 1
                case .deliver(let after) where after > .zero: state.counters.delayed += 1
                case .deliver: break
                }
                return decision
            }
            switch decision {
            case .drop:
                continue
            case .deliver(let after) where after > .zero:
                Task {
                    try? await Task.sleep(for: after)
                    deliver(bytes, continuation, state)
                }
            case .deliver:
                deliver(bytes, continuation, state)
            }
        }
        continuation.finish()
    }

    private static func deliver(_ bytes: [UInt8], _ continuation: AsyncStream<[UInt8]>.Continuation, _ state: Shared) {
        if case .dropped = continuation.yield(bytes) {
            state.withLock { $0.counters.droppedInbound += 1 }
        }
    }
}
