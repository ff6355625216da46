extension Simulator {
    /// The shortest run found that still breaks `failure`'s first rule: fewest heights (by
    /// bisection), then each fault kind removed that is not needed for it. A failing seed
    /// becomes a short, replayable bug report.
    public static func shrink(_ failure: SimulationResult, options: SimulationOptions) -> SimulationOptions {
        guard let target = failure.violations.first?.rule else { return options }
        func stillFails(_ candidate: SimulationOptions) -> Bool {
            run(seed: failure.seed, options: candidate).violations.contains { $0.rule == target }
        }
        var shrunk = options
        var low: UInt64 = 1, high = options.heights
        while low < high {
            let middle = (low + high) / 2
            var candidate = shrunk
            candidate.heights = middle
            if stillFails(candidate) { high = middle } else { low = middle + 1 }
        }
        shrunk.heights = high
        for fault in shrunk.faults.sorted() {
            var candidate = shrunk
            candidate.faults.remove(fault)
            if stillFails(candidate) { shrunk = candidate }
        }
        for behaviour in shrunk.behaviours.sorted() {
            var candidate = shrunk
            candidate.behaviours.remove(behaviour)
            if stillFails(candidate) { shrunk = candidate }
        }
        return shrunk
    }

    /// The command line that replays `seed` with `options`, traced.
    public static func replayCommand(seed: UInt64, options: SimulationOptions) -> String {
        "warrant-coordinator simulate --seed \(seed) --nodes \(options.nodes) --byzantine \(options.byzantine) --faults \(options.selection.names) --heights \(options.heights)\(options.sabotage.map { " --sabotage \($0.rawValue)" } ?? "") --trace"
    }
}
