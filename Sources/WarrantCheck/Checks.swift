import WarrantCrypto
import WarrantHistory
import WarrantLedger
import WarrantWire

/// What the checkers judge: a history, which nodes were honest, the genesis, and how
/// signatures are verified.
public struct CheckInput: Sendable {
    public var events: [HistoryEvent]
    public var honest: Set<String>
    public var genesis: Genesis
    public var signatures: SignatureScheme
    /// After the last fault ends, every honest node must commit a new height within this.
    public var livenessBoundMs: UInt64
    /// The nodes held to liveness, when not every honest one (the simulator's liveness
    /// mode leaves some crashed or cut off for good).
    public var livenessNodes: Set<String>?

    public init(events: [HistoryEvent], honest: Set<String>, genesis: Genesis, signatures: SignatureScheme,
                livenessBoundMs: UInt64 = 30_000) {
        self.events = events
        self.honest = honest
        self.genesis = genesis
        self.signatures = signatures
        self.livenessBoundMs = livenessBoundMs
    }
}

/// The checkers of docs/DESIGN.md's rules, one function each; `all` runs every one.
public enum Checks {
    public static func all(_ input: CheckInput) -> [Violation] {
        agreement(input) + committedRequests(input) + nothingLost(input) + liveness(input) + evidence(input) + probes(input) + badInput(input)
            + faultsHonoured(input)
    }

    /// Rule 1: no two honest nodes commit different blocks, or reach different state
    /// hashes, at the same height.
    public static func agreement(_ input: CheckInput) -> [Violation] {
        var seen: [UInt64: (node: String, block: String, state: String)] = [:]
        var violations: [Violation] = []
        for event in input.events where event.kind == .commit {
            guard let node = event.node, input.honest.contains(node), let height = event.height,
                  let block = event.block, let state = event.state else { continue }
            if let first = seen[height] {
                if first.block != block {
                    violations.append(Violation(.agreement, "height \(height): \(first.node) committed block \(first.block.prefix(8)), \(node) committed \(block.prefix(8))",
                                                at: event.time, on: node))
                } else if first.state != state {
                    violations.append(Violation(.agreement, "height \(height): \(first.node) reached state \(first.state.prefix(8)), \(node) reached \(state.prefix(8))",
                                                at: event.time, on: node))
                }
            } else {
                seen[height] = (node, block, state)
            }
        }
        return violations
    }

    /// Rules 2 (validity), 3 (no act after expiry), 5 (revocation holds) and the budget,
    /// re-derived from the committed blocks themselves: every request an honest node
    /// accepted must have been allowed at its block's time by what was committed before it.
    public static func committedRequests(_ input: CheckInput) -> [Violation] {
        var blocks: [String: Block] = [:]
        for event in input.events where event.kind == .block {
            guard let hash = event.block, let hex = event.bytes, let bytes = try? Hex.decode(hex),
                  let block = try? Block(cbor: bytes) else { continue }
            blocks[hash] = block
        }
        // The chain as the first honest node to commit each height saw it.
        var chain: [UInt64: (block: String, accepted: Set<String>, outcomes: [String]?, time: UInt64)] = [:]
        for event in input.events where event.kind == .commit {
            guard let node = event.node, input.honest.contains(node), let height = event.height, let block = event.block,
                  chain[height] == nil else { continue }
            chain[height] = (block, Set(event.accepted ?? []), event.outcomes, event.time)
        }
        var judge = RuleJudge(genesis: input.genesis, signatures: input.signatures)
        for height in chain.keys.sorted() {
            let (hash, accepted, outcomes, time) = chain[height]!
            let before = judge.violations.count
            if let block = blocks[hash] {
                judge.apply(block, accepted: accepted, outcomes: outcomes)
            } else {
                judge.violations.append(Violation(.validity, "height \(height): block \(hash.prefix(8)) was never recorded"))
            }
            // Placed at the height's first commit, on no node: the chain itself broke the rule.
            judge.violations[before...] = judge.violations[before...].map { Violation($0.rule, $0.detail, at: time) }[...]
        }
        return judge.violations
    }

