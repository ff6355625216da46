import Foundation
import Histogram
import WarrantCrypto
import WarrantSync
import WarrantTransport
import WarrantWire

/// `warrant-coordinator bench`: an honest load generator. Every request is generated and
/// signed before the timed phase; in the open loop each is sent at its scheduled time and
/// its latency counts from that time, so queueing in the client or the cluster is never
/// hidden (coordinated omission); `max` runs a closed loop, each client sending its next
/// request when the previous one is answered. Latencies go into HdrHistograms.
public struct LoadOptions: Sendable {
    public var durationS: Double = 10
    /// Requests per second offered in all (open loop); nil runs the closed loop (`--max`).
    public var rate: Double? = 500
    public var clients = 16
    /// Relative weights of grants, acts and checks.
    public var mix: (grants: Int, acts: Int, checks: Int) = (1, 4, 5)
    /// Revokes timed from send until every node denies.
    public var revokes = 1_000
    /// Sessions in the expiry storm (0: none).
    public var storm = 0
    /// Checks per message: 1 sends `check`, more send a `check-batch` of that many.
    public var batch = 1

    public init() {}

    /// Options as `bench` names them; the error says which is wrong.
    public init(durationS: Double, rate: Double?, clients: Int, mix: String, revokes: Int, storm: Int = 0, batch: Int = 1) throws(CoordinatorError) {
        guard let weights = Self.mix(mix) else { throw CoordinatorError(.badInput, "--mix '\(mix)' is not grants:acts:checks (e.g. 1:4:5)") }
        guard durationS > 0, (rate ?? 1) > 0, clients > 0, revokes >= 0, storm >= 0, (1...CheckBatch.maxChecks).contains(batch) else {
            throw CoordinatorError(.badInput, "--duration, --rate and --clients must be positive, --revokes and --storm not negative, --batch within 1…\(CheckBatch.maxChecks)")
        }
        (self.durationS, self.rate, self.clients, self.mix, self.revokes, self.storm, self.batch) = (durationS, rate, clients, weights, revokes, storm, batch)
    }

    /// Parses `grants:acts:checks`, e.g. `1:4:5`.
    public static func mix(_ text: String) -> (grants: Int, acts: Int, checks: Int)? {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 >= 0 }), parts.reduce(0, +) > 0 else { return nil }
        return (parts[0], parts[1], parts[2])
    }
}

/// What `bench` measured; `bench.json` holds it as is.
public struct LoadReport: Codable, Sendable {
    public struct Percentiles: Codable, Sendable {
        public var p50: Double, p90: Double, p99: Double, p999: Double, max: Double
        public var count: Int
    }

    public var nodes: Int
    public var clients: Int
    /// Checks per message (1: single checks; more: check-batches).
    public var checks_per_message: Int?
    public var duration_s: Double
    public var offered_per_s: Double?
    public var grants_per_s: Double
    public var acts_per_s: Double
    public var checks_per_s: Double
    public var rejected: Int
    public var errors: Int
    /// Blocks the first node applied during the timed phase, per second, and the
    /// committed requests per block: the per-block costs a commit pays a share of.
    public var blocks_per_s: Double
    public var requests_per_block: Double
    public var commit_latency_ms: Percentiles
    public var check_latency_ms: Percentiles
    public var revoke_to_denied_ms: Percentiles
    public var cpu_seconds_per_1000_commits: Double?
    /// This process's own CPU over the timed phase (the load generator shares the machine).
    public var load_generator_cpu_seconds_per_1000_commits: Double?
    public var verify_per_s_per_core: Double
    /// cores × verify rate ÷ n: every node verifies every ordered request once.
    public var ceiling_per_s: Double
    /// Committed (ordered) requests per second over the ceiling. Checks do not count: one
    /// node answers each, and a batch of them costs one verification.
    public var fraction_of_ceiling: Double
    /// The expiry storm, when one was asked for (`--storm N`).
    public var storm: StormReport?

