import Foundation
import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// Golden scenario scripts (etcd-raft's interaction tests): each file in `Scenarios/` is
/// a list of commands, each followed by `----` and the output it must produce, then a
/// blank line. Run with `WARRANT_REWRITE=1` to regenerate the outputs after a deliberate
/// change, then read the diff. docs/CONSENSUS.md lists the commands.
@Suite struct ScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func thereAreAtLeastTwentyScenarios() {
        #expect(Self.files.count >= 20)
    }

    @Test(arguments: files)
    func scenario(_ file: String) throws {
        let url = Self.directory.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        var interpreter = ScenarioInterpreter()
        var rewritten = ""
        for block in ScenarioInterpreter.parse(text) {
            rewritten += block.leading
            let actual = interpreter.run(block.command)
            rewritten += block.command + "\n----\n" + actual.map { $0 + "\n" }.joined() + "\n"
            if ProcessInfo.processInfo.environment["WARRANT_REWRITE"] == nil {
                #expect(actual == block.expected, "\(file): \(block.command)\nexpected:\n\(block.expected.joined(separator: "\n"))\nactual:\n\(actual.joined(separator: "\n"))")
            }
        }
        if ProcessInfo.processInfo.environment["WARRANT_REWRITE"] != nil {
            try rewritten.write(to: url, atomically: true, encoding: .utf8)
        }
    }
}

/// Reads and runs scenario commands against a `TestCluster`.
struct ScenarioInterpreter {
    struct Block {
        /// Comments and blank lines before the command, kept when rewriting.
        let leading: String
        let command: String
        let expected: [String]
    }

    var cluster: TestCluster?

    static func parse(_ text: String) -> [Block] {
        var blocks: [Block] = []
        var leading = ""
        var lines = text.components(separatedBy: "\n")[...]
        while let line = lines.first {
            lines = lines.dropFirst()
            if line.isEmpty || line.hasPrefix("#") {
                leading += line + "\n"
                continue
            }
            var expected: [String] = []
            if lines.first == "----" {
                lines = lines.dropFirst()
                while let out = lines.first, !out.isEmpty {
                    expected.append(out)
                    lines = lines.dropFirst()
                }
            }
            blocks.append(Block(leading: leading, command: line, expected: expected))
            leading = ""
            if lines.first == "" { lines = lines.dropFirst() }
        }
        return blocks
    }

    func node(_ word: String) -> Int? {
        guard word.hasPrefix("n"), let index = Int(word.dropFirst()), let cluster, cluster.nodes.indices.contains(index) else { return nil }
        return index
    }

    func nodes(_ list: String) -> Set<Int> { Set(list.split(separator: ",").compactMap { node(String($0)) }) }

    /// `key=value` arguments of a command.
    func options(_ words: [String]) -> [String: String] {
        Dictionary(words.compactMap { word -> (String, String)? in
            let parts = word.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }, uniquingKeysWith: { $1 })
    }

    func matches(_ message: TestCluster.Message, _ opts: [String: String]) -> Bool {
        if let from = opts["from"], !nodes(from).contains(message.from) { return false }
        if let to = opts["to"], !nodes(to).contains(message.to) { return false }
        if let type = opts["type"], !type.split(separator: ",").contains(Substring(message.payload.type)) { return false }
        return true
    }

