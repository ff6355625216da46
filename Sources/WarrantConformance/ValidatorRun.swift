import Foundation

/// `conform validator`: one implementation under test, the harness around it, every case
/// of `ValidatorSuite` in order, each reported as the client suite reports.
public struct ValidatorRun: Sendable {
    /// Starts the implementation; the harness appends `--topology FILE --id n0 --data DIR --keys DIR`.
    public var command: String
    /// The generated topology, keys, data and the implementation's log go here.
    public var directory: String
    public var basePort: Int
    public var baseline: Set<String> = []
    public var filter: String?

    /// `directory` nil: a new temporary one.
    public init(command: String, directory: String?, basePort: Int, baseline: Set<String> = [], filter: String? = nil) {
        self.command = command
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("warrant-conform-\(UInt32.random(in: 0...UInt32.max))").path
        self.basePort = basePort
        self.baseline = baseline
        self.filter = filter
    }

    public func run(say: @Sendable (String) -> Void) async throws -> ConformanceRun.Summary {
        say("validator conformance in \(directory)")
        let harness = try ValidatorHarness(command: command, directory: directory, basePort: basePort)
        var summary = ConformanceRun.Summary()
        summary.unknown(baseline, names: ValidatorSuite.cases.map(\.name)).forEach(say)
        do {
            try await harness.start()
        } catch {
            await harness.stop()
            throw CaseFailure("the implementation did not start and commit with the cluster (its log: \(directory)/node.log): \(error)")
        }
        for test in ValidatorSuite.cases where selected(test.name, by: filter) {
            var failure: String?
            do {
                try await test.run(harness)
            } catch {
                failure = (error as? CaseFailure)?.description ?? "\(error)"
                await harness.heal()
            }
            say(summary.record(test.name, failure: failure, baseline: baseline))
        }
        await harness.stop()
        return summary
    }
}