    public var table: String {
        func row(_ name: String, _ p: Percentiles) -> String {
            name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: "p50 %7.2f  p90 %7.2f  p99 %7.2f  p99.9 %7.2f  max %8.2f ms  (%d)", p.p50, p.p90, p.p99, p.p999, p.max, p.count)
        }
        return ([
            String(format: "offered %@ over %.0f s, %d clients, %d nodes", offered_per_s.map { String(format: "%.0f/s", $0) } ?? "as fast as answered (closed loop)", duration_s, clients, nodes),
            String(format: "committed: grants %.0f/s, acts %.0f/s; checks %.0f/s (%.0f per node%@); %d rejected, %d errors", grants_per_s, acts_per_s,
                   checks_per_s, checks_per_s / Double(max(1, nodes)), (checks_per_message ?? 1) > 1 ? ", \(checks_per_message!) per check-batch" : "", rejected, errors),
            String(format: "blocks: %.0f/s, %.1f committed requests per block", blocks_per_s, requests_per_block),
            row("commit latency", commit_latency_ms),
            row("check latency", check_latency_ms),
            row("revoke → denied everywhere", revoke_to_denied_ms),
            String(format: "verify %.0f/s per core → ceiling %.0f ordered requests/s for n = %d; committed %.1f %% of it", verify_per_s_per_core, ceiling_per_s, nodes, fraction_of_ceiling * 100),
            (cpu_seconds_per_1000_commits.map { String(format: "node CPU: %.2f s per 1,000 commits", $0) } ?? "node CPU: not measured")
                + (load_generator_cpu_seconds_per_1000_commits.map { String(format: " (load generator: %.2f s)", $0) } ?? ""),
        ] + (storm.map { s in [
            String(format: "expiry storm: %d sessions expiring within 1 s (granted in %.0f s%@): %d checks near expiry, %d allows after it, latest allow %@",
                   s.sessions, s.granting_s, s.planned_late ? ", late" : "", s.checks, s.allows_after_expiry,
                   s.overshoot_ms.map { String(format: "%+.0f ms from expiry", $0) } ?? "none seen"),
        ] } ?? [])).joined(separator: "\n")
    }
}

public enum LoadGenerator {
    enum Kind: Sendable { case grant, act, check }

    struct Planned: Sendable {
        let kind: Kind
        let bytes: [UInt8]
        let node: Int
        /// Checks the message carries (a check-batch carries several).
        var checks = 1
    }

    /// Latency histograms and counters, shared by the client tasks.
    final class Recorder: Sendable {
        struct State {
            var commit = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var check = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var grants = 0, acts = 0, checks = 0, rejected = 0, errors = 0
        }
        let state = Locked(State())

        func record(_ kind: Kind, micros: UInt64, answer: Message?, checks: Int = 1) {
            state.withLock { s in
                switch (kind, answer) {
                case (_, nil), (_, .error?): s.errors += 1
                case (.check, _):
                    s.checks += checks
                    _ = s.check.record(micros)
                case (_, .result(let result)?):
                    if kind == .grant { s.grants += 1 } else { s.acts += 1 }
                    if !result.outcome.accepted { s.rejected += 1 }
                    _ = s.commit.record(micros)
                default: s.errors += 1
                }
            }
        }
    }

    /// Runs the whole benchmark against `cluster`; `say` gets progress lines.
    public static func run(cluster: RunningCluster, options: LoadOptions, nodePids: [Int32],
                           say: @escaping @Sendable (String) -> Void) async throws -> LoadReport {
        let setup = try await Setup.make(cluster: cluster, sessions: max(2_000, options.revokes), say: say)
        let plan = setup.plan(options: options, nodes: cluster.clients.count)
        say("planned \(plan.count) signed requests; timed phase of \(Int(options.durationS)) s")
        let clients = try cluster.clients.map { try RequestClient(dialing: $0.address, maxMessageBytes: 8 << 20) }
        defer { clients.forEach { $0.close() } }
        let recorder = Recorder()
        let cpuBefore = nodePids.map(cpuSeconds), ownBefore = cpuSeconds(getpid())
        let heightBefore = await cluster.statuses().first?.status?.height ?? 0
        let started = ContinuousClock.now
        try await runTimed(plan: plan, options: options, clients: clients, recorder: recorder, started: started)
        let elapsed = seconds(ContinuousClock.now - started)
        let cpuAfter = nodePids.map(cpuSeconds), ownAfter = cpuSeconds(getpid())
        let heightAfter = await cluster.statuses().first?.status?.height ?? heightBefore
        let blocks = Double(max(heightAfter, heightBefore) - heightBefore)
        say("timed phase done in \(String(format: "%.1f", elapsed)) s; revoking \(options.revokes) sessions")
        let revokes = try await RevokeWatch.run(setup: setup, cluster: cluster, count: options.revokes)
        let verify = verifyRate()
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let n = Double(cluster.clients.count)
        let snapshot = recorder.state.withLock { $0 }
        let commits = snapshot.grants + snapshot.acts
        let cpu = zip(cpuBefore, cpuAfter).compactMap { before, after in before.flatMap { b in after.map { $0 - b } } }.reduce(0, +)
        let ceiling = cores * verify / n
        let commitsPerS = Double(commits) / elapsed
        return LoadReport(
            nodes: cluster.clients.count, clients: options.clients, checks_per_message: options.batch, duration_s: elapsed, offered_per_s: options.rate,
            grants_per_s: Double(snapshot.grants) / elapsed, acts_per_s: Double(snapshot.acts) / elapsed,
            checks_per_s: Double(snapshot.checks) / elapsed, rejected: snapshot.rejected, errors: snapshot.errors,
            blocks_per_s: blocks / elapsed, requests_per_block: blocks > 0 ? Double(commits) / blocks : 0,
            commit_latency_ms: percentiles(snapshot.commit), check_latency_ms: percentiles(snapshot.check),
            revoke_to_denied_ms: percentiles(revokes),
            cpu_seconds_per_1000_commits: commits > 0 && !nodePids.isEmpty ? cpu / Double(commits) * 1_000 : nil,
            load_generator_cpu_seconds_per_1000_commits: commits > 0 ? ownBefore.flatMap { b in ownAfter.map { ($0 - b) / Double(commits) * 1_000 } } : nil,
            verify_per_s_per_core: verify, ceiling_per_s: ceiling, fraction_of_ceiling: ceiling > 0 ? commitsPerS / ceiling : 0,
            storm: options.storm > 0 ? try await Storm.run(setup: setup, cluster: cluster, count: options.storm,
                                                           grantRate: max(1, Double(snapshot.grants) / elapsed), say: say) : nil)
    }

