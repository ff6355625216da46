import Foundation
import WarrantTransport

/// How an agent reaches the cluster: one request, one reply, to an address (a node's
/// client endpoint or the principal's). Real agents dial nng (`NNGAgentLink`); tests
/// answer in process, so each behaviour can be driven and watched without a cluster.
public protocol AgentLink: Sendable {
    func request(_ bytes: [UInt8], to address: String, timeout: Duration) async throws -> [UInt8]
}

/// An agent's sense of time: the wall clock it stamps requests with, and waiting. Real
/// agents use the system's (`SystemAgentClock`); tests use a virtual one.
public protocol AgentClock: Sendable {
    var wallMs: UInt64 { get }
    func sleep(ms: UInt64) async
}

/// The real link: a fresh nng request socket per request.
public struct NNGAgentLink: AgentLink {
    public init() {}

    public func request(_ bytes: [UInt8], to address: String, timeout: Duration) async throws -> [UInt8] {
        let client = try RequestClient(dialing: address, maxMessageBytes: 8 << 20)
        defer { client.close() }
        return try await client.request(bytes, timeout: timeout)
    }
}

/// The real clock.
public struct SystemAgentClock: AgentClock {
    public init() {}
    public var wallMs: UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }
    public func sleep(ms: UInt64) async { try? await Task.sleep(for: .milliseconds(ms)) }
}