    /// Rule 6: a request acknowledged as committed at height h is, at the end, in the
    /// block every honest node that reached h committed there, and accepted alike.
    public static func nothingLost(_ input: CheckInput) -> [Violation] {
        var commits: [String: [UInt64: Set<String>]] = [:]
        for event in input.events where event.kind == .commit {
            guard let node = event.node, input.honest.contains(node), let height = event.height else { continue }
            commits[node, default: [:]][height] = Set(event.accepted ?? [])
        }
        var violations: [Violation] = []
        for event in input.events where event.kind == .ack && event.outcome == "ok" {
            guard let request = event.request, let height = event.height else { continue }
            for (node, heights) in commits.sorted(by: { $0.key < $1.key }) {
                guard let accepted = heights[height] else { continue }
                if !accepted.contains(request) {
                    violations.append(Violation(.nothingLost, "request \(request.prefix(8)) acknowledged at height \(height) is not accepted in \(node)'s block \(height)",
                                                at: event.time, on: node))
                }
            }
        }
        return violations
    }

    /// Liveness: after the last fault ended, every honest node commits a new height
    /// within `livenessBoundMs` (when the history runs that long).
    public static func liveness(_ input: CheckInput) -> [Violation] {
        guard let end = input.events.map(\.time).max() else { return [] }
        let healed = input.events.filter { $0.kind == .fault || $0.kind == .restart }.map(\.time).max() ?? 0
        guard end >= healed + input.livenessBoundMs else { return [] }
        var violations: [Violation] = []
        for node in (input.livenessNodes ?? input.honest).sorted() {
            let progressed = input.events.contains {
                $0.kind == .commit && $0.node == node && $0.detail != "database" && $0.time > healed && $0.time <= healed + input.livenessBoundMs
            }
            if !progressed {
                violations.append(Violation(.liveness, "\(node) committed nothing within \(input.livenessBoundMs) ms after the last fault ended at \(healed)",
                                            at: healed + input.livenessBoundMs, on: node))
            }
        }
        return violations
    }

    /// Evidence: an equivocation an honest node held (an `evidence` event) is committed in
    /// a block some honest node decided, when the history runs `livenessBoundMs` past it.
    public static func evidence(_ input: CheckInput) -> [Violation] {
        guard let end = input.events.map(\.time).max() else { return [] }
        let decided = Set(input.events.filter { $0.kind == .commit && input.honest.contains($0.node ?? "") }.compactMap(\.block))
        var committed = Set<Offense.Key>()
        for event in input.events where event.kind == .block && decided.contains(event.block ?? "") {
            guard let hex = event.bytes, let bytes = try? Hex.decode(hex), let block = try? Block(cbor: bytes) else { continue }
            for item in block.evidence { if let key = try? item.offense().key { committed.insert(key) } }
        }
        var violations: [Violation] = []
        var reported = Set<Offense.Key>()
        for event in input.events where event.kind == .evidence && event.time + input.livenessBoundMs <= end {
            guard input.honest.contains(event.node ?? ""), let hex = event.bytes, let bytes = try? Hex.decode(hex),
                  let key = try? Evidence(cbor: bytes).offense().key, !committed.contains(key), reported.insert(key).inserted else { continue }
            violations.append(Violation(.evidence, "\(event.node!) held evidence at \(event.time) ms that \(key.validator.short) signed two \(key.kind.name)s at height \(key.height) round \(key.round); no decided block commits it",
                                        at: event.time, on: event.node))
        }
        return violations
    }

    /// Rule 7: every request that does not decode or whose signature does not verify was
    /// refused — never acknowledged `ok` (that none is accepted in a block is validity's).
    public static func badInput(_ input: CheckInput) -> [Violation] {
        var bad = Set<String>()
        for event in input.events where event.kind == .request {
            guard let id = event.request, let hex = event.bytes, let bytes = try? Hex.decode(hex) else { continue }
            guard let envelope = try? Envelope(decoding: bytes), input.signatures.verifies(envelope) else {
                bad.insert(id)
                continue
            }
        }
        return input.events.filter { $0.kind == .ack && $0.outcome == "ok" && bad.contains($0.request ?? "") }.map {
            Violation(.badInput, "\($0.node ?? "a node") acknowledged request \(($0.request ?? "").prefix(8)) as accepted, but it is malformed or badly signed",
                      at: $0.time, on: $0.node)
        }
    }
}
