import CoreMetrics
import FlyingFox
import FlyingSocks
import Foundation
import Prometheus
import WarrantConsensus
import WarrantCrypto
import WarrantStorage
import WarrantSync
import WarrantTransport
import WarrantWire

/// What a node counts, served in Prometheus text format on `--metrics-port`
/// (`GET /metrics`). Metrics go through swift-metrics into a swift-prometheus registry of
/// this node's own (so several nodes in one test process never mix their numbers);
/// FlyingFox serves it — a small HTTP server on Swift concurrency with no dependency of
/// its own, where an NIO-based server would add minutes to every clean build for one
/// route. Figures that already live elsewhere (signature checks, SQLite timings, link
/// counters, rule 4's readings) are read when scraped, so the hot paths pay nothing.
final class NodeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let counters = Locked<[String: CoreMetrics.Counter]>([:])

    let height: CoreMetrics.Gauge
    let round: CoreMetrics.Gauge
    let commits: CoreMetrics.Counter
    let commitLatency: CoreMetrics.Timer

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000].map { .milliseconds($0) }
        self.factory = factory
        height = Gauge(label: "warrant_height", factory: factory)
        round = Gauge(label: "warrant_round", factory: factory)
        commits = Counter(label: "warrant_commits_total", factory: factory)
        commitLatency = Timer(label: "warrant_commit_latency_seconds", factory: factory)
    }

    /// A labelled counter, made once per label set.
    func count(_ name: String, _ labels: [(String, String)], by amount: Int = 1) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let counter = counters.withLock { cache in
            if let existing = cache[key] { return existing }
            let made = Counter(label: name, dimensions: labels, factory: factory)
            cache[key] = made
            return made
        }
        counter.increment(by: amount)
    }

    /// A floating-point counter grown by `amount` (seconds, for instance).
    func add(_ name: String, _ labels: [(String, String)], _ amount: Double) {
        FloatingPointCounter(label: name, dimensions: labels, factory: factory).increment(by: amount)
    }

    /// A gauge set at scrape time.
    func set(_ name: String, _ value: Double, _ labels: [(String, String)] = []) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    /// Peer traffic by message kind.
    func peerMessage(_ bytes: [UInt8], _ direction: String) {
        count("warrant_peer_messages_total", [("kind", Envelope.peekKind(bytes)?.name ?? "unknown"), ("direction", direction)])
    }

    /// The text Prometheus scrapes.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    /// Serves `GET /metrics` on `host:port` until the task is cancelled; `scrape` runs
    /// first on each request to refresh what is read rather than counted. A port in use
    /// is reported before the node starts serving anything else.
    static func serve(_ metrics: NodeMetrics, host: String, port: UInt16,
                      scrape: @escaping @Sendable () async -> Void) async throws -> Task<Void, Never> {
        let address = host.contains(":") ? try sockaddr_in6.inet6(ip6: host, port: port) as any SocketAddress
            : try sockaddr_in.inet(ip4: host, port: port)
        // FlyingFox's own logger would print to the node's log after our error, and the
        // launcher reports the last line: its failures reach us through `run()` instead.
        let server = HTTPServer(address: address, logger: .disabled)
        await server.appendRoute("GET /metrics") { _ in
            await scrape()
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: Data(metrics.exposition()))
        }
        let running = Task { () -> (any Error)? in
            do {
                try await server.run()
                return nil
            } catch {
                return error
            }
        }
        do {
            try await server.waitUntilListening(timeout: 5)
        } catch {
            running.cancel()
            let failure = await running.value
            throw NodeError(.badRequest, "metrics on \(host):\(port): \(failure.map { "\($0)" } ?? "\(error)")")
        }
        return Task {
            await withTaskCancellationHandler {
                _ = await running.value
            } onCancel: {
                running.cancel()
            }
        }
    }
}