    /// Open loop: request i goes at `started + i / rate`, from client task i mod clients;
    /// its latency counts from then. Closed loop: each client sends its next request when
    /// the previous one is answered, until the duration ends.
    static func runTimed(plan: [Planned], options: LoadOptions, clients: [RequestClient], recorder: Recorder,
                         started: ContinuousClock.Instant) async throws {
        let end = started + .milliseconds(Int64(options.durationS * 1_000))
        // A closed loop of checks only may send its plan again (a check changes nothing);
        // ordered requests never repeat (they would be answered as replays).
        let cyclic = options.rate == nil && options.mix.grants == 0 && options.mix.acts == 0
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<options.clients {
                group.addTask {
                    await withTaskGroup(of: Void.self) { inflight in
                        var index = client
                        while index < plan.count || (cyclic && !plan.isEmpty) {
                            let request = plan[index % plan.count]
                            let scheduled: ContinuousClock.Instant
                            if let rate = options.rate {
                                scheduled = started + .microseconds(Int64(Double(index) / rate * 1_000_000))
                                if scheduled >= end { break }
                                try? await Task.sleep(until: scheduled)
                                inflight.addTask { await send(request, clients: clients, from: scheduled, recorder: recorder) }
                            } else {
                                scheduled = ContinuousClock.now
                                if scheduled >= end { break }
                                await send(request, clients: clients, from: scheduled, recorder: recorder)
                            }
                            index += options.clients
                        }
                    }
                }
            }
        }
    }

    static func send(_ request: Planned, clients: [RequestClient], from scheduled: ContinuousClock.Instant, recorder: Recorder) async {
        let answer = try? await clients[request.node].request(request.bytes, timeout: .seconds(30))
        let message = answer.flatMap { try? SignedMessage(opening: $0, limits: WireLimits(maxMessageBytes: 8 << 20)).message }
        let micros = UInt64(max(0, seconds(ContinuousClock.now - scheduled) * 1_000_000))
        recorder.record(request.kind, micros: micros, answer: message, checks: request.checks)
    }

    static func percentiles(_ h: Histogram<UInt64>) -> LoadReport.Percentiles {
        func ms(_ q: Double) -> Double { h.totalCount == 0 ? 0 : Double(h.valueAtPercentile(q)) / 1_000 }
        return .init(p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: h.totalCount == 0 ? 0 : Double(h.max) / 1_000,
                     count: Int(h.totalCount))
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// A process's user + system CPU seconds (/proc/PID/stat), nil when it is gone.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Ed25519 verifications per second on one core, measured here and now.
    static func verifyRate() -> Double {
        let key = SigningKey(), message = [UInt8](repeating: 7, count: 200)
        let signature = key.sign(message)
        let count = 20_000
        let start = ContinuousClock.now
        var ok = 0
        for _ in 0..<count where key.publicKey.verify(signature, over: message) { ok += 1 }
        precondition(ok == count)
        return Double(count) / seconds(ContinuousClock.now - start)
    }
}

extension LoadGenerator {
    /// `bench TOPOLOGY`: launches the topology's nodes (in `out`, or a temporary
    /// directory), runs the load, prints the table, writes `OUT/bench.json` and
    /// `OUT/bench.txt`, and stops every node.
    public static func bench(topology: String, options: LoadOptions, out: String?,
                             say: @escaping @Sendable (String) -> Void) async throws -> LoadReport {
        let dir = URL(fileURLWithPath: out ?? FileManager.default.temporaryDirectory.appendingPathComponent("warrant-bench-\(UInt32.random(in: 0...UInt32.max))").path).standardizedFileURL.path
        let children = ChildProcesses()
        defer { children.stopAll() }
        say("bench: cluster in \(dir)")
        let launched = try await launch(topology: topology, into: dir, logLevel: "warning", children: children)
        let report = try await run(cluster: launched.running, options: options, nodePids: launched.file.nodes.map(\.pid), say: say)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: "\(dir)/bench.json"))
        try (report.table + "\n").write(toFile: "\(dir)/bench.txt", atomically: true, encoding: .utf8)
        return report
    }
}
