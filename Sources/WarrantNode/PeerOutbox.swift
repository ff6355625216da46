import WarrantTransport

/// Sends to one peer in order without holding up the node: messages queue here and one
/// task hands them to the link (whose fault filter may drop or delay them). When the
/// queue is full the newest are kept — anything older that matters is rebroadcast.
final class PeerOutbox: Sendable {
    let link: PeerLink
    private let continuation: AsyncStream<[UInt8]>.Continuation
    private let pump: Task<Void, Never>

    init(link: PeerLink, capacity: Int = 4_096) {
        self.link = link
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(capacity))
        self.continuation = continuation
        pump = Task {
            for await bytes in stream {
                _ = try? await link.send(bytes, timeout: .seconds(1))
            }
        }
    }

    func send(_ bytes: [UInt8]) { continuation.yield(bytes) }

    func close() {
        continuation.finish()
        pump.cancel()
        link.close()
    }
}