    mutating func run(_ line: String) -> [String] {
        let words = line.split(separator: " ").map(String.init)
        guard let command = words.first else { return [] }
        let args = Array(words.dropFirst())
        if command == "cluster" {
            let opts = options(args)
            var parameters = ConsensusParameters()
            if let hb = opts["heartbeat"].flatMap(UInt64.init) { parameters.heartbeatIntervalMs = hb }
            cluster = TestCluster(size: Int(args.first ?? "4") ?? 4, parameters: parameters)
            cluster!.rebroadcast = opts["rebroadcast"] == "on"
            return ["\(cluster!.nodes.count) validators, f=\(cluster!.nodes[0].core.validators.f), quorum=\(cluster!.nodes[0].core.validators.quorum)"]
        }
        guard var c = cluster else { return ["error: no cluster (start with 'cluster N')"] }
        defer { cluster = c }
        let opts = options(args)
        switch command {
        case "start":
            let targets = args.first.map(nodes) ?? Set(c.nodes.indices)
            for n in targets.sorted() { c.start(n) }
        case "deliver":
            let count = c.deliverAll(limit: opts["limit"].flatMap(Int.init) ?? 100_000) { matches($0, opts) }
            c.log.insert("delivered \(count)", at: 0)
        case "drop":
            let before = c.network.count
            c.network.removeAll { matches($0, opts) }
            c.log.append("dropped \(before - c.network.count)")
        case "partition":
            let groups = args.joined(separator: " ").split(separator: "/").map { nodes($0.trimmingCharacters(in: .whitespaces)) }
            c.groups = groups
            let before = c.network.count
            let cluster = c
            c.network.removeAll { !cluster.connected($0.from, $0.to) }
            c.log.append("partitioned \(groups.map { $0.sorted().map { "n\($0)" }.joined(separator: ",") }.joined(separator: " / ")), dropped \(before - c.network.count) in flight")
        case "heal":
            c.groups = nil
            c.log.append("healed")
        case "tick":
            c.tick(UInt64(args.first ?? "0") ?? 0)
        case "timeout":
            guard let n = args.first.flatMap(node), let kind = args.dropFirst().first.flatMap(TimeoutKind.init(rawValue:)) else {
                return ["error: timeout NODE propose|prevote|precommit|heartbeat"]
            }
            let core = c.nodes[n].core
            guard let timer = c.timers.first(where: { $0.node == n && $0.kind == kind && $0.height == core.height && $0.round == core.round }) else {
                return ["error: \(args[0]) has no \(kind.rawValue) timer for h\(core.height) r\(core.round)"]
            }
            c.fire(timer)
        case "request":
            guard let n = args.first.flatMap(node) else { return ["error: request NODE TEXT"] }
            let bytes = Array(args.dropFirst().joined(separator: " ").utf8)
            c.run(n, c.nodes[n].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: c.now), context: "request")
        case "equivocate":
            // The node signs a second, different vote for its current height and round.
            guard let n = args.first.flatMap(node) else { return ["error: equivocate NODE prevote|precommit"] }
            let type = VoteType(rawValue: args.dropFirst().first ?? "prevote") ?? .prevote
            let core = c.nodes[n].core
            let vote = c.sign(n, type: type, height: core.height, round: core.round, block: Blake2b.hash(Array("conflict".utf8)))
            c.log.append("n\(n) equivocates: \(type.rawValue) h\(core.height) r\(core.round) \(TestCluster.short(vote.block))")
            let wasSilent = c.nodes[n].silent
            c.nodes[n].silent = false
            c.send(from: n, .vote(vote))
            c.nodes[n].silent = wasSilent
        case "duplicate":
            let copies = c.network.filter { matches($0, opts) }
            c.network += copies
            c.log.append("duplicated \(copies.count)")
        case "forge-proposal", "rogue-proposal":
            // forge: the round's proposer sends a block with a wrong state hash (invalid).
            // rogue: a validator that is not the round's proposer sends a valid-looking block.
            guard let n = args.first.flatMap(node) else { return ["error: \(command) NODE"] }
            let core = c.nodes[n].core
            let block = WarrantWire.Block(height: core.height, timeMs: max(c.now, core.lastBlockTimeMs + 1), proposer: core.me,
                              previous: core.lastBlockHash, lastCommit: core.lastCertificate,
                              stateHash: command == "forge-proposal" ? Blake2b.hash(Array("forged".utf8)) : (core.appliedStateHash ?? .zero),
                              requests: [], evidence: [])
            let proposal = Proposal(height: core.height, round: core.round, validRound: -1, block: block)
            c.log.append("n\(n) sends \(command == "forge-proposal" ? "an invalid" : "an unauthorised") proposal h\(core.height) r\(core.round) \(TestCluster.short(block.hash))")
            let wasSilent = c.nodes[n].silent
            c.nodes[n].silent = false
            c.send(from: n, .proposal(proposal))
            c.nodes[n].silent = wasSilent
        case "silence":
            for n in args.first.map(nodes) ?? [] { c.nodes[n].silent = true }
            c.log.append("silenced \(args.first ?? "")")
        case "down":
            for n in args.first.map(nodes) ?? [] { c.nodes[n].down = true }
            c.log.append("down \(args.first ?? "")")
        case "restart":
            guard let n = args.first.flatMap(node) else { return ["error: restart NODE"] }
            c.log.append("n\(n) restarts from its record")
            c.restart(n)
        case "run-until":
            let height = opts["height"].flatMap(UInt64.init) ?? 1
            let done = c.runUntil(height: height, maxSteps: opts["max"].flatMap(Int.init) ?? 500)
            c.log.append(done ? "all decided h\(height)" : "not all decided h\(height)")
        case "status":
            for (i, node) in c.nodes.enumerated() {
                let core = node.core
                let decided = node.decided.keys.sorted().map { "h\($0)=\(TestCluster.short(node.decided[$0]))" }.joined(separator: ",")
                c.log.append("n\(i): h\(core.height) r\(core.round) \(core.step.rawValue) locked=\(core.lockedRound)\(core.lockedValue.map { " " + TestCluster.short($0.hash) } ?? "") valid=\(core.validRound) decided=[\(decided)]")
            }
        case "queue":
            for message in c.network {
                c.log.append("n\(message.from)->n\(message.to) \(message.payload.type)")
            }
        case "agree":
            var byHeight: [UInt64: Set<Digest>] = [:]
            for node in c.nodes { for (h, d) in node.decided { byHeight[h, default: []].insert(d) } }
            let conflicts = byHeight.filter { $0.value.count > 1 }.keys.sorted()
            c.log.append(conflicts.isEmpty ? "agreement holds (\(byHeight.count) heights)" : "DISAGREEMENT at \(conflicts)")
        default:
            return ["error: unknown command '\(command)'"]
        }
        return c.takeLog()
    }
}
