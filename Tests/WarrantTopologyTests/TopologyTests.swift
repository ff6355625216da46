import Foundation
import Testing
import WarrantTopology

/// The shipped topologies load; every broken one is refused with the file, the key and
/// the reason.
@Suite struct TopologyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Topologies")

    static let minimal = """
        [cluster]
        base_port = 30000
        [[nodes]]
        name = "a"
        [[nodes]]
        name = "b"
        [[nodes]]
        name = "c"
        [[nodes]]
        name = "d"
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

    @Test(arguments: ["quickstart.toml", "local-4.toml", "local-7.toml"])
    func shippedTopologiesLoad(_ name: String) throws {
        let topology = try Topology.load(Self.root.appendingPathComponent(name).path)
        #expect(topology.nodes.count == (name == "local-7.toml" ? 7 : 4))
        let ports = topology.nodes.flatMap { [$0.client, $0.commits, $0.control] + $0.peerListen.values }
        #expect(Set(ports).count == ports.count)
    }

    @Test func theQuickstartHasWhatTheQuickStartPromises() throws {
        let topology = try Topology.load(Self.root.appendingPathComponent("quickstart.toml").path)
        #expect(Set(topology.agents.map(\.behaviour)) == [.honest, .rogue, .delegator])
        #expect(topology.faults.map(\.kind) == [.partition, .revoke, .heal])
        #expect(topology.node(named: "n0")?.peerListen["n3"] == "tcp://127.0.0.1:27507")
        #expect(topology.cluster.consensus.precisionMs == topology.cluster.ledger.maxClockSkewMs)
    }

    func refusal(_ text: String) -> TopologyError? {
        do {
            _ = try Topology.parse(text, file: "t.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func aMinimalTopologyLoadsWithDefaults() throws {
        let topology = try Topology.parse(Self.minimal, file: "t.toml")
        #expect(topology.nodes[1].client == "tcp://127.0.0.1:30020")
        #expect(topology.agents[0].behaviour == .honest)
        #expect(topology.workload.durationMs == 30_000)
    }

    @Test(arguments: [
        // (change, code, key, words the reason must contain)
        ("[[faults]]\nat_ms = 10\nkind = \"kill\"\nnodes = [\"z\"]", TopologyError.Code.unknownName, "faults[0].nodes[0]", "'z'"),
        ("[[faults]]\nat_ms = 10\nkind = \"explode\"", .badValue, "faults[0].kind", "explode"),
        ("[workload]\nduration_ms = 5000\nspeed = 3", .unknownKey, "workload.speed", "speed"),
        ("[[faults]]\nat_ms = 10\nkind = \"cut\"\nfrom = [\"a\"]", .missingKey, "faults[0].to", "both ends"),
        ("[[faults]]\nat_ms = 10\nkind = \"cut\"\nfrom = [\"a\"]\nto = [\"b\", \"q\"]", .unknownName, "faults[0].to[1]", "'q'"),
        ("[[faults]]\nat_ms = 10\nkind = \"cut\"\nfrom = [\"a\"]\nto = [\"a\"]", .badValue, "faults[0].to", "both ends"),
        ("[[faults]]\nat_ms = 10\nkind = \"revoke-all\"\nprincipal = \"nobody\"", .unknownName, "faults[0].principal", "principal"),
        ("[[faults]]\nat_ms = 10\nkind = \"delay\"\nnodes = [\"a\"]", .missingKey, "faults[0].ms", "per_mille"),
        ("[[faults]]\nat_ms = 10\nkind = \"delay\"\nnodes = [\"a\"]\nms = -5", .badValue, "faults[0].ms", "0…60000"),
    ])
    func additionsThatBreakItAreNamed(_ addition: String, _ code: TopologyError.Code, _ key: String, _ words: String) throws {
        let error = try #require(refusal(Self.minimal + "\n" + addition))
        #expect(error.code == code && error.key == key && error.file == "t.toml" && error.reason.contains(words), "\(error)")
    }

    @Test(arguments: [
        ("ttl_ms = 5000", "ttl_ms = 0", TopologyError.Code.badValue, "agents[0].ttl_ms", "positive"),
        ("[[nodes]]\nname = \"d\"\n", "", .badValue, "nodes", "at least 4"),
        ("base_port = 30000", "base_port = 30000\nheartbeat_interval_ms = 4000", .relation, "cluster.heartbeat_interval_ms", "max_staleness_ms"),
        ("base_port = 30000", "base_port = 30000\ntimeout_propose_ms = 2500", .relation, "cluster.timeout_propose_ms", "half"),
        ("name = \"b\"", "name = \"a\"", .duplicate, "nodes[1].name", "twice"),
        ("name = \"c\"", "name = \"c\"\nclient = \"tcp://127.0.0.1:30000\"", .duplicate, "nodes[2].client", "nodes[0].client"),
        ("principal = \"p\"", "principal = \"q\"", .unknownName, "agents[0].principal", "'q'"),
        ("owns = [\"files/*\"]", "owns = [\"fi*les\"]", .badValue, "principals[0].owns[0]", "fi*les"),
        ("ttl_ms = 5000", "ttl_ms = 300", .relation, "agents[0].ttl_ms", "max_clock_skew_ms"),
        ("base_port = 30000", "base_port = \"high\"", .badValue, "cluster.base_port", "integer"),
        ("[cluster]", "[cluster\n", .syntax, "", "line"),
    ])
    func brokenTopologiesAreRefusedByKey(_ from: String, _ to: String, _ code: TopologyError.Code, _ key: String, _ words: String) throws {
        let text = Self.minimal.replacingOccurrences(of: from, with: to)
        #expect(text != Self.minimal)
        let error = try #require(refusal(text))
        #expect(error.code == code && error.key == key && error.reason.contains(words), "\(error)")
    }

    @Test func cutsRevokeAllAndDelayWithLossLoad() throws {
        let topology = try Topology.parse(Self.minimal + """

            [[faults]]
            at_ms = 10
            kind = "cut"
            from = ["a", "b"]
            to = ["d"]
            one_way = true
            [[faults]]
            at_ms = 20
            kind = "delay"
            nodes = ["c"]
            ms = 40
            jitter_ms = 10
            per_mille = 100
            [[faults]]
            at_ms = 30
            kind = "revoke-all"
            principal = "p"
            """, file: "t.toml")
        let cut = topology.faults[0], delay = topology.faults[1], revokeAll = topology.faults[2]
        #expect(cut.kind == .cut && cut.from == ["a", "b"] && cut.to == ["d"] && cut.oneWay)
        #expect(delay.ms == 40 && delay.jitterMs == 10 && delay.perMille == 100)
        #expect(revokeAll.kind == .revokeAll && revokeAll.principal == "p" && revokeAll.kind.isRequest)
        #expect(topology.warnings.isEmpty)
    }

    @Test func portsInTheEphemeralRangeAreWarnedAbout() throws {
        let high = try Topology.parse(Self.minimal.replacingOccurrences(of: "base_port = 30000", with: "base_port = 40000"), file: "t.toml")
        #expect(high.warnings.count == 4)
        #expect(high.warnings[0].contains("t.toml") && high.warnings[0].contains("40000") && high.warnings[0].contains("32768"))
        // A node's own address below the range clears its warning; one above it earns one.
        let mixed = try Topology.parse(Self.minimal.replacingOccurrences(of: "name = \"a\"", with: "name = \"a\"\nclient = \"tcp://127.0.0.1:45000\""),
                                       file: "t.toml")
        #expect(mixed.warnings.count == 1 && mixed.warnings[0].contains("node a") && mixed.warnings[0].contains("45000"))
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: TopologyError.self) { try Topology.load("/nonexistent/warrant.toml") }
    }
}

/// Byzantine, sabotaged and twin nodes, and the nemesis schedule, as topologies state them.
@Suite struct ChaosTopologyTests {
    static let nodes = "[cluster]\nbase_port = 30000\n" + (0..<4).map { "[[nodes]]\nname = \"n\($0)\"\n" }.joined()

    func refusal(_ text: String) -> TopologyError? {
        do {
            _ = try Topology.parse(text, file: "t.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func byzantineAndTwinNodesAreNotHonestAndAtMostF() throws {
        let twin = try Topology.parse(Self.nodes + "[[nodes]]\nname = \"n3-twin\"\ntwin_of = \"n3\"\n", file: "t.toml")
        #expect(twin.validators.count == 4 && twin.nodes.count == 5)
        #expect(twin.honestNodes == ["n0", "n1", "n2"])
        let byzantine = try Topology.parse(Self.nodes.replacingOccurrences(of: "name = \"n1\"\n", with: "name = \"n1\"\nbyzantine = [\"forge\"]\n"),
                                           file: "t.toml")
        #expect(byzantine.honestNodes == ["n0", "n2", "n3"])
        let two = Self.nodes.replacingOccurrences(of: "name = \"n1\"\n", with: "name = \"n1\"\nbyzantine = [\"forge\"]\n")
            .replacingOccurrences(of: "name = \"n2\"\n", with: "name = \"n2\"\nbyzantine = [\"replay\"]\n")
        #expect(refusal(two)?.code == .relation)
        #expect(refusal(Self.nodes + "[[nodes]]\nname = \"x\"\ntwin_of = \"n9\"\n")?.key == "nodes[4].twin_of")
        #expect(refusal(Self.nodes.replacingOccurrences(of: "name = \"n1\"\n", with: "name = \"n1\"\nbyzantine = [\"lie\"]\n"))?.key == "nodes[1].byzantine[0]")
        #expect(refusal(Self.nodes.replacingOccurrences(of: "name = \"n1\"\n", with: "name = \"n1\"\nsabotage = [\"oops\"]\n"))?.key == "nodes[1].sabotage[0]")
    }

    @Test func theNemesisScheduleIsSeededAndUndoesEachFault() throws {
        let text = Self.nodes + "[workload]\nduration_ms = 30000\n[[faults]]\nat_ms = 1000\nkind = \"nemesis\"\nseed = 5\nuntil_ms = 20000\n"
        let a = try Topology.parse(text, file: "t.toml").faults, b = try Topology.parse(text, file: "t.toml").faults
        #expect(a == b && a.count >= 6)
        #expect(a.last?.kind == .heal && a.last?.atMs == 20_000)
        #expect(a.allSatisfy { $0.atMs >= 1_000 && $0.atMs <= 20_000 })
        let other = try Topology.parse(text.replacingOccurrences(of: "seed = 5", with: "seed = 6"), file: "t.toml").faults
        #expect(other != a)
        // Every kill is followed by a restart of the same node, every pause by a resume.
        for (index, fault) in a.enumerated() where fault.kind == .kill || fault.kind == .pause {
            #expect(a[index + 1].kind == (fault.kind == .kill ? .restart : .resume) && a[index + 1].nodes == fault.nodes)
        }
    }

    @Test func everyShippedChaosScenarioLoads() throws {
        let directory = TopologyTests.root.appendingPathComponent("chaos")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(files == ["agent-programs.toml", "bridge.toml", "byzantine-equivocate.toml", "byzantine-forge.toml", "clock-skew.toml", "corrupt-database.toml", "crash-all.toml",
                          "disk-full.toml", "leader-kill.toml", "nemesis.toml", "one-way-cut.toml", "partition-expiry.toml", "pause-leader.toml",
                          "restart-while-cut-off.toml", "revoke-under-partition.toml", "rogue-agents.toml", "skewed-proposer.toml", "slow-links.toml",
                          "twins.toml"])
        for file in files { _ = try Topology.load(directory.appendingPathComponent(file).path) }
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("sabotage").path) {
            _ = try Topology.load(directory.appendingPathComponent("sabotage").appendingPathComponent(file).path)
        }
    }
}

/// An agent that runs a program: `exec` instead of a behaviour, never both.
@Suite struct AgentProgramTopologyTests {
    @Test func anAgentMayNameAProgram() throws {
        let topology = try Topology.parse(TopologyTests.minimal + "\nexec = [\"python3\", \"agents/shopper.py\"]\n", file: "t.toml")
        #expect(topology.agent(named: "x")?.exec == ["python3", "agents/shopper.py"])
    }

    @Test(arguments: [("exec = []", "names no program"), ("exec = [\"python3\"]\nbehaviour = \"rogue\"", "not both")])
    func aBadProgramIsRefusedByKey(_ lines: String, _ words: String) {
        do {
            _ = try Topology.parse(TopologyTests.minimal + "\n" + lines + "\n", file: "t.toml")
            Issue.record("accepted \(lines)")
        } catch {
            #expect("\(error)".contains("agents[0].exec"), "\(error)")
            #expect("\(error)".contains(words), "\(error)")
        }
    }
}
