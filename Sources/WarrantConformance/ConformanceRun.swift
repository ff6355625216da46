import Foundation
import WarrantCrypto
import WarrantWire

/// Runs a suite's cases one after another and reports each as docs/CONFORMANCE.md says:
/// `PASS name`, `FAIL name: why`, `XFAIL name: why` (failing, and listed in the baseline),
/// `SKIP name: why`; then `N passed, M failed`. A baseline case that passes fails the run:
/// the baseline is stale.
public struct ConformanceRun: Sendable {
    public var target: ConformanceTarget
    /// Case names expected to fail (`--baseline FILE`: one per line, `#` comments).
    public var baseline: Set<String> = []
    /// Only cases whose name contains this (or one of several, comma-separated).
    public var filter: String?
    /// Where each case's exchanges go (`DIR/NAME.jsonl`), to replay a failure.
    public var out: String?

    public init(target: ConformanceTarget, baseline: Set<String> = [], filter: String? = nil, out: String? = nil) {
        self.target = target
        self.baseline = baseline
        self.filter = filter
        self.out = out
    }

    public struct Summary: Sendable {
        public var passed = 0, failed = 0, expected = 0, skipped = 0
        public init() {}
        public var ok: Bool { failed == 0 }
        /// Counts one case's outcome against the baseline; the line to print.
        public mutating func record(_ name: String, failure: String?, baseline: Set<String>) -> String {
            switch (failure, baseline.contains(name)) {
            case (nil, false):
                passed += 1
                return "PASS \(name)"
            case (nil, true):
                failed += 1
                return "FAIL \(name): passes but is listed in the baseline (the baseline is stale)"
            case (let why?, false):
                failed += 1
                return "FAIL \(name): \(why)"
            case (let why?, true):
                expected += 1
                return "XFAIL \(name): \(why)"
            }
        }

        /// Baseline names that are no case of `names`: each a failure (a stale baseline).
        public mutating func unknown(_ baseline: Set<String>, names: [String]) -> [String] {
            baseline.subtracting(names).sorted().map { name in
                failed += 1
                return "FAIL \(name): listed in the baseline but no such case (the baseline is stale)"
            }
        }

        public var line: String {
            "\(passed) passed, \(failed) failed" + (expected > 0 ? ", \(expected) expected failures" : "") + (skipped > 0 ? ", \(skipped) skipped" : "")
        }
    }

    /// Reads a baseline file: case names, one per line; blank lines and `#` comments ignored.
    public static func baseline(at path: String) throws -> Set<String> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return Set(text.split(separator: "\n").map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty })
    }

    /// Runs every case of `cases`; `say` gets each line as it is decided.
    public func run(_ cases: [ConformanceCase], say: @Sendable (String) -> Void) async throws -> Summary {
        if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        // Nobody there: one line, not a hundred timeouts.
        let preflight = ConformanceContext(target: target, label: "preflight")
        for index in target.nodes.indices {
            do {
                try await preflight.stillServes(index)
            } catch {
                throw CaseFailure("\(target.nodes[index].address) does not answer a status query, so no case can run: \(error)")
            }
        }
        var summary = Summary()
        summary.unknown(baseline, names: cases.map(\.name)).forEach(say)
        for test in cases where selected(test.name, by: filter) {
            if test.needsControl && target.control == nil {
                say("SKIP \(test.name): needs the cluster's control endpoint (--cluster)")
                summary.skipped += 1
                continue
            }
            let context = ConformanceContext(target: target, label: test.name)
            var failure: String?
            do {
                try await test.run(context)
                for index in target.nodes.indices {
                    do {
                        try await context.stillServes(index)
                    } catch {
                        failure = "\(target.nodes[index].name) stopped serving after the case: \(error)"
                        break
                    }
                }
            } catch {
                failure = (error as? CaseFailure)?.description ?? "\(error)"
            }
            if let out { try write(context.exchanges, to: "\(out)/\(test.name).jsonl") }
            say(summary.record(test.name, failure: failure, baseline: baseline))
        }
        return summary
    }

    /// Sends a recorded case's bytes again, in order, each to the node it went to (or the
    /// first): one line per exchange with the answer then and now.
    public static func replay(_ path: String, target: ConformanceTarget) async throws -> [String] {
        let decoder = JSONDecoder()
        var lines: [String] = []
        for (index, line) in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").enumerated() {
            let exchange = try decoder.decode(Exchange.self, from: Data(line.utf8))
            let node = target.nodes.first { $0.name == exchange.node } ?? target.nodes[0]
            let then = exchange.received.flatMap { try? SignedMessage(opening: Hex.decode($0), limits: WireLimits(maxMessageBytes: 8 << 20)) }
                .map { ConformanceContext.describe($0.message) } ?? exchange.problem ?? "no answer"
            let now: String
            do {
                now = ConformanceContext.describe(try await node.send(try Hex.decode(exchange.sent)))
            } catch {
                now = "\(error)"
            }
            lines.append("\(index + 1). \(exchange.sent.count / 2) bytes to \(node.name): then \(then); now \(now)")
        }
        return lines
    }

    func write(_ exchanges: [Exchange], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for exchange in exchanges { data += try encoder.encode(exchange) + Data("\n".utf8) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}

/// Whether a case runs under `--only`: no filter, or its name contains one of the
/// comma-separated parts.
func selected(_ name: String, by filter: String?) -> Bool {
    guard let filter else { return true }
    return filter.split(separator: ",").contains { name.contains($0) }
}
