import Foundation
import Testing
import WarrantTransport

/// Real nng sockets on 127.0.0.1 (ports chosen by the kernel), ipc:// and inproc://.
@Suite struct ReqRepTests {
    static let maxBytes = 64 * 1024

    /// Answers each request with "re:" + its bytes, as soon as it arrives.
    static func echo(_ server: ReplyServer) -> Task<Void, Never> {
        Task {
            for await request in server.requests {
                try? request.reply(Array("re:".utf8) + request.bytes)
            }
        }
    }

    /// A request sent while a connection is dying (the server gone, or the connection
    /// refused at its cap) comes back reset; the dialer reconnects on its own, so a
    /// caller's retry goes through. Bounded: at most 20 tries, 50 ms apart.
    static func requestRetryingResets(_ client: RequestClient, _ bytes: [UInt8]) async throws -> [UInt8]? {
        for _ in 0..<20 {
            do {
                return try await client.request(bytes, timeout: patience)
            } catch {
                guard error.message.contains("reset") || error.code == .closed else { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return nil
    }

    @Test(arguments: ["tcp://127.0.0.1:0", "ipc", "inproc"])
    func roundTrip(_ scheme: String) async throws {
        let address = switch scheme {
        case "ipc": "ipc://\(NSTemporaryDirectory())warrant-\(UUID().uuidString).sock"
        case "inproc": "inproc://warrant-\(UUID().uuidString)"
        default: scheme
        }
        let server = try ReplyServer(listening: address, maxMessageBytes: Self.maxBytes)
        defer { server.close() }
        if scheme.hasPrefix("tcp") { #expect(!server.address.hasSuffix(":0")) }
        let echo = Self.echo(server)
        defer { echo.cancel() }
        let client = try RequestClient(dialing: server.address, maxMessageBytes: Self.maxBytes)
        defer { client.close() }
        let answer = try await client.request(Array("ping".utf8), timeout: patience)
        #expect(String(decoding: answer, as: UTF8.self) == "re:ping")
    }

    /// 1,000 requests in flight at once, answered in the reverse order of arrival: each
    /// client still gets its own answer, because each request has its own context.
    @Test func thousandRequestsAnsweredOutOfOrder() async throws {
        let count = 1_000
        let server = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: Self.maxBytes, maxInFlight: count)
        defer { server.close() }
        let client = try RequestClient(dialing: server.address, maxMessageBytes: Self.maxBytes)
        defer { client.close() }

        let answering = Task { () -> [String] in
            var pending: [IncomingRequest] = []
            for await request in server.requests {
                pending.append(request)
                if pending.count == count { break }
            }
            var order: [String] = []
            for request in pending.reversed() {
                order.append(String(decoding: request.bytes, as: UTF8.self))
                try? request.reply(Array("answer to ".utf8) + request.bytes)
            }
            return order
        }

        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<count {
                group.addTask {
                    let answer = try await client.request(Array("request \(i)".utf8), timeout: .seconds(60))
                    return (i, String(decoding: answer, as: UTF8.self))
                }
            }
            var answers: [Int: String] = [:]
            for try await (i, answer) in group { answers[i] = answer }
            return answers
        }
        let order = await answering.value
        #expect(answers.count == count)
        for i in 0..<count { #expect(answers[i] == "answer to request \(i)") }
        // The server really answered out of arrival order.
        #expect(order.count == count)
        #expect(order.first != "request 0" || order.last != "request \(count - 1)")
    }

    @Test func requestWithoutServerTimesOut() async throws {
        // Take a free port, then close the server so nobody listens there.
        let probe = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: 1024)
        let address = probe.address
        probe.close()
        let client = try RequestClient(dialing: address, maxMessageBytes: 1024)
        defer { client.close() }
        await #expect(throws: TransportError.self) {
            _ = try await client.request([1], timeout: .milliseconds(300))
        }
        do {
            _ = try await client.request([1], timeout: .milliseconds(200))
        } catch {
            #expect(error.code == .timedOut)
            #expect(error.message.contains(address))
        }
    }

    /// The client's dialer reconnects by itself when its server goes away and a new one
    /// comes up at the same address.
    @Test func clientReconnectsToARestartedServer() async throws {
        let first = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: 1024)
        let address = first.address
        let firstEcho = Self.echo(first)
        let client = try RequestClient(dialing: address, maxMessageBytes: 1024)
        defer { client.close() }
        #expect(try await client.request([1], timeout: patience) == Array("re:".utf8) + [1])
        first.close()
        firstEcho.cancel()
        let second = try ReplyServer(listening: address, maxMessageBytes: 1024)
        defer { second.close() }
        let secondEcho = Self.echo(second)
        defer { secondEcho.cancel() }
        #expect(try await Self.requestRetryingResets(client, [2]) == Array("re:".utf8) + [2])
    }

