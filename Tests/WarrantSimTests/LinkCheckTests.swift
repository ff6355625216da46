import Testing
import WarrantCheck
import WarrantHistory

/// `faults_honoured`: messages that crossed a cut link are caught, named by peer and
/// layer; readings split by a restart are not compared.
@Suite struct LinkCheckTests {
    static func reading(_ time: UInt64, _ node: String, _ moment: String, peers: [String], _ counts: [String: UInt64]) -> HistoryEvent {
        HistoryEvent(time: time, kind: .links, node: node, detail: moment, nodes: peers, counts: counts)
    }

    static func judge(_ events: [HistoryEvent]) -> [Violation] {
        Checks.faultsHonoured(CheckInput(events: events, honest: ["n0", "n1", "n2", "n3"], genesis: CheckerTests.genesis, signatures: .modelled))
    }

    static let partition = HistoryEvent(time: 1_000, kind: .fault, detail: "partition n3 from the rest", nodes: ["n3"], layer: "process")

    @Test func aCutThatHeldPasses() {
        let events = [Self.partition,
                      Self.reading(1_300, "n0", "cut", peers: ["n3"], ["n1": 10, "n3": 7]),
                      Self.reading(5_000, "n0", "heal", peers: ["n3"], ["n1": 90, "n3": 7])]
        #expect(Self.judge(events).isEmpty)
    }

    @Test func messagesAcrossACutAreAViolationNamingThePeerAndTheLayer() {
        let events = [Self.partition,
                      Self.reading(1_300, "n0", "cut", peers: ["n3"], ["n3": 7]),
                      Self.reading(5_000, "n0", "heal", peers: ["n3"], ["n3": 67])]
        let found = Self.judge(events)
        #expect(found.map(\.rule) == [.faultsHonoured])
        #expect(found.first?.detail.contains("60 messages from n3 reached n0") == true)
        #expect(found.first?.detail.contains("n3 did not honour the fault") == true)
        var network = Self.partition
        network.layer = "network"
        #expect(Self.judge([network] + events.dropFirst()).first?.detail.contains("the network rule let them through") == true)
    }

    @Test func aFurtherCutOrTheEndClosesTheReading() {
        let events = [Self.partition,
                      Self.reading(1_300, "n0", "cut", peers: ["n3"], ["n3": 7]),
                      Self.reading(3_000, "n0", "cut", peers: ["n2", "n3"], ["n3": 9, "n2": 4]),
                      Self.reading(9_000, "n0", "end", peers: ["n2", "n3"], ["n3": 9, "n2": 5])]
        #expect(Self.judge(events).map(\.detail).map { $0.prefix(24) } == ["2 messages from n3 reach", "1 messages from n2 reach"])
    }

    @Test func readingsSplitByARestartAreNotCompared() {
        let events = [Self.partition,
                      Self.reading(1_300, "n0", "cut", peers: ["n3"], ["n3": 7]),
                      HistoryEvent(time: 2_000, kind: .restart, node: "n3", detail: "restart", nodes: ["n3"]),
                      Self.reading(5_000, "n0", "heal", peers: ["n3"], ["n3": 67])]
        #expect(Self.judge(events).isEmpty)
    }
}
