import ArgumentParser
import Foundation
import WarrantConformance

/// `warrant-coordinator conform client`: docs/CONFORMANCE.md.
struct ConformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conform", abstract: "Protocol conformance suites against any implementation.",
                                                    subcommands: [Client.self, Validator.self, Traces.self])

    struct Client: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a cluster's client endpoints against every documented behaviour; exit 0 only when all pass.")
        @Option(help: "A cluster started by `up` (its directory).") var cluster: String?
        @Option(help: "Instead: one client endpoint (tcp://host:port), with --keys and --topology.") var endpoint: String?
        @Option(help: "The keys directory (a principal's .key and coordinator.key).") var keys: String?
        @Option(help: "The topology the endpoint's genesis was made from.") var topology: String?
        @Option(help: "Cases expected to fail, one name per line.") var baseline: String?
        @Option(help: "Only cases whose name contains this.") var only: String?
        @Option(help: "Keep every case's exchanges (hex) as DIR/NAME.jsonl.") var out: String?
        @Option(help: "Instead of the suite: send a kept DIR/NAME.jsonl again and compare the answers.") var replay: String?

        func run() async throws {
            let target = if let endpoint, let keys, let topology { try ConformanceTarget.endpoint(endpoint, keys: keys, topology: topology) }
                else if let cluster { try ConformanceTarget.cluster(directory: cluster) }
                else { throw ValidationError("give --cluster DIR, or --endpoint URL --keys DIR --topology FILE") }
            if let replay { return try await ConformanceRun.replay(replay, target: target).forEach(say) }
            let run = ConformanceRun(target: target, baseline: try baseline.map(ConformanceRun.baseline) ?? [], filter: only, out: out)
            let summary = try await run.run(ClientSuite.cases, say: say)
            say(summary.line)
            try exitWith(summary.ok ? 0 : 1)
        }
    }

    struct Validator: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run one validator implementation among three played ones and judge its consensus and checks.")
        @Option(help: "Starts the validator; `--topology FILE --id n0 --data DIR --keys DIR` is appended.") var nodeCmd: String
        @Option(help: "Where the topology, keys, data and its log go (default: a new temporary directory).") var dir: String?
        @Option(help: "First port of the generated topology (four blocks of 20).") var basePort: Int = 24000
        @Option(help: "Cases expected to fail, one name per line.") var baseline: String?
        @Option(help: "Only cases whose name contains this.") var only: String?

        func run() async throws {
            let run = ValidatorRun(command: nodeCmd, directory: dir, basePort: basePort,
                                   baseline: try baseline.map(ConformanceRun.baseline) ?? [], filter: only)
            let summary = try await run.run(say: say)
            say(summary.line)
            try exitWith(summary.ok ? 0 : 1)
        }
    }

    struct Traces: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the golden ledger and consensus traces (language-neutral JSON) into a directory.")
        @Option(help: "Directory for the trace files.") var out: String = "Tests/Conformance"
        func run() throws { print(try LedgerTraces.write(into: out), try ConsensusTraces.write(into: out), separator: "\n") }
    }
}
