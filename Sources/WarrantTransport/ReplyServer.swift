import CNNG
import Synchronization
import WarrantSync

/// A rep0 server that receives every request on its own nng context, so each can be
/// answered later and in any order (for example when the block holding it commits).
/// Up to `maxInFlight` requests may be awaiting an answer at once; past that, nng queues
/// new ones until answers free a slot. At most `maxConnections` clients are connected at
/// once; one more is disconnected after its handshake (its dialer retries).
public final class ReplyServer: Sendable {
    /// The address listened on (with the kernel-chosen port for `tcp://…:0`).
    public let address: String
    /// Requests as they arrive. Ends when the server is closed.
    public let requests: AsyncStream<IncomingRequest>

    private let socket: Socket
    private let continuation: AsyncStream<IncomingRequest>.Continuation
    private let slots: AsyncSemaphore
    private let receivers: Locked<[Task<Void, Never>]>

    public init(listening address: String, maxMessageBytes: Int, maxInFlight: Int = 4096, maxConnections: Int? = nil,
                receivers count: Int = 4) throws(TransportError) {
        (socket, self.address) = try Socket.open(.reply, maxMessageBytes: maxMessageBytes) { s throws(TransportError) in
            if let maxConnections { try s.capConnections(at: maxConnections) }
            return try s.listen(address)
        }
        (requests, continuation) = AsyncStream.makeStream(of: IncomingRequest.self)
        slots = AsyncSemaphore(permits: maxInFlight)
        receivers = Locked([])
        let tasks = (0..<max(1, count)).map { _ in
            Task { [socket, slots, continuation] in
                await Self.receiveLoop(socket: socket, slots: slots, continuation: continuation)
            }
        }
        receivers.withLock { $0 = tasks }
    }

    deinit { close() }

    /// Clients connected now.
    public var connections: Int { socket.connections.open.load(ordering: .relaxed) }
    /// Clients disconnected so far because `maxConnections` were already connected.
    public var connectionsRefused: Int { socket.connections.refused.load(ordering: .relaxed) }

    /// Stops listening; requests not yet answered are dropped (their clients time out).
    public func close() {
        socket.close()
        slots.close()
        continuation.finish()
        for task in receivers.withLock({ $0 }) { task.cancel() }
    }

    private static func receiveLoop(socket: Socket, slots: AsyncSemaphore,
                                    continuation: AsyncStream<IncomingRequest>.Continuation) async {
        guard let io = try? AsyncIO() else { return }
        while !socket.isClosed, !Task.isCancelled {
            guard await slots.acquire() else { return }
            do {
                let context = try Context(socket)
                let bytes = try await context.receive(timeout: nil, io: io)
                let request = IncomingRequest(bytes: bytes, context: context, release: slots.release)
                if case .terminated = continuation.yield(request) { return }
            } catch {
                slots.release()
                if socket.isClosed || error.code == .closed || error.code == .cancelled { return }
            }
        }
    }
}

/// One received request, holding the context its answer must go out on. Answer it
/// once with `reply`; a request dropped unanswered frees its context and slot.
public final class IncomingRequest: Sendable {
    public let bytes: [UInt8]
    private let context: Context
    private let release: @Sendable () -> Void
    private let answered = Atomic<Bool>(false)

    init(bytes: [UInt8], context: Context, release: @escaping @Sendable () -> Void) {
        self.bytes = bytes
        self.context = context
        self.release = release
    }

    deinit {
        if !answered.load(ordering: .acquiring) {
            context.close()
            release()
        }
    }

    /// Sends the answer without waiting for it to leave: the context and the in-flight
    /// slot are freed when the send completes (or fails, or times out: the client then
    /// times out too). A second call throws `.alreadyReplied`.
    public func reply(_ bytes: [UInt8], timeout: Duration = .seconds(5)) throws(TransportError) {
        if answered.exchange(true, ordering: .acquiringAndReleasing) {
            throw TransportError(.alreadyReplied, "this request was already answered")
        }
        let context = context, release = release
        do {
            try context.sendDetached(bytes, timeout: timeout) {
                context.close()
                release()
            }
        } catch {
            context.close()
            release()
            throw error
        }
    }
}
