import Foundation
import Testing
import WarrantConformance

/// The golden consensus traces of Tests/Conformance/ replay from their JSON into a fresh
/// replica of the observed validator, byte for byte, and are what the generator makes.
@Suite struct ConsensusTraceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Conformance")

    static func stored() throws -> [ConsensusTraces.Trace] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("consensus-") && $0.hasSuffix(".json") }.sorted()
        return try files.map { try JSONDecoder().decode(ConsensusTraces.Trace.self, from: Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    @Test func everyStoredTraceReplaysFromItsJSON() throws {
        let traces = try Self.stored()
        #expect(traces.count >= 2)
        for trace in traces {
            #expect(trace.format == ConsensusTraces.format)
            #expect(trace.steps.contains { $0.outputs.contains { $0.kind == "commit" } }, "\(trace.name) commits nothing")
            let problems = try ConsensusTraces.replay(trace)
            #expect(problems.isEmpty, "\(trace.name): \(problems.prefix(2))")
        }
    }

    @Test func theStoredTracesAreWhatTheGeneratorMakes() throws {
        #expect(try Self.stored() == ConsensusTraces.all(), "regenerate with `warrant-coordinator conform traces` and read the diff")
    }

    @Test func aDifferentVoteIsCaught() throws {
        var trace = try #require(try Self.stored().first)
        let index = try #require(trace.steps.firstIndex { $0.outputs.contains { $0.says?.hasPrefix("prevote") == true } })
        let output = try #require(trace.steps[index].outputs.firstIndex { $0.says?.hasPrefix("prevote") == true })
        trace.steps[index].outputs[output].says = "prevote h1 r0 nil"
        #expect(try ConsensusTraces.replay(trace).count == 1)
    }

    @Test func theSilentProposerTraceChangesRound() throws {
        let trace = try #require(try Self.stored().first { $0.name == "consensus-silent-proposer" })
        #expect(trace.steps.flatMap(\.outputs).contains { $0.says?.contains(" r1 ") == true })
    }
}
