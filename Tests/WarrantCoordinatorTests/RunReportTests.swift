import Testing
import WarrantCoordinator
import WarrantHistory

/// What a run's picture draws on each node's lane, from the fault events alone.
@Suite struct RunReportTests {
    static func fault(_ time: UInt64, _ detail: String, layer: String? = nil) -> HistoryEvent {
        HistoryEvent(time: time, kind: .fault, detail: detail, layer: layer)
    }

    static let nodes = ["n0", "n1", "n2", "n3"]

    @Test func aPartitionIsDrawnOnEveryLaneUntilTheHeal() {
        let drawn = RunReport.intervals([Self.fault(1_000, "partition n3 from the rest", layer: "network"), Self.fault(5_000, "heal", layer: "network")],
                                        nodes: Self.nodes, end: 9_000)
        #expect(drawn.count == 4)
        #expect(drawn.allSatisfy { $0.interval.kind == .partitioned && $0.interval.start == 1_000 && $0.interval.end == 5_000 && $0.interval.layer == "network" })
        #expect(drawn.first { $0.node == "n3" }?.interval.label == "cut from n0,n1,n2")
        #expect(drawn.first { $0.node == "n0" }?.interval.label == "cut from n3")
    }

    @Test func aOneWayCutSaysWhichWay() {
        let drawn = RunReport.intervals([Self.fault(1_000, "cut n0 -> n1")], nodes: Self.nodes, end: 9_000)
        #expect(drawn.map(\.node) == ["n0", "n1"])
        #expect(drawn[0].interval.label == "hears no -; reaches no n1")
        #expect(drawn[1].interval.label == "hears no n0; reaches no -")
        #expect(drawn.allSatisfy { $0.interval.end == 9_000 })  // never healed: to the end
    }

    @Test func crashesPausesSkewsAndDegradedLinksEachGetTheirStretch() {
        let events = [
            HistoryEvent(time: 1_000, kind: .restart, node: "n1", detail: "crash", nodes: ["n1"]),
            HistoryEvent(time: 3_000, kind: .restart, node: "n1", detail: "restart", nodes: ["n1"]),
            Self.fault(2_000, "pause n2"), Self.fault(2_500, "resume n2"),
            Self.fault(1_500, "skew n0 by -300 ms"), Self.fault(4_000, "skew n0 by 0 ms"),
            Self.fault(6_000, "delay 200 ms ±50, drop 100‰ on n2,n3"), Self.fault(7_000, "heal"),
        ].sorted { $0.time < $1.time }
        let drawn = RunReport.intervals(events, nodes: Self.nodes, end: 9_000)
        let summary = drawn.map { "\($0.node) \($0.interval.kind.rawValue) \($0.interval.start)-\($0.interval.end) \($0.interval.label)" }
        #expect(summary == ["n0 skewed 1500-4000 clock -300 ms", "n1 down 1000-3000 killed", "n2 paused 2000-2500 paused",
                            "n2 degraded 6000-7000 delay 200 ms ±50, drop 100‰", "n3 degraded 6000-7000 delay 200 ms ±50, drop 100‰"])
    }
}
