import WarrantFaults
import ArgumentParser
import Foundation
import WarrantCheck
import WarrantSim

/// `warrant-coordinator simulate`: many seeded runs of the deterministic simulator, each
/// judged by the checkers. Progress on stderr; on stdout one line
/// `simulate: N seeds, V violations`, then each failing seed with its rule and a shrunk trace.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the deterministic cluster simulator over many seeds and check every rule.")

    @Option(help: "How many seeds to run.")
    var seeds: Int = 100

    @Option(help: "The first seed; seeds run from it upwards.")
    var firstSeed: UInt64 = 1

    @Option(help: "Replay this one seed (with --trace to print its events).")
    var seed: UInt64?

    @Flag(help: "Print the events of the run (with --seed).")
    var trace = false

    @Option(help: "Write the run's history as JSON lines to this file (with --seed).")
    var history: String?

    @Option(help: "Validators (n = 3f + 1).")
    var nodes: Int = 4

    @Option(help: "Byzantine validators (at most f).")
    var byzantine: Int = 0

    @Option(help: "Faults: 'all', 'none', or a comma-separated list of \(SimFault.allCases.map(\.rawValue).joined(separator: ", ")).")
    var faults: String = "none"

    @Option(help: "Heights every honest node must reach.")
    var heights: UInt64 = 30

    @Option(help: "Plant a bug in the honest nodes to prove the checkers catch it: \(Sabotage.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sabotage: String?

    @Option(help: "Failing seeds to shrink and trace (the others are listed with their rules).")
    var shrinkLimit: Int = 3

    @Option(help: "Seeds run at once (default: one per core).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard nodes >= 4 else { throw ValidationError("--nodes must be at least 4 (n = 3f + 1 with f ≥ 1)") }
        guard byzantine >= 0, byzantine <= (nodes - 1) / 3 else {
            throw ValidationError("--byzantine \(byzantine) exceeds f = \((nodes - 1) / 3) for \(nodes) nodes")
        }
        do {
            _ = try FaultSelection.parse(faults)
            _ = try Sabotage.parse(sabotage.map { [$0] } ?? [])
        } catch {
            throw ValidationError("\(error)")
        }
        guard seeds > 0, heights > 0, jobs > 0 else { throw ValidationError("--seeds, --heights and --jobs must be positive") }
    }

    var options: SimulationOptions {
        let selection = (try? FaultSelection.parse(faults)) ?? FaultSelection()  // (checked in validate)
        return SimulationOptions(nodes: nodes, byzantine: byzantine, faults: selection.faults, behaviours: selection.behaviours,
                                 heights: heights, sabotage: sabotage.flatMap(Sabotage.init(rawValue:)))
    }

    func run() async throws {
        if let seed {
            try replay(seed)
            return
        }
        let options = self.options
        let started = ContinuousClock.now
        var failures: [SimulationResult] = []
        var coverage = SimCoverage()
        var done = 0
        try await withThrowingTaskGroup(of: SimulationResult.self) { group in
            var next = firstSeed
            let end = firstSeed + UInt64(seeds)
            for _ in 0..<min(jobs, seeds) {
                let s = next
                group.addTask { Simulator.run(seed: s, options: options) }
                next += 1
            }
            while let result = try await group.next() {
                done += 1
                coverage = coverage + result.coverage
                if !result.violations.isEmpty { failures.append(result) }
                if done % max(1, seeds / 20) == 0 || done == seeds {
                    FileHandle.standardError.write(Data("simulate: \(done)/\(seeds) seeds, \(failures.count) failing\n".utf8))
                }
                if next < end {
                    let s = next
                    group.addTask { Simulator.run(seed: s, options: options) }
                    next += 1
                }
            }
        }
        let violations = failures.reduce(0) { $0 + $1.violations.count }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // Seeds per core-hour: how much searching an hour of one core buys (docs/BENCHMARKS.md).
        let perCoreHour = Double(seeds) / max(0.001, seconds * Double(min(jobs, seeds)) / 3_600)
        FileHandle.standardError.write(Data("simulate: finished in \(String(format: "%.1f", seconds)) secs on \(min(jobs, seeds)) cores: \(Int(perCoreHour)) seeds per core-hour\n".utf8))
        print("simulate: \(seeds) seeds, \(violations) violations")
        print("coverage: \(coverage.summary)")
        // The first few failing seeds get a shrunk trace; the rest one line each.
        for (position, failure) in failures.sorted(by: { $0.seed < $1.seed }).enumerated() {
            if position < shrinkLimit {
                report(failure, options: options)
            } else {
                let rules = Set(failure.violations.map(\.rule.rawValue)).sorted()
                print("seed \(failure.seed): \(rules.joined(separator: ", ")) — \(failure.violations[0])")
            }
        }
        if violations > 0 { throw ExitCode(1) }
    }

    /// Prints a failing seed: its broken rules, then the shortest run found that still
    /// breaks the first rule (fewer heights, fewer fault kinds), with its trace.
    func report(_ failure: SimulationResult, options: SimulationOptions) {
        let rules = Set(failure.violations.map(\.rule.rawValue)).sorted()
        print("seed \(failure.seed): \(rules.joined(separator: ", ")) — \(failure.violations[0])")
        let shrunk = Simulator.shrink(failure, options: options)
        let replayCommand = Simulator.replayCommand(seed: failure.seed, options: shrunk)
        print("  shortest failing run: \(replayCommand)")
        let traced = Simulator.run(seed: failure.seed, options: shrunk, keepTrace: true)
        let lines = traced.trace
        for line in lines.suffix(40) { print("    \(line)") }
        if lines.count > 40 { print("    (\(lines.count - 40) earlier events: replay with the command above)") }
        for violation in traced.violations.prefix(5) { print("  \(violation)") }
    }

    func replay(_ seed: UInt64) throws {
        let result = Simulator.run(seed: seed, options: options, keepTrace: trace)
        if trace { for line in result.trace { print(line) } }
        if let history {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let lines = try result.history.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try (lines.joined(separator: "\n") + "\n").write(toFile: history, atomically: true, encoding: .utf8)
        }
        print("simulate: 1 seeds, \(result.violations.count) violations")
        print("coverage: \(result.coverage.summary)")
        for violation in result.violations { print("  \(violation)") }
        if !result.violations.isEmpty { throw ExitCode(1) }
    }
}
