import WarrantCrypto
import WarrantTransport
import WarrantWire

/// Talks to one node's client (or control) endpoint: seals a body with the caller's key,
/// waits for the node's answer and accepts it only if it is validly signed by that node.
public struct NodeClient: Sendable {
    public let name: String
    public let address: String
    /// The node's key; answers signed by anyone else are refused.
    public let nodeKey: PublicKey?

    public init(name: String, address: String, nodeKey: PublicKey?) {
        self.name = name
        self.address = address
        self.nodeKey = nodeKey
    }

    /// Sends already sealed bytes and returns the node's verified answer.
    public func send(_ bytes: [UInt8], timeout: Duration = .seconds(15)) async throws(CoordinatorError) -> Message {
        try await exchange(bytes, timeout: timeout).message
    }

    /// Sends already sealed bytes; the node's reply as received and as verified.
    public func exchange(_ bytes: [UInt8], timeout: Duration = .seconds(15)) async throws(CoordinatorError) -> (reply: [UInt8], message: Message) {
        let client: RequestClient
        do {
            client = try RequestClient(dialing: address, maxMessageBytes: 8 << 20)
        } catch {
            throw CoordinatorError(.unreachable, "\(name) at \(address): \(error)")
        }
        defer { client.close() }
        let reply: [UInt8]
        do {
            reply = try await client.request(bytes, timeout: timeout)
        } catch {
            throw CoordinatorError(.unreachable, "\(name) at \(address): \(error)")
        }
        let opened: SignedMessage
        do {
            opened = try SignedMessage(opening: reply, limits: WireLimits(maxMessageBytes: 8 << 20))
        } catch {
            throw CoordinatorError(.unreachable, "\(name) answered with an invalid envelope: \(error)")
        }
        if let nodeKey, opened.sender != nodeKey {
            throw CoordinatorError(.unreachable, "\(name)'s answer is signed by \(opened.sender.short), not by its key \(nodeKey.short)")
        }
        return (reply, opened.message)
    }

    /// Seals `body` with `key` and sends it.
    public func ask<B: WireBody>(_ body: B, signedBy key: SigningKey, timeout: Duration = .seconds(15)) async throws(CoordinatorError) -> Message {
        try await send(Envelope.seal(body, by: key).encoded, timeout: timeout)
    }
}
