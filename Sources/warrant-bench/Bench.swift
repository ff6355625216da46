import WarrantCrypto
import WarrantTransport
import WarrantWire

/// `warrant-bench [--quick]`: measures the foundation's hot paths and prints a Markdown
/// table. Run it through `scripts/bench.sh`, which builds in release mode and records the
/// result in docs/BENCHMARKS.md with the machine and date.
@main
struct Bench {
    static func main() async throws {
        let quick = CommandLine.arguments.contains("--quick")
        if let index = CommandLine.arguments.firstIndex(of: "--cluster"), index + 1 < CommandLine.arguments.count {
            print("| measurement | result |")
            print("| --- | --- |")
            for (name, value) in try await ClusterBench.run(directory: CommandLine.arguments[index + 1], quick: quick) {
                print("| \(name) | \(value) |")
            }
            return
        }
        let scale = quick ? 10 : 1
        var rows: [(String, String)] = []
        func row(_ name: String, _ value: String) {
            rows.append((name, value))
            print("| \(name) | \(value) |")
        }
        print("| measurement | result |")
        print("| --- | --- |")

        let crypto = measureCrypto(iterations: 20_000 / scale)
        row("Ed25519 sign, one core", "\(Int(crypto.signPerSecond)) /s")
        row("Ed25519 verify, one core", "\(Int(crypto.verifyPerSecond)) /s")
        row("BLAKE2b-256 of a 200-byte input", "\(Int(crypto.hashPerSecond)) /s")

        let wire = measureWire(iterations: 200_000 / scale)
        row("grant encode + decode (body and envelope, no signature check)", "\(Int(wire.perSecond)) /s (\(format(wire.microseconds)) µs each)")
        row("grant encode + decode vs one verify", "\(format(wire.perSecond / crypto.verifyPerSecond))× faster")
        row("grant open (decode + strict verify)", "\(Int(wire.openPerSecond)) /s")

        let single = try await measureRoundTrips(clients: 1, requestsPerClient: 20_000 / scale)
        row("nng req/rep round trip, loopback TCP, 1 client", "p50 \(format(single.p50)) µs, p99 \(format(single.p99)) µs, \(Int(single.perSecond)) /s")
        let many = try await measureRoundTrips(clients: 16, requestsPerClient: 5_000 / scale)
        row("nng req/rep round trip, loopback TCP, 16 clients", "p50 \(format(many.p50)) µs, p99 \(format(many.p99)) µs, \(Int(many.perSecond)) /s")

        let ledger = try LedgerBench.run(rounds: quick ? 3 : 10)
        row("ledger: block of 1,000 grants applied (in memory)", "\(format(ledger.grantBlockMs)) ms (\(Int(ledger.grantsPerSecond)) grants/s)")
        row("ledger: block of 1,000 acts applied (in memory)", "\(format(ledger.actBlockMs)) ms (\(Int(ledger.actsPerSecond)) acts/s)")
        row("ledger: SQLite commit of that block (WAL, synchronous=FULL)", "\(format(ledger.commitMs)) ms")
        row("ledger: local check, 10,000 sessions", "median \(format(ledger.checkMedianMicroseconds)) µs, \(Int(ledger.checksPerSecond)) /s")
    }

    static func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(Double(Int(value * 10)) / 10)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func measureCrypto(iterations: Int) -> (signPerSecond: Double, verifyPerSecond: Double, hashPerSecond: Double) {
        let key = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))
        let message = [UInt8](repeating: 0x5a, count: 200)
        let clock = ContinuousClock()
        var signature = key.sign(message)
        let signTime = clock.measure {
            for i in 0..<iterations {
                var m = message
                m[0] = UInt8(truncatingIfNeeded: i)
                signature = key.sign(m)
            }
        }
        var valid = 0
        let verifyTime = clock.measure {
            for _ in 0..<iterations where key.publicKey.verify(signature, over: message) { valid += 1 }
        }
        var digest = Digest.zero
        let hashIterations = iterations * 50
        let hashTime = clock.measure {
            for i in 0..<hashIterations {
                var m = message
                m[1] = UInt8(truncatingIfNeeded: i)
                digest = Blake2b.hash(m)
            }
        }
        precondition(digest != .zero && valid >= 0)
        return (Double(iterations) / seconds(signTime), Double(iterations) / seconds(verifyTime),
                Double(hashIterations) / seconds(hashTime))
    }

    static func measureWire(iterations: Int) -> (perSecond: Double, microseconds: Double, openPerSecond: Double) {
        let principal = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))
        let grant = Grant(nonce: 1, sessionKey: SigningKey().publicKey,
                          scope: Scope(operations: ["read", "write"], resources: ["files/reports/*", "mail/outbox"], maxAmount: 50),
                          notBefore: 1_764_000_000_000, expiresAt: 1_764_003_600_000, budget: 1_000, maxUses: 100,
                          rate: RateLimit(count: 10, windowMs: 60_000))
        let sealed = Envelope.seal(grant, by: principal)
        let clock = ContinuousClock()
        var checksum = 0
        let time = clock.measure {
            for i in 0..<iterations {
                var g = grant
                g.nonce = UInt64(i)
                let envelope = Envelope(kind: .grant, sender: sealed.sender, body: g.cborBytes, signature: sealed.signature)
                let bytes = envelope.encoded
                let decoded = try! Envelope(decoding: bytes)
                let body = try! Grant(cbor: decoded.body)
                checksum &+= Int(body.nonce)
            }
        }
        let bytes = sealed.encoded
        let openIterations = max(1, iterations / 50)
        let openTime = clock.measure {
            for _ in 0..<openIterations {
                checksum &+= try! SignedMessage(opening: bytes).bytes.count
            }
        }
        precondition(checksum != 0)
        let perSecond = Double(iterations) / seconds(time)
        return (perSecond, 1e6 / perSecond, Double(openIterations) / seconds(openTime))
    }

    static func measureRoundTrips(clients: Int, requestsPerClient: Int) async throws
        -> (p50: Double, p99: Double, perSecond: Double)
    {
        let server = try ReplyServer(listening: "tcp://127.0.0.1:0", maxMessageBytes: 64 * 1024, receivers: 16)
        defer { server.close() }
        let echo = Task {
            for await request in server.requests { try? request.reply(request.bytes) }
        }
        defer { echo.cancel() }
        let payload = [UInt8](repeating: 7, count: 200)
        let clientSockets = try (0..<clients).map { _ in
            try RequestClient(dialing: server.address, maxMessageBytes: 64 * 1024)
        }
        defer { clientSockets.forEach { $0.close() } }
        // Warm up: every client connected and the path hot.
        for client in clientSockets {
            for _ in 0..<100 { _ = try await client.request(payload, timeout: .seconds(10)) }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in clientSockets {
                group.addTask {
                    var samples: [Double] = []
                    samples.reserveCapacity(requestsPerClient)
                    for _ in 0..<requestsPerClient {
                        let t0 = clock.now
                        _ = try await client.request(payload, timeout: .seconds(10))
                        samples.append(seconds(clock.now - t0) * 1e6)
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let elapsed = seconds(clock.now - start)
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return (percentile(0.50), percentile(0.99), Double(latencies.count) / elapsed)
    }
}
