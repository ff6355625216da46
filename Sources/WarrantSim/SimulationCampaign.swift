import Foundation
import WarrantCheck
import WarrantHistory

/// `warrant-coordinator simulate`: many seeded runs, `jobs` at a time, each judged by the
/// checkers; the totals, coverage and the failing seeds, shrunk and traced.
public struct SimulationCampaign: Sendable {
    public var options: SimulationOptions
    public var firstSeed: UInt64
    public var seeds: Int
    public var jobs: Int

    public init(options: SimulationOptions, firstSeed: UInt64, seeds: Int, jobs: Int) {
        self.options = options
        self.firstSeed = firstSeed
        self.seeds = seeds
        self.jobs = jobs
    }

    public struct Outcome: Sendable {
        public var failures: [SimulationResult]
        public var coverage: SimCoverage
        public var seconds: Double
        /// How much searching an hour of one core buys (docs/BENCHMARKS.md).
        public var seedsPerCoreHour: Double
        public var violations: Int { failures.reduce(0) { $0 + $1.violations.count } }
    }

    /// Runs every seed; `progress` hears how far it got, about twenty times.
    public func run(progress: @Sendable (_ done: Int, _ failing: Int) -> Void) async -> Outcome {
        let started = ContinuousClock.now
        var failures: [SimulationResult] = []
        var coverage = SimCoverage()
        var done = 0
        let options = self.options
        await withTaskGroup(of: SimulationResult.self) { group in
            var next = firstSeed
            let end = firstSeed + UInt64(seeds)
            for _ in 0..<min(jobs, seeds) {
                let seed = next
                group.addTask { Simulator.run(seed: seed, options: options) }
                next += 1
            }
            while let result = await group.next() {
                done += 1
                coverage = coverage + result.coverage
                if !result.violations.isEmpty { failures.append(result) }
                if done % max(1, seeds / 20) == 0 || done == seeds { progress(done, failures.count) }
                if next < end {
                    let seed = next
                    group.addTask { Simulator.run(seed: seed, options: options) }
                    next += 1
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perCoreHour = Double(seeds) / max(0.001, seconds * Double(min(jobs, seeds)) / 3_600)
        return Outcome(failures: failures.sorted { $0.seed < $1.seed }, coverage: coverage, seconds: seconds, seedsPerCoreHour: perCoreHour)
    }

    /// The report on stdout: the totals, coverage, then the first `shrinkLimit` failing
    /// seeds with the shortest run found that still breaks their first rule and its trace,
    /// the rest one line each.
    public func report(_ outcome: Outcome, shrinkLimit: Int) -> [String] {
        var lines = ["simulate: \(seeds) seeds, \(outcome.violations) violations", "coverage: \(outcome.coverage.summary)"]
        for (position, failure) in outcome.failures.enumerated() {
            let rules = Set(failure.violations.map(\.rule.rawValue)).sorted()
            lines.append("seed \(failure.seed): \(rules.joined(separator: ", ")) — \(failure.violations[0])")
            guard position < shrinkLimit else { continue }
            let shrunk = Simulator.shrink(failure, options: options)
            lines.append("  shortest failing run: \(Simulator.replayCommand(seed: failure.seed, options: shrunk))")
            let traced = Simulator.run(seed: failure.seed, options: shrunk, keepTrace: true)
            lines += traced.trace.suffix(40).map { "    \($0)" }
            if traced.trace.count > 40 { lines.append("    (\(traced.trace.count - 40) earlier events: replay with the command above)") }
            lines += traced.violations.prefix(5).map { "  \($0)" }
        }
        return lines
    }
}

extension SimulationCampaign {
    /// `simulate --seed N`: one run, its trace (when `trace`) and verdict as lines; its
    /// history written to `history` when given.
    public static func replay(seed: UInt64, options: SimulationOptions, trace: Bool, history: String?) throws -> (lines: [String], passed: Bool) {
        let result = Simulator.run(seed: seed, options: options, keepTrace: trace)
        try history.map(result.writeHistory)
        let lines = (trace ? result.trace : []) + ["simulate: 1 seeds, \(result.violations.count) violations", "coverage: \(result.coverage.summary)"]
        return (lines + result.violations.map { "  \($0)" }, result.violations.isEmpty)
    }
}

extension SimulationResult {
    /// The run's history as JSON lines (docs/HISTORY.md), for `simulate --seed N --history FILE`.
    public func writeHistory(to path: String) throws { try HistoryFile.write(history, to: path) }
}
