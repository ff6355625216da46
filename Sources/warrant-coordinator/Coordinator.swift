import ArgumentParser
import Foundation
import WarrantCoordinator

/// Each command parses its arguments and calls the libraries (WarrantCoordinator,
/// WarrantSim, WarrantVectors), where the work is done and tested. A library error is
/// printed as one line without usage text (exit 1); usage errors exit 64.
@main
struct Coordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant-coordinator",
        abstract: "Drives Warrant test clusters: launches, hand operations, keys, wire tools and the simulator.",
        subcommands: [RunCommand.self, UpCommand.self, ReportCommand.self, NetnsCleanCommand.self, FaultCommand.self, StatusCommand.self, GrantCommand.self, RevokeCommand.self,
                      RevokeAllCommand.self, CheckCommand.self, SessionsCommand.self, ConformCommand.self, BenchCommand.self, Keygen.self, Wire.self, Simulate.self])
}

/// Options every hand command shares: the cluster directory and the output form.
struct ClusterOptions: ParsableArguments {
    @Option(help: "The cluster directory (holding cluster.json), as given to `up` or `run`.") var dir: String = "cluster"
    @Flag(help: "Print JSON instead of text.") var json = false

    func cluster() throws -> RunningCluster { try RunningCluster.open(directory: dir, notice: warn) }

    /// Prints text, or `value` as JSON with --json.
    func show(_ text: @autoclosure () -> String, json value: some Encodable) throws {
        print(json ? try HandReport.json(value) : text())
    }
}

/// Prints a line at once, unbuffered, so status lines reach a file or pipe as they happen.
@Sendable func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
func warn(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
var wallClockMs: UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }
func exitWith(_ code: Int32) throws { if code != 0 { throw ExitCode(code) } }