    @Test func secondListenerOnTheSameAddressIsRefused() throws {
        let server = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: 1024)
        defer { server.close() }
        do {
            _ = try ReplyServer(listening: server.address, maxMessageBytes: 1024)
            Issue.record("two servers listened on \(server.address)")
        } catch {
            #expect(error.code == .addressInUse)
            #expect(error.message.contains(server.address))
        }
    }

    @Test func invalidAddressIsATypedError() {
        #expect(throws: TransportError.self) { try ReplyServer(listening: "nonsense://x", maxMessageBytes: 1024) }
    }

    /// A request over the server's maximum never reaches it; normal traffic goes on.
    @Test func oversizeRequestIsNotDelivered() async throws {
        let server = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: 1024)
        defer { server.close() }
        let seen = Task { () -> [Int] in
            var sizes: [Int] = []
            for await request in server.requests {
                sizes.append(request.bytes.count)
                try? request.reply([0])
                if request.bytes.count == 10 { break }
            }
            return sizes
        }
        let client = try RequestClient(dialing: server.address, maxMessageBytes: 1 << 20)
        defer { client.close() }
        await #expect(throws: TransportError.self) {
            _ = try await client.request([UInt8](repeating: 7, count: 4096), timeout: .milliseconds(500))
        }
        _ = try await client.request([UInt8](repeating: 1, count: 10), timeout: patience)
        #expect(await seen.value == [10])
    }

    @Test func replyingTwiceIsRefused() async throws {
        let server = try ReplyServer(listening: "inproc://twice-\(UUID().uuidString)", maxMessageBytes: 1024)
        defer { server.close() }
        let client = try RequestClient(dialing: server.address, maxMessageBytes: 1024)
        defer { client.close() }
        async let answer = client.request([1], timeout: patience)
        var iterator = server.requests.makeAsyncIterator()
        let request = try #require(await iterator.next())
        try request.reply([2])
        #expect(throws: TransportError(.alreadyReplied, "this request was already answered")) {
            try request.reply([3])
        }
        #expect(try await answer == [2])
    }

    /// Past `maxConnections`, a client is disconnected after its handshake and counted;
    /// its dialer keeps retrying and gets in once a connection closes. (A request it sent
    /// on a connection the server then closed fails with `reset`, as nng's req does.)
    @Test func connectionsPastTheCapWaitForOneToClose() async throws {
        let server = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: 1024, maxConnections: 2)
        defer { server.close() }
        let echo = Self.echo(server)
        defer { echo.cancel() }
        let first = try RequestClient(dialing: server.address, maxMessageBytes: 1024)
        let second = try RequestClient(dialing: server.address, maxMessageBytes: 1024)
        defer { second.close() }
        #expect(try await first.request([1], timeout: patience) == Array("re:".utf8) + [1])
        #expect(try await second.request([2], timeout: patience) == Array("re:".utf8) + [2])
        #expect(server.connections == 2)

        let third = try RequestClient(dialing: server.address, maxMessageBytes: 1024)
        defer { third.close() }
        let deadline = ContinuousClock.now + patience
        while server.connectionsRefused < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.connectionsRefused >= 2, "the third client's dialer was turned away, and tried again")
        #expect(server.connections == 2)

        first.close()
        #expect(try await Self.requestRetryingResets(third, [3]) == Array("re:".utf8) + [3])
        #expect(server.connections == 2)
    }

    @Test func closingTheServerEndsItsRequestStream() async throws {
        let server = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: 1024)
        let drained = Task { () -> Int in
            var n = 0
            for await _ in server.requests { n += 1 }
            return n
        }
        server.close()
        #expect(await drained.value == 0)
    }
}
