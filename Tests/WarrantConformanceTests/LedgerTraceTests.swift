import Foundation
import Testing
import WarrantConformance
import WarrantWire

/// The golden ledger traces of Tests/Conformance/ replay from their JSON against the
/// ledger, are what the generator makes (so they cannot drift from the code), and cover
/// every reason code a block can give.
@Suite struct LedgerTraceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Conformance")

    static func stored() throws -> [LedgerTraces.Trace] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("ledger-") && $0.hasSuffix(".json") }.sorted()
        return try files.map { try JSONDecoder().decode(LedgerTraces.Trace.self, from: Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    @Test func everyStoredTraceReplaysFromItsJSON() throws {
        let traces = try Self.stored()
        #expect(!traces.isEmpty)
        for trace in traces {
            #expect(trace.format == LedgerTraces.format)
            let problems = try LedgerTraces.replay(trace)
            #expect(problems.isEmpty, "\(trace.name): \(problems.prefix(3))")
        }
    }

    @Test func theStoredTracesAreWhatTheGeneratorMakes() throws {
        #expect(try Self.stored() == LedgerTraces.all(), "regenerate with `warrant-coordinator conform traces` and read the diff")
    }

    @Test func aTamperedTraceIsCaught() throws {
        var trace = try #require(try Self.stored().first)
        trace.steps[1].expect.outcomes[0] = "over_budget"
        #expect(try LedgerTraces.replay(trace).count == 1)
    }

    @Test func theTracesCoverEveryReasonABlockCanGive() throws {
        let seen = Set(try Self.stored().flatMap { $0.steps.flatMap(\.expect.outcomes) })
        let blockReasons: [ReasonCode] = [.expired, .notYetValid, .revoked, .outOfScope, .notOwner, .overBudget, .overActionCap, .usesExhausted,
                                          .rateLimited, .depthExceeded, .exceedsParent, .replay, .unknownSession, .badSignature, .malformed]
        for reason in blockReasons { #expect(seen.contains(reason.name), "no step gives \(reason.name)") }
        #expect(seen.contains("ok"))
    }
}
