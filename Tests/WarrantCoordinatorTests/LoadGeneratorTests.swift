import Foundation
import Testing
@testable import WarrantCoordinator
import WarrantWire

/// The load generator's pieces that need no cluster: options, latency accounting from
/// the scheduled time, CPU and verify-rate readings (figures themselves are measured by
/// `bench`, never asserted).
@Suite struct LoadGeneratorTests {
    @Test func theMixParsesThreeWeights() throws {
        #expect(LoadOptions.mix("1:4:5")! == (1, 4, 5))
        #expect(LoadOptions.mix("1:4") == nil)
        #expect(LoadOptions.mix("0:0:0") == nil)
        #expect(LoadOptions.mix("a:1:1") == nil)
        #expect(throws: CoordinatorError.self) { try LoadOptions(durationS: 0, rate: 10, clients: 1, mix: "1:1:1", revokes: 0) }
        #expect(throws: CoordinatorError.self) { try LoadOptions(durationS: 1, rate: 10, clients: 1, mix: "1:1", revokes: 0) }
        let closed = try LoadOptions(durationS: 2, rate: nil, clients: 4, mix: "0:1:0", revokes: 10)
        #expect(closed.rate == nil && closed.mix == (0, 1, 0))
        #expect(throws: CoordinatorError.self) { try LoadOptions(durationS: 1, rate: 10, clients: 1, mix: "0:0:1", revokes: 0, batch: 0) }
        #expect(throws: CoordinatorError.self) {
            try LoadOptions(durationS: 1, rate: 10, clients: 1, mix: "0:0:1", revokes: 0, batch: CheckBatch.maxChecks + 1)
        }
        #expect(throws: CoordinatorError.self) { try LoadOptions(durationS: 1, rate: 10, clients: 1, mix: "0:0:1", revokes: 0, storm: -1) }
    }

    /// A check-batch counts every check it carries; its latency is one message's.
    @Test func aCheckBatchCountsEveryCheck() {
        let recorder = LoadGenerator.Recorder()
        let answer = CheckBatchAnswer(answers: [])
        recorder.record(.check, micros: 700, answer: .checkBatchAnswer(answer), checks: 64)
        recorder.record(.check, micros: 900, answer: .checkBatchAnswer(answer), checks: 64)
        let state = recorder.state.withLock { $0 }
        #expect(state.checks == 128 && LoadGenerator.percentiles(state.check).count == 2)
    }

    /// The storm's sessions expire evenly over one second from `target`: the index of
    /// the first expiring at or after a time, clamped to the sessions there are.
    @Test func theStormFindsSessionsByExpiry() {
        let target: UInt64 = 1_000_000
        #expect(LoadGenerator.Storm.index(of: target - 5, target: target, count: 10_000) == 0)
        #expect(LoadGenerator.Storm.index(of: target + 250, target: target, count: 10_000) == 2_500)
        #expect(LoadGenerator.Storm.index(of: target + 999, target: target, count: 10_000) == 9_990)
        #expect(LoadGenerator.Storm.index(of: target + 5_000, target: target, count: 10_000) == 10_000)
    }

    @Test func latenciesAreKeptPerKindAndErrorsCounted() {
        let recorder = LoadGenerator.Recorder()
        let accepted = RequestResult(outcome: RequestOutcome(request: .zero, accepted: true, reason: nil), height: 3, blockTimeMs: 1)
        let rejected = RequestResult(outcome: RequestOutcome(request: .zero, accepted: false, reason: .overBudget), height: 3, blockTimeMs: 1)
        for micros in [1_000, 2_000, 3_000, 4_000] as [UInt64] { recorder.record(.act, micros: micros, answer: .result(accepted)) }
        recorder.record(.grant, micros: 100_000, answer: .result(rejected))
        recorder.record(.check, micros: 500, answer: .checkAnswer(CheckAnswer(allowed: true, reason: nil, height: 1, wallClockMs: 1, lastBlockTimeMs: 1, sinceLastBlockMs: 1)))
        recorder.record(.act, micros: 9, answer: nil)
        let state = recorder.state.withLock { $0 }
        #expect(state.acts == 4 && state.grants == 1 && state.checks == 1 && state.rejected == 1 && state.errors == 1)
        let commit = LoadGenerator.percentiles(state.commit)
        #expect(commit.count == 5)
        #expect(abs(commit.max - 100) < 0.2 && commit.p50 >= 2.9 && commit.p50 <= 3.1)
        #expect(LoadGenerator.percentiles(state.check).count == 1)
    }

    @Test func cpuTimeAndVerifyRateAreRead() {
        let cpu = LoadGenerator.cpuSeconds(getpid())
        #expect(cpu != nil && cpu! >= 0)
        #expect(LoadGenerator.cpuSeconds(Int32.max) == nil)
        #expect(LoadGenerator.verifyRate() > 100)
    }
}
