import ArgumentParser
import Foundation
import WarrantCoordinator
import WarrantSim
import WarrantVectors
import WarrantWire

/// `warrant-coordinator keygen --out DIR [--name NAME ...] [--topology FILE]`.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create Ed25519 key files: NAME.key (secret, mode 0600) and NAME.pub.",
        discussion: "With --topology, one pair for every node, principal and agent it names and the coordinator, keeping pairs that exist.")
    @Option(help: "Directory to write the key files into (created if missing).") var out: String
    @Option(name: .customLong("name"), help: "Key name; repeat for several keys.") var names: [String] = ["coordinator"]
    @Option(help: "Create the keys a topology needs.") var topology: String?
    @Flag(help: "Replace key files that exist (by default they are kept).") var force = false

    func run() throws {
        let lines = try topology.map { [try KeyGeneration.forTopology($0, into: out)] } ?? KeyGeneration.named(names, into: out, force: force)
        for line in lines { print(line) }
    }
}

struct Wire: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the wire format: decode envelopes, regenerate the test vectors.", subcommands: [Decode.self, Vectors.self])

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode and verify one envelope given as hex; print it as JSON (exit 0) or the typed error (exit 1).")
        @Option(help: "The envelope bytes in hex.") var hex: String
        @Option(help: "Largest message accepted, in bytes.") var maxBytes: Int = WireLimits.default.maxMessageBytes

        func run() throws {
            guard let decoded = try? WireInspection.decode(hex: hex, maxBytes: maxBytes) else { throw ValidationError("--hex: not hexadecimal") }
            print(decoded.json)
            if let error = decoded.error {
                warn("error: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Vectors: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the wire test vectors (wire.json, wire-invalid.json) into a directory.")
        @Option(help: "Directory for the vector files.") var out: String = "Tests/Vectors"
        func run() throws { print(try WireInspection.writeVectors(into: out)) }
    }
}

/// Many seeded runs of the deterministic simulator (`SimulationCampaign`). Progress on
/// stderr; on stdout `simulate: N seeds, V violations`, the coverage, then each failing
/// seed with its rule and a shrunk trace.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the deterministic cluster simulator over many seeds and check every rule.")
    @Option(help: "How many seeds to run.") var seeds: Int = 100
    @Option(help: "The first seed; seeds run from it upwards.") var firstSeed: UInt64 = 1
    @Option(help: "Replay this one seed (with --trace to print its events).") var seed: UInt64?
    @Flag(help: "Print the events of the run (with --seed).") var trace = false
    @Option(help: "Write the run's history as JSON lines to this file (with --seed).") var history: String?
    @Option(help: "Validators (n = 3f + 1).") var nodes: Int = 4
    @Option(help: "Byzantine validators (at most f).") var byzantine: Int = 0
    @Option(help: "Faults: 'all', 'none', or a comma-separated list of \(SimulationOptions.faultNames).") var faults: String = "none"
    @Option(help: "Heights every honest node must reach.") var heights: UInt64 = 30
    @Option(help: "Plant a bug in the honest nodes to prove the checkers catch it: \(SimulationOptions.sabotageNames).") var sabotage: String?
    @Option(help: "Failing seeds to shrink and trace (the others are listed with their rules).") var shrinkLimit: Int = 3
    @Option(help: "Seeds run at once (default: one per core).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard seeds > 0, jobs > 0 else { throw ValidationError("--seeds and --jobs must be positive") }
        _ = try options()
    }

    func options() throws -> SimulationOptions {
        do { return try SimulationOptions.parse(nodes: nodes, byzantine: byzantine, faults: faults, heights: heights, sabotage: sabotage) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let options = try options()
        if let seed {
            let replay = try SimulationCampaign.replay(seed: seed, options: options, trace: trace, history: history)
            for line in replay.lines { print(line) }
            return try exitWith(replay.passed ? 0 : 1)
        }
        let campaign = SimulationCampaign(options: options, firstSeed: firstSeed, seeds: seeds, jobs: jobs)
        let outcome = await campaign.run { done, failing in warn("simulate: \(done)/\(seeds) seeds, \(failing) failing") }
        warn("simulate: finished in \(String(format: "%.1f", outcome.seconds)) secs on \(min(jobs, seeds)) cores: \(Int(outcome.seedsPerCoreHour)) seeds per core-hour")
        for line in campaign.report(outcome, shrinkLimit: shrinkLimit) { print(line) }
        try exitWith(outcome.violations > 0 ? 1 : 0)
    }
}
