import Foundation
import Testing
import WarrantCoordinator
import WarrantTopology

/// `--netns` without root: the layout's names and addresses, the topology it rewrites, and
/// the nftables rules each fault becomes (applying them is tested by scripts/chaos.sh --netns).
@Suite struct NetnsTests {
    static let text = """
        [cluster]
        name = "t"
        base_port = 30000
        # a [[nodes]] in a comment is not a table
        [[nodes]]
        name = "a"
        [[ nodes ]]
        name = "b"
        [[nodes]]
        name = "c"
        [[nodes]]
        name = "d"
        metrics_port = 0
        [[principals]]
        name = "p"
        owns = ["files/*"]
        [[agents]]
        name = "x"
        principal = "p"
        operations = ["read"]
        resources = ["files/*"]
        ttl_ms = 5000
        """

    static func layout() throws -> NetnsLayout {
        try NetnsLayout(topology: Topology.parse(text, file: "t.toml"), owner: 4242)
    }

    @Test func everyProcessGetsANamespaceAndAnAddressNamedAfterItsOwner() throws {
        let layout = try Self.layout()
        #expect(layout.bridge == "wrnt-4242-br")
        #expect(layout.nodes.map(\.namespace) == ["wrnt-4242-n0", "wrnt-4242-n1", "wrnt-4242-n2", "wrnt-4242-n3"])
        #expect(layout.nodes.map(\.address) == ["10.213.0.10", "10.213.0.11", "10.213.0.12", "10.213.0.13"])
        #expect(layout.agents.map(\.address) == ["10.213.0.100"])
        #expect(layout.all.allSatisfy { $0.device.count <= 15 })
        #expect(layout.namespace(ofChild: "c") == "wrnt-4242-n2")
        #expect(layout.namespace(ofChild: "agent:x") == "wrnt-4242-a0")
        #expect(layout.namespace(ofChild: "agent:c") == nil)
        #expect(NetnsLayout.owner(ofNamespace: "wrnt-4242-n2") == 4242)
        #expect(NetnsLayout.owner(ofNamespace: "other-4242-n2") == nil)
    }

    @Test func theRewrittenTopologyPutsEveryNodeAtItsAddress() throws {
        let layout = try Self.layout()
        let moved = try Topology.parse(layout.rewrite(topologyText: Self.text, file: "t.toml"), file: "t-netns.toml")
        #expect(moved.nodes.map(\.host) == layout.nodes.map(\.address))
        #expect(moved.node(named: "a")?.client == "tcp://10.213.0.10:30000")
        #expect(moved.node(named: "a")?.peerListen["d"] == "tcp://10.213.0.10:30007")
        #expect(moved.node(named: "d")?.control == "tcp://10.213.0.13:30062")
        #expect(moved.node(named: "d")?.metricsPort == nil)
    }

    @Test func aTopologyThatFixesANodeAddressIsRefusedByName() throws {
        let layout = try Self.layout()
        let fixed = Self.text.replacingOccurrences(of: "name = \"c\"", with: "name = \"c\"\nclient = \"tcp://127.0.0.1:1\"")
        #expect(throws: CoordinatorError.self) { try layout.rewrite(topologyText: fixed, file: "t.toml") }
        do {
            _ = try layout.rewrite(topologyText: fixed, file: "t.toml")
        } catch {
            #expect(error.message.contains("node c sets 'client'"))
        }
    }

    @Test func aPartitionCutsBothWaysAndDropsEveryPacket() throws {
        let layout = try Self.layout()
        var faults = NetworkFaults()
        faults.partition([["d"]], all: ["a", "b", "c", "d"])
        #expect(faults.cutPeers(toward: "d") == ["a", "b", "c"])
        #expect(faults.cutPeers(toward: "a") == ["d"])
        let d = faults.script(for: "d", layout: layout)
        #expect(d.hasPrefix("flush table inet warrant\n"))
        #expect(d.contains("add rule inet warrant output ip daddr 10.213.0.10 counter drop"))
        #expect(d.contains("add rule inet warrant input ip saddr 10.213.0.12 counter drop"))
        #expect(!d.contains("length"))
        #expect(!faults.script(for: "a", layout: layout).contains("10.213.0.11"))  // a and b stay connected
        faults.heal()
        #expect(faults.isEmpty)
        #expect(faults.script(for: "d", layout: layout) == "flush table inet warrant\n")
    }

    @Test func aOneWayCutDropsOnlyDataSoTheOtherDirectionFlows() throws {
        let layout = try Self.layout()
        var faults = NetworkFaults()
        faults.cut(from: ["a"], to: ["b"], oneWay: true)
        #expect(faults.cutPeers(toward: "b") == ["a"])
        #expect(faults.cutPeers(toward: "a") == [])
        #expect(faults.script(for: "a", layout: layout).contains("output ip daddr 10.213.0.11 ip protocol tcp ip length > 80 counter drop"))
        #expect(faults.script(for: "b", layout: layout).contains("input ip saddr 10.213.0.10 ip protocol tcp ip length > 80 counter drop"))
        faults.cut(from: ["b"], to: ["a"], oneWay: true)  // now both ways: everything
        #expect(faults.script(for: "a", layout: layout).contains("output ip daddr 10.213.0.11 counter drop"))
    }

    @Test func lossIsRandomPerMilleOnLinksToOtherNodesOnly() throws {
        let layout = try Self.layout()
        var faults = NetworkFaults()
        faults.lose("b", perMille: 5_000)
        let b = faults.script(for: "b", layout: layout)
        #expect(b.contains("input ip saddr { 10.213.0.10, 10.213.0.12, 10.213.0.13 } numgen random mod 1000 < 1000 counter drop"))
        #expect(b.contains("output ip daddr { 10.213.0.10, 10.213.0.12, 10.213.0.13 }"))
        #expect(!b.contains("10.213.0.100"))  // agents and the coordinator keep their links
        faults.lose("b", perMille: 0)
        #expect(faults.isEmpty)
    }

    @Test func droppedPacketsAreCountedFromAListing() {
        let listing = """
            table inet warrant {
                chain output {
                    ip daddr 10.213.0.11 counter packets 12 bytes 900 drop
                    ip daddr 10.213.0.12 counter packets 30 bytes 2000 drop
                }
            }
            """
        #expect(Netns.droppedPackets(inListing: listing) == 42)
    }
}
