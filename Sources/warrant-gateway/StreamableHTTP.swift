import FlyingFox
import FlyingSocks
import Foundation
import MCP

/// MCP's Streamable HTTP transport for the gateway (`--http HOST:PORT`): one endpoint,
/// `/mcp`, on FlyingFox; each MCP session (an `initialize` POST without a session id) gets
/// its own MCP server and the SDK's stateful transport, which answers in JSON or as a
/// server-sent-event stream. Every session's tools go through the one gateway.
actor StreamableHTTPSessions {
    let makeServer: @Sendable () async -> Server
    var sessions: [String: StatefulHTTPServerTransport] = [:]

    init(makeServer: @escaping @Sendable () async -> Server) {
        self.makeServer = makeServer
    }

    func handle(_ request: MCP.HTTPRequest) async -> MCP.HTTPResponse {
        if let id = request.header(HTTPHeaderName.sessionID) {
            guard let transport = sessions[id] else {
                return .error(statusCode: 404, .invalidRequest("Not Found: no MCP session \(id)"))
            }
            let response = await transport.handleRequest(request)
            if request.method.uppercased() == "DELETE", response.statusCode == 200 { sessions[id] = nil }
            return response
        }
        guard request.method.uppercased() == "POST", let body = request.body, Self.isInitialize(body) else {
            return .error(statusCode: 400, .invalidRequest("Bad Request: no \(HTTPHeaderName.sessionID) header, and not an initialize request"))
        }
        let id = UUID().uuidString
        let transport = StatefulHTTPServerTransport(sessionIDGenerator: FixedID(id: id))
        do {
            try await makeServer().start(transport: transport)
        } catch {
            return .error(statusCode: 500, .internalError("cannot start an MCP session: \(error)"))
        }
        sessions[id] = transport
        let response = await transport.handleRequest(request)
        if case .error = response { sessions[id] = nil }
        return response
    }

    /// Whether a POST body is (or holds, in a batch) an `initialize` request.
    static func isInitialize(_ body: Data) -> Bool {
        let json = try? JSONSerialization.jsonObject(with: body)
        let messages = (json as? [[String: Any]]) ?? (json as? [String: Any]).map { [$0] } ?? []
        return messages.contains { $0["method"] as? String == "initialize" }
    }

    struct FixedID: SessionIDGenerator {
        let id: String
        func generateSessionID() -> String { id }
    }
}

/// Serves `/mcp` on `host:port` until the process ends.
func serveStreamableHTTP(host: String, port: UInt16, makeServer: @escaping @Sendable () async -> Server) async throws {
    let sessions = StreamableHTTPSessions(makeServer: makeServer)
    let address = host.contains(":") ? try sockaddr_in6.inet6(ip6: host, port: port) as any SocketAddress
        : try sockaddr_in.inet(ip4: host, port: port)
    // Event streams stay open between events: no idle timeout short enough to cut them.
    let server = HTTPServer(address: address, timeout: 3_600, logger: .disabled)
    await server.appendRoute("/mcp") { request in
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue] = value }
        let body = try await request.bodyData
        let answer = await sessions.handle(MCP.HTTPRequest(method: request.method.rawValue, headers: headers,
                                                           body: body.isEmpty ? nil : body, path: request.path))
        var out = HTTPHeaders()
        for (name, value) in answer.headers { out[HTTPHeader(name)] = value }
        let status = HTTPStatusCode(answer.statusCode, phrase: answer.statusCode == 200 ? "OK" : answer.statusCode == 202 ? "Accepted" : "Error")
        if case .stream(let events, _) = answer {
            return FlyingFox.HTTPResponse(statusCode: status, headers: out, body: HTTPBodySequence(from: EventBytes(events)))
        }
        return FlyingFox.HTTPResponse(statusCode: status, headers: out, body: answer.bodyData ?? Data())
    }
    try await server.run()
}

/// A stream of server-sent-event chunks as the byte sequence FlyingFox sends (chunked).
struct EventBytes: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8
    let events: AsyncThrowingStream<Data, any Error>

    init(_ events: AsyncThrowingStream<Data, any Error>) { self.events = events }

    func makeAsyncIterator() -> Iterator { Iterator(source: events.makeAsyncIterator()) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var source: AsyncThrowingStream<Data, any Error>.AsyncIterator
        var pending: [UInt8] = []

        mutating func next() async throws -> UInt8? {
            try await nextBuffer(suggested: 1)?.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            while pending.isEmpty {
                guard let chunk = try await source.next() else { return nil }
                pending = Array(chunk)
            }
            let taken = Array(pending.prefix(Swift.max(1, count)))
            pending.removeFirst(taken.count)
            return taken
        }
    }
}
