import Foundation
import TOMLKit
import WarrantConsensus
import WarrantFaults
import WarrantLedger
import WarrantWire

extension Topology {
    /// Each node's block of ports when addresses are not given.
    public static let portsPerNode = 20

    /// Loads and checks a topology file. Every problem is reported with the file, the key
    /// and the reason; nothing is half-loaded.
    /// `seed`, when given, replaces the seed of every nemesis schedule (`run --seed`).
    public static func load(_ path: String, seed: UInt64? = nil) throws(TopologyError) -> Topology {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError(.unreadable, file: path, key: "", "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: path, seed: seed)
    }

    /// Parses and checks topology text (`file` names it in errors).
    public static func parse(_ text: String, file: String, seed: UInt64? = nil) throws(TopologyError) -> Topology {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw TopologyError(.syntax, file: file, key: "", "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw TopologyError(.syntax, file: file, key: "", "\(error)")
        }
        var top = TOMLFields(file: file, path: "", table: table)
        guard var clusterFields = try top.table("cluster") else { throw top.error(.missingKey, "cluster", "a [cluster] table is required") }
        let cluster = try readCluster(&clusterFields)
        let nodes = try readNodes(&top, cluster: cluster)
        let principals = try readPrincipals(&top)
        let agents = try readAgents(&top, principals: principals)
        let workload = try readWorkload(&top)
        let faults = try readFaults(&top, nodes: nodes, agents: agents, principals: Set(principals.map(\.name)), seed: seed)
        var probes = ProbeSpec(intervalMs: 250, sample: 2)
        if var f = try top.table("probes") {
            probes = ProbeSpec(intervalMs: try f.uint("interval_ms", default: 250, in: 0...60_000),
                               sample: Int(try f.uint("sample", default: 2, in: 1...50)))
            try f.rejectUnknown()
        }
        try top.rejectUnknown()
        var topology = Topology(file: file, cluster: cluster, nodes: nodes, principals: principals, agents: agents,
                                workload: workload, faults: faults, probes: probes)
        topology.warnings = ephemeralPortWarnings(nodes, file: file)
        try topology.checkRelations(clusterFields)
        let n = topology.validators.count, f = (n - 1) / 3
        let faulty = n - topology.honestNodes.count
        guard faulty <= f else {
            throw TopologyError(.relation, file: file, key: "nodes", "\(faulty) Byzantine or twinned validators, but n = \(n) tolerates f = \(f)")
        }
        return topology
    }

    static func readCluster(_ f: inout TOMLFields) throws(TopologyError) -> ClusterSettings {
        var consensus = ConsensusParameters()
        consensus.timeoutProposeMs = try f.uint("timeout_propose_ms", default: consensus.timeoutProposeMs, in: 1...600_000)
        consensus.timeoutPrevoteMs = try f.uint("timeout_prevote_ms", default: consensus.timeoutPrevoteMs, in: 1...600_000)
        consensus.timeoutPrecommitMs = try f.uint("timeout_precommit_ms", default: consensus.timeoutPrecommitMs, in: 1...600_000)
        consensus.timeoutDeltaMs = try f.uint("timeout_delta_ms", default: consensus.timeoutDeltaMs, in: 0...600_000)
        consensus.heartbeatIntervalMs = try f.uint("heartbeat_interval_ms", default: consensus.heartbeatIntervalMs, in: 1...3_600_000)
        consensus.rebroadcastIntervalMs = try f.uint("rebroadcast_interval_ms", default: consensus.rebroadcastIntervalMs, in: 10...600_000)
        consensus.batchDelayMs = try f.uint("batch_delay_ms", default: consensus.batchDelayMs, in: 0...10_000)
        consensus.maxBlockRequests = Int(try f.uint("max_block_requests", default: UInt64(consensus.maxBlockRequests), in: 1...100_000))
        consensus.maxBlockBytes = Int(try f.uint("max_block_bytes", default: UInt64(consensus.maxBlockBytes), in: 1_024...(16 << 20)))
        consensus.messageDelayMs = try f.uint("message_delay_ms", default: consensus.messageDelayMs, in: 1...600_000)
        consensus.messageDelayDeltaMs = try f.uint("message_delay_delta_ms", default: consensus.messageDelayDeltaMs, in: 0...600_000)
        var ledger = LedgerParameters()
        ledger.maxClockSkewMs = try f.uint("max_clock_skew_ms", default: ledger.maxClockSkewMs, in: 1...3_600_000)
        ledger.maxStalenessMs = try f.uint("max_staleness_ms", default: ledger.maxStalenessMs, in: 1...3_600_000)
        ledger.maxDelegationDepth = Int(try f.uint("max_delegation_depth", default: UInt64(ledger.maxDelegationDepth), in: 0...16))
        ledger.pruneLimitPerBlock = Int(try f.uint("prune_limit_per_block", default: UInt64(ledger.pruneLimitPerBlock), in: 1...1_000_000))
        consensus.precisionMs = ledger.maxClockSkewMs
        let settings = ClusterSettings(
            name: try f.string("name") ?? "warrant",
            host: try f.string("host") ?? "127.0.0.1",
            basePort: Int(try f.uint("base_port", default: 27_000, in: 1_024...65_000)),
            consensus: consensus, ledger: ledger,
            genesisTimeMs: try f.uint("genesis_time_ms", default: 0),
            maxMessageBytes: Int(try f.uint("max_message_bytes", default: 4 << 20, in: 4_096...(64 << 20))),
            requestTimeoutMs: try f.uint("request_timeout_ms", default: 10_000, in: 100...3_600_000),
            maxClientConnections: Int(try f.uint("max_client_connections", default: 1_024, in: 1...1_000_000)))
        try f.rejectUnknown()
        return settings
    }

    static func readNodes(_ top: inout TOMLFields, cluster: ClusterSettings) throws(TopologyError) -> [NodeSpec] {
        let tables = try top.tables("nodes")
        let validatorCount = tables.count { $0.table["twin_of"] == nil }
        guard validatorCount >= 4 else {
            throw top.error(.badValue, "nodes", "a cluster needs at least 4 validators (n = 3f + 1, f ≥ 1); found \(validatorCount)")
        }
        guard (validatorCount - 1) % 3 == 0 else {
            throw top.error(.badValue, "nodes", "n must be 3f + 1 (4, 7, 10, 13, 16) so that 2f + 1 quorums intersect in an honest node; found \(validatorCount) validators")
        }
        guard tables.count <= Topology.portsPerNode - 4 else {
            throw top.error(.badValue, "nodes", "at most \(Topology.portsPerNode - 4) nodes per topology; found \(tables.count)")
        }
        var specs: [NodeSpec] = []
        var names = Set<String>()
        var seen: [String: String] = [:]  // address -> key that uses it
        let names0 = tables.map { $0.table["name"]?.string ?? "" }
        for (index, var f) in tables.enumerated() {
            let name = try f.requiredString("name")
            try checkName(name, f, "name")
            guard names.insert(name).inserted else { throw f.error(.duplicate, "name", "node '\(name)' is named twice") }
            let base = cluster.basePort + Topology.portsPerNode * index
            // A host of its own (its network namespace's address under `--netns`, or another
            // machine); the cluster's host otherwise.
            let host = try f.string("host") ?? cluster.host
            let urlHost = host.contains(":") ? "[\(host)]" : host
            func address(_ port: Int) -> String { "tcp://\(urlHost):\(port)" }
            var spec = NodeSpec(name: name, index: index, host: host, client: try f.string("client") ?? address(base),
                                commits: try f.string("commits") ?? address(base + 1),
                                control: try f.string("control") ?? address(base + 2), peerListen: [:])
            for (j, peer) in names0.enumerated() where j > index { spec.peerListen[peer] = address(base + 4 + j) }
            let metrics = Int(try f.uint("metrics_port", default: UInt64(base + 3), in: 0...65_535))
            spec.metricsPort = metrics == 0 ? nil : metrics
            spec.twinOf = try f.string("twin_of")
            spec.diskMb = try f.int("disk_mb", in: 8...65_536).map(Int.init)
            if let original = spec.twinOf {
                guard names0.contains(original), original != name, tables.first(where: { $0.table["name"]?.string == original })?.table["twin_of"] == nil else {
                    throw f.error(.unknownName, "twin_of", "no validator is named '\(original)'")
                }
                guard names0.filter({ $0 == original }).count == 1,
                      tables.count(where: { $0.table["twin_of"]?.string == original }) == 1 else {
                    throw f.error(.duplicate, "twin_of", "'\(original)' has more than one twin")
                }
            }
            for (index, name) in (try f.strings("byzantine") ?? []).enumerated() {
                do {
                    spec.byzantine += try ByzantineBehaviour.parse([name], onNodes: true)
                } catch {
                    throw f.error(.badValue, "byzantine[\(index)]", "\(error)")
                }
            }
            for (index, name) in (try f.strings("sabotage") ?? []).enumerated() {
                do {
                    spec.sabotage += try Sabotage.parse([name])
                } catch {
                    throw f.error(.badValue, "sabotage[\(index)]", "\(error)")
                }
            }
            for (key, value) in [("client", spec.client), ("commits", spec.commits), ("control", spec.control)] {
                guard value.hasPrefix("tcp://") || value.hasPrefix("ipc://") else {
                    throw f.error(.badValue, key, "'\(value)' is not a tcp:// or ipc:// address")
                }
                if let other = seen[value] { throw f.error(.duplicate, key, "\(value) is already used by \(other)") }
                seen[value] = f.key(key)
            }
            if let port = spec.metricsPort {
                if let other = seen[address(port)] { throw f.error(.duplicate, "metrics_port", "port \(port) is already used by \(other)") }
                seen[address(port)] = f.key("metrics_port")
            }
            for (peer, value) in spec.peerListen.sorted(by: { $0.key < $1.key }) {
                if let other = seen[value] { throw f.error(.duplicate, "name", "the link to \(peer) at \(value) collides with \(other)") }
                seen[value] = "\(f.key("name")) (link to \(peer))"
            }
            try f.rejectUnknown()
            specs.append(spec)
        }
        return specs
    }

    static func readPrincipals(_ top: inout TOMLFields) throws(TopologyError) -> [PrincipalSpec] {
        var out: [PrincipalSpec] = []
        for var f in try top.tables("principals") {
            let name = try f.requiredString("name")
            try checkName(name, f, "name")
            guard !out.contains(where: { $0.name == name }) else { throw f.error(.duplicate, "name", "principal '\(name)' is named twice") }
            let owns = try f.strings("owns") ?? []
            guard !owns.isEmpty else { throw f.error(.missingKey, "owns", "a principal must own at least one resource pattern") }
            out.append(PrincipalSpec(name: name, owns: try patterns(owns, f, "owns")))
            try f.rejectUnknown()
        }
        return out
    }

    static func readAgents(_ top: inout TOMLFields, principals: [PrincipalSpec]) throws(TopologyError) -> [AgentSpec] {
        var out: [AgentSpec] = []
        let tables = try top.tables("agents")
        let allNames = Set(tables.compactMap { $0.table["name"]?.string })
        for var f in tables {
            let name = try f.requiredString("name")
            try checkName(name, f, "name")
            guard !out.contains(where: { $0.name == name }) else { throw f.error(.duplicate, "name", "agent '\(name)' is named twice") }
            let principal = try f.requiredString("principal")
            guard principals.contains(where: { $0.name == principal }) else {
                throw f.error(.unknownName, "principal", "no principal is named '\(principal)'")
            }
            // A program of the user's instead of a built-in behaviour (docs/AGENTS.md).
            let exec = try f.strings("exec")
            if let exec {
                guard let program = exec.first, !program.isEmpty else { throw f.error(.badValue, "exec", "names no program: give [\"PROGRAM\", \"ARG\", …]") }
                guard f.table["behaviour"] == nil else { throw f.error(.relation, "exec", "an agent runs a program or has a behaviour, not both") }
            }
            let behaviourName = try f.string("behaviour") ?? "honest"
            guard let behaviour = AgentBehaviour(rawValue: behaviourName) else {
                throw f.error(.badValue, "behaviour", "'\(behaviourName)' is not one of \(AgentBehaviour.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let operations = try f.strings("operations") ?? []
            guard !operations.isEmpty else { throw f.error(.missingKey, "operations", "an agent must want at least one operation") }
            let resources = try patterns(try f.strings("resources") ?? [], f, "resources")
            guard !resources.isEmpty else { throw f.error(.missingKey, "resources", "an agent must want at least one resource pattern") }
            guard let ttl = try f.int("ttl_ms", in: Int64.min...Int64.max) else { throw f.error(.missingKey, "ttl_ms", "is required") }
            guard ttl > 0 else { throw f.error(.badValue, "ttl_ms", "a session's TTL must be positive; found \(ttl)") }
            var rate: RateLimit?
            if var r = try f.table("rate") {
                guard let count = try r.int("count", in: 1...1_000_000), let window = try r.int("window_ms", in: 1...86_400_000) else {
                    throw r.error(.missingKey, "", "a rate needs count and window_ms")
                }
                rate = RateLimit(count: UInt64(count), windowMs: UInt64(window))
                try r.rejectUnknown()
            }
            let wish = SessionWish(operations: operations, resources: resources, ttlMs: UInt64(ttl),
                                   budget: try f.uint("budget", default: 1_000),
                                   maxAmount: try f.int("max_amount").map(UInt64.init), maxUses: try f.int("max_uses", in: 1...Int64.max).map(UInt64.init),
                                   rate: rate, renewBeforeMs: try f.uint("renew_before_ms", default: 0))
            guard wish.renewBeforeMs < wish.ttlMs else {
                throw f.error(.relation, "renew_before_ms", "must be less than ttl_ms (\(wish.ttlMs)), or the agent renews at once, for ever")
            }
            let delegateTo = try f.string("delegate_to")
            if let delegateTo {
                guard allNames.contains(delegateTo), delegateTo != name else {
                    throw f.error(.unknownName, "delegate_to", "no other agent is named '\(delegateTo)'")
                }
            } else if behaviour == .delegator {
                throw f.error(.missingKey, "delegate_to", "a delegator needs the agent it delegates to")
            }
            out.append(AgentSpec(name: name, principal: principal, behaviour: behaviour, session: wish,
                                 actIntervalMs: try f.uint("act_interval_ms", default: 250, in: 1...3_600_000),
                                 amount: try f.uint("amount", default: 1), delegateTo: delegateTo, exec: exec))
            try f.rejectUnknown()
        }
        return out
    }

    static func readWorkload(_ top: inout TOMLFields) throws(TopologyError) -> WorkloadSpec {
        guard var f = try top.table("workload") else { return WorkloadSpec(durationMs: 30_000, seed: 1) }
        let spec = WorkloadSpec(durationMs: try f.uint("duration_ms", default: 30_000, in: 1_000...86_400_000),
                                seed: try f.uint("seed", default: 1))
        try f.rejectUnknown()
        return spec
    }

    static func readFaults(_ top: inout TOMLFields, nodes: [NodeSpec], agents: [AgentSpec], principals: Set<String>,
                           seed override: UInt64?) throws(TopologyError) -> [FaultSpec] {
        var out: [FaultSpec] = []
        for var f in try top.tables("faults") {
            let atMs = try f.int("at_ms") ?? 0
            let kindName = try f.requiredString("kind")
            if kindName == "nemesis" {
                guard let until = try f.int("until_ms"), until > atMs else {
                    throw f.error(.badValue, "until_ms", "a nemesis needs until_ms after at_ms")
                }
                let seed = try f.uint("seed", default: 1)
                out += Nemesis.schedule(seed: override ?? seed, fromMs: UInt64(atMs), untilMs: UInt64(until),
                                        nodes: nodes.map(\.name))
                try f.rejectUnknown()
                continue
            }
            guard let kind = FaultKind(rawValue: kindName) else {
                throw f.error(.badValue, "kind", "'\(kindName)' is not one of \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")), nemesis")
            }
            func nodeList(_ key: String) throws(TopologyError) -> [String] {
                let names = try f.strings(key) ?? []
                for (index, target) in names.enumerated()
                where !nodes.contains(where: { $0.name == target }) && !FaultSpec.runTimeTargets.contains(target) {
                    throw f.error(.unknownName, "\(key)[\(index)]", "no node is named '\(target)' (nor is it @leader or @all)")
                }
                return names
            }
            let targets = try nodeList("nodes")
            let spec = FaultSpec(atMs: UInt64(atMs), kind: kind, nodes: targets, ms: try f.int("ms", in: -86_400_000...86_400_000),
                                 perMille: try f.int("per_mille", in: 0...1_000).map(UInt64.init), agent: try f.string("agent"),
                                 jitterMs: try f.int("jitter_ms", in: 0...60_000).map(UInt64.init),
                                 from: try nodeList("from"), to: try nodeList("to"), oneWay: try f.bool("one_way") ?? false,
                                 principal: try f.string("principal"))
            switch kind {
            case .partition, .kill, .restart, .pause, .resume, .corruptDb, .truncateDb:
                guard !targets.isEmpty else { throw f.error(.missingKey, "nodes", "a \(kind.rawValue) needs the nodes it acts on") }
            case .fillDisk, .freeDisk:
                guard !targets.isEmpty else { throw f.error(.missingKey, "nodes", "a \(kind.rawValue) needs the nodes it acts on") }
                for (index, target) in targets.enumerated() where nodes.first(where: { $0.name == target })?.diskMb == nil {
                    throw f.error(.badValue, "nodes[\(index)]", "'\(target)' has no disk of its own to fill: give it disk_mb")
                }
            case .cut:
                guard !spec.from.isEmpty, !spec.to.isEmpty else {
                    throw f.error(.missingKey, spec.from.isEmpty ? "from" : "to", "a cut needs the nodes on both ends of its links (from, to)")
                }
                if let both = Set(spec.from).intersection(spec.to).first {
                    throw f.error(.badValue, "to", "'\(both)' is on both ends of a cut")
                }
            case .skew:
                guard !targets.isEmpty else { throw f.error(.missingKey, "nodes", "a \(kind.rawValue) needs the nodes it acts on") }
                guard spec.ms != nil else { throw f.error(.missingKey, "ms", "a \(kind.rawValue) needs ms") }
            case .delay, .drop:
                guard !targets.isEmpty else { throw f.error(.missingKey, "nodes", "a \(kind.rawValue) needs the nodes it acts on") }
                guard spec.ms != nil || spec.perMille != nil else {
                    throw f.error(.missingKey, kind == .delay ? "ms" : "per_mille", "a \(kind.rawValue) needs ms (delay) and/or per_mille (loss)")
                }
                if let ms = spec.ms, ms < 0 || ms > 60_000 { throw f.error(.badValue, "ms", "a delay must be 0…60000 ms") }
            case .revoke:
                guard let agent = spec.agent, agents.contains(where: { $0.name == agent }) else {
                    throw f.error(.unknownName, "agent", "a revoke needs the name of an agent whose session is revoked")
                }
            case .revokeAll:
                guard let principal = spec.principal, principals.contains(principal) else {
                    throw f.error(.unknownName, "principal", "a revoke-all needs the name of a principal of this topology")
                }
            case .heal:
                break
            }
            try f.rejectUnknown()
            out.append(spec)
        }
        return out.sorted { $0.atMs < $1.atMs }
    }

    /// One warning per node that listens on a TCP port in the kernel's ephemeral range.
    static func ephemeralPortWarnings(_ nodes: [NodeSpec], file: String) -> [String] {
        nodes.compactMap { node in
            let addresses = [node.client, node.commits, node.control] + node.peerListen.values.sorted()
            let ports = addresses.compactMap { address -> Int? in
                guard address.hasPrefix("tcp://"), let colon = address.lastIndex(of: ":") else { return nil }
                return Int(address[address.index(after: colon)...])
            }.filter { Topology.ephemeralPorts.contains($0) }
            guard let port = ports.min() else { return nil }
            return "\(file): node \(node.name) listens on port \(port), inside the kernel's ephemeral range (32768–60999), where other programs' outgoing connections can take it; choose a base_port below 32768"
        }
    }

    static func patterns(_ texts: [String], _ f: TOMLFields, _ key: String) throws(TopologyError) -> [ResourcePattern] {
        var out: [ResourcePattern] = []
        for (index, text) in texts.enumerated() {
            guard let pattern = ResourcePattern(text) else {
                throw f.error(.badValue, "\(key)[\(index)]", "'\(text)' is not a resource pattern ('*', 'prefix/*', or an exact name; '*' nowhere else)")
            }
            out.append(pattern)
        }
        return out
    }

    static func checkName(_ name: String, _ f: TOMLFields, _ key: String) throws(TopologyError) {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        guard !name.isEmpty, name.count <= 32, allowed else {
            throw f.error(.badValue, key, "'\(name)' must be 1–32 letters, digits, '-' or '_' (it names files and keys)")
        }
    }
}
