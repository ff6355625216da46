import Foundation
import Testing
import WarrantTestSupport
import WarrantTransport

@Suite struct PubSubTests {
    /// Waits for one message and returns the error code it ended with (nil if a message came).
    static func receiveError(_ subscriber: Subscriber) -> Task<TransportErrorCode?, Never> {
        Task {
            do throws(TransportError) {
                _ = try await subscriber.receive()
                return nil
            } catch {
                return error.code
            }
        }
    }

    /// A subscriber connects in the background; publish a greeting until it is heard
    /// (bounded), then everything published afterwards arrives in order.
    @Test func subscriberReceivesWhatIsPublished() async throws {
        let publisher = try Publisher(listening: "tcp://127.0.0.1:0", maxMessageBytes: 1024)
        defer { publisher.close() }
        let subscriber = try Subscriber(dialing: publisher.address, maxMessageBytes: 1024)
        defer { subscriber.close() }

        let greeting = Task {
            for _ in 0..<1000 {
                try await publisher.publish([0])
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        _ = try await subscriber.receive(timeout: patience)
        greeting.cancel()
        _ = await greeting.result
        for i in 1...20 { try await publisher.publish([UInt8(i)]) }
        var received: [UInt8] = []
        while received.count < 20 {
            let message = try await subscriber.receive(timeout: patience)
            if message != [0] { received.append(contentsOf: message) }
        }
        #expect(received == Array(1...20))
    }

    @Test func pendingReceiveEndsWithClosedWhenTheSocketCloses() async throws {
        let publisher = try Publisher(listening: "inproc://closing-\(UUID().uuidString)", maxMessageBytes: 1024)
        defer { publisher.close() }
        let subscriber = try Subscriber(dialing: publisher.address, maxMessageBytes: 1024)
        let waiting = Self.receiveError(subscriber)
        subscriber.close()
        #expect(await waiting.value == .closed)
    }

    @Test func cancellingAWaitingTaskCancelsTheReceive() async throws {
        let publisher = try Publisher(listening: "inproc://cancel-\(UUID().uuidString)", maxMessageBytes: 1024)
        defer { publisher.close() }
        let subscriber = try Subscriber(dialing: publisher.address, maxMessageBytes: 1024)
        defer { subscriber.close() }
        let waiting = Self.receiveError(subscriber)
        waiting.cancel()
        #expect(await waiting.value == .cancelled)
    }
}

@Suite struct PeerLinkTests {
    static func pair() throws -> (PeerLink, PeerLink) {
        let a = try PeerLink(peer: "b", endpoint: .listen("tcp://127.0.0.1:0"), maxMessageBytes: 4096)
        let b = try PeerLink(peer: "a", endpoint: .dial(a.address), maxMessageBytes: 4096)
        return (a, b)
    }

    static func next(_ link: PeerLink) async -> [UInt8]? {
        var iterator = link.messages.makeAsyncIterator()
        return await iterator.next()
    }

    @Test func messagesFlowBothWays() async throws {
        let (a, b) = try Self.pair()
        defer { a.close(); b.close() }
        // pair1 keeps the message in its send buffer until the peer connects.
        #expect(try b.send(Array("hello a".utf8)) == .sent)
        #expect(await Self.next(a) == Array("hello a".utf8))
        #expect(try a.send(Array("hello b".utf8)) == .sent)
        #expect(await Self.next(b) == Array("hello b".utf8))
        #expect(a.counters.sent == 1 && a.counters.received == 1)
    }

    @Test func blockedOutboundDropsAndCounts() async throws {
        let (a, b) = try Self.pair()
        defer { a.close(); b.close() }
        b.setFaults(LinkFaults(outbound: DirectionFaults(blocked: true)))
        #expect(try b.send([1]) == .dropped)
        #expect(try b.send([2]) == .dropped)
        b.setFaults(.none)
        #expect(try b.send([3]) == .sent)
        // The first message a sees is the one sent after healing.
        #expect(await Self.next(a) == [3])
        #expect(b.counters.droppedOutbound == 2)
    }

    @Test func blockedInboundDiscardsOnArrival() async throws {
        let (a, b) = try Self.pair()
        defer { a.close(); b.close() }
        a.setFaults(LinkFaults(inbound: DirectionFaults(blocked: true)))
        #expect(try b.send([1]) == .sent)
        // Wait until a has received (and discarded) it: then heal and send again.
        for _ in 0..<1000 where a.counters.droppedInbound == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(a.counters.droppedInbound == 1)
        a.setFaults(.none)
        try b.send([2])
        #expect(await Self.next(a) == [2])
    }

    @Test func delayedMessagesStillArrive() async throws {
        let (a, b) = try Self.pair()
        defer { a.close(); b.close() }
        // Connect first, so the delayed send does not race the connection.
        try b.send([0])
        #expect(await Self.next(a) == [0])
        b.setFaults(LinkFaults(outbound: DirectionFaults(delay: .milliseconds(30))))
        #expect(try b.send([9]) == .delayed(.milliseconds(30)))
        #expect(await Self.next(a) == [9])
        #expect(b.counters.delayed == 1)
    }
}

@Suite struct FaultDecisionTests {
    @Test func noFaultsDeliverAtOnce() {
        var random = SplitMix64(seed: 1)
        #expect(DirectionFaults.none.decide(using: &random) == .deliver(after: .zero))
    }

    @Test func blockedDropsEverything() {
        var random = SplitMix64(seed: 1)
        let faults = DirectionFaults(blocked: true)
        #expect((0..<100).allSatisfy { _ in faults.decide(using: &random) == .drop })
    }

    @Test func dropRateIsRoughlyHonoured() {
        var random = SplitMix64(seed: 42)
        let faults = DirectionFaults(dropPerMille: 250)
        let dropped = (0..<10_000).filter { _ in faults.decide(using: &random) == .drop }.count
        #expect((2_200...2_800).contains(dropped))
        #expect(DirectionFaults(dropPerMille: 5000).dropPerMille == 1000)
    }

    @Test func delayStaysWithinDelayPlusJitter() {
        var random = SplitMix64(seed: 7)
        let faults = DirectionFaults(delay: .milliseconds(20), jitter: .milliseconds(10))
        var seen = Set<Duration>()
        for _ in 0..<1000 {
            guard case .deliver(let after) = faults.decide(using: &random) else {
                Issue.record("a delay-only filter dropped a message")
                return
            }
            #expect(after >= .milliseconds(20) && after <= .milliseconds(30))
            seen.insert(after)
        }
        #expect(seen.count > 5)
    }
}
