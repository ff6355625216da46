import WarrantErrors
import WarrantFaults

/// What can go wrong in a simulated run besides Byzantine validators (whose behaviours,
/// `ByzantineBehaviour`, are the nodes' own): faults of links, processes and clocks.
public enum SimFault: String, CaseIterable, Hashable, Sendable, Comparable {
    case drop, duplicate, delay, partition, oneWay = "one-way", crash, skew
    /// One honest node cut off from everyone for 8–25 s (dozens of heights), then back:
    /// it must catch up.
    case longPartition = "long-partition"
    /// A node's clock running fast or slow (0.5–5 %), not merely offset.
    case clockRate = "clock-rate"
    /// After the faults, half the seeds heal only a quorum "core" of honest nodes and make
    /// every other fault permanent (the rest stay crashed or cut off); the core alone must
    /// then commit within the liveness bound (as TigerBeetle's VOPR does).
    case livenessCore = "liveness-core"
    /// A crashed honest node sometimes comes back without its database (its signing guard
    /// kept, as when a damaged file is moved aside): it restores from its peers and must
    /// sign nothing it may have signed before. Not part of `all` (it would change what the
    /// recorded seeds' restarts do); name it, with no Byzantine validators: an abstaining
    /// node is one more that does not vote.
    case lostDatabase = "lost-database"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// One fault as it happens, at a scheduled time: what the seeded schedule draws and what
/// a scripted scenario names. Nodes are indices (n0 is 0).
public enum FaultAction: Hashable, Sendable {
    /// Cut the given nodes off from the rest (both ways).
    case partition([Int])
    /// Like `partition`, but the first node of `side` still reaches both sides.
    case bridge(side: [Int])
    /// Messages from `from` to `to` are lost; the other way works.
    case oneWay(from: Int, to: Int)
    /// End partitions and one-way cuts (clocks stay as they are).
    case heal
    /// Shift a node's clock (negative: behind) until `heal` or the end of the faults.
    case skew(node: Int, ms: Int64)
    /// A node's clock runs `ppm` parts per million fast (negative: slow); 0 mends it.
    case clockRate(node: Int, ppm: Int64)
    case crash(node: Int)
    /// Bring a crashed node back from its persisted record and ledger, or with
    /// `emptyDataDirectory` from nothing, as a node whose disk was replaced.
    case restart(node: Int, emptyDataDirectory: Bool = false)
    /// Cut a node off from every other node until `rejoin` (the long partition).
    case isolate(node: Int)
    case rejoin(node: Int)
    /// The end of the fault window: everything heals, crashed nodes come back, clocks are
    /// fixed (or, in the liveness mode, only a quorum core heals).
    case healAll
}

/// The faults of a run, as `simulate --faults` names them: link, process and clock faults
/// and the behaviours of the Byzantine validators.
public struct FaultSelection: Hashable, Sendable {
    public var faults: Set<SimFault>
    public var behaviours: Set<ByzantineBehaviour>

    public init(faults: Set<SimFault> = [], behaviours: Set<ByzantineBehaviour> = []) {
        self.faults = faults
        self.behaviours = behaviours
    }

    public static let all = FaultSelection(faults: Set(SimFault.allCases).subtracting([.lostDatabase]), behaviours: Set(ByzantineBehaviour.allCases))

    /// Parses `all`, `none` or a comma-separated list; the error names the unknown one.
    public static func parse(_ text: String) throws(MisbehaviourError) -> FaultSelection {
        if text == "all" { return .all }
        var selection = FaultSelection()
        if text.isEmpty || text == "none" { return selection }
        for part in text.split(separator: ",") {
            let name = String(part)
            if name == "all" {
                selection.faults.formUnion(FaultSelection.all.faults)
                selection.behaviours.formUnion(FaultSelection.all.behaviours)
                continue
            }
            if let fault = SimFault(rawValue: name) {
                selection.faults.insert(fault)
            } else if let behaviour = ByzantineBehaviour(rawValue: name) {
                selection.behaviours.insert(behaviour)
            } else {
                throw MisbehaviourError(name: name, choices: ["all", "none"] + SimFault.allCases.map(\.rawValue)
                                                              + ByzantineBehaviour.allCases.map(\.rawValue))
            }
        }
        return selection
    }

    /// The names, as `parse` reads them.
    public var names: String {
        let names = faults.sorted().map(\.rawValue) + behaviours.sorted().map(\.rawValue)
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}

/// A fault at a fixed time, for scenarios that need one exact schedule (on top of, or
/// instead of, the seeded random faults). Times are ms after the run starts.
public struct ScriptedFault: Hashable, Sendable {
    public var atMs: UInt64
    public var action: FaultAction

    public init(atMs: UInt64, _ action: FaultAction) {
        self.atMs = atMs
        self.action = action
    }
}

public struct SimulationOptions: Hashable, Sendable {
    /// What `--faults` and `--sabotage` accept, for help texts.
    public static let faultNames = (SimFault.allCases.map(\.rawValue) + ByzantineBehaviour.allCases.map(\.rawValue)).joined(separator: ", ")
    public static let sabotageNames = Sabotage.simulated.map(\.rawValue).joined(separator: ", ")

    /// Options as `simulate` names them; the error says which is wrong and why.
    public static func parse(nodes: Int, byzantine: Int, faults: String, heights: UInt64, sabotage: String?) throws(SimulationOptionsError) -> SimulationOptions {
        guard nodes >= 4 else { throw SimulationOptionsError(.badOption, "--nodes must be at least 4 (n = 3f + 1 with f ≥ 1)") }
        guard byzantine >= 0, byzantine <= (nodes - 1) / 3 else {
            throw SimulationOptionsError(.badOption, "--byzantine \(byzantine) exceeds f = \((nodes - 1) / 3) for \(nodes) nodes")
        }
        guard heights > 0 else { throw SimulationOptionsError(.badOption, "--heights must be positive") }
        if let sabotage, let bug = Sabotage(rawValue: sabotage), !Sabotage.simulated.contains(bug) {
            throw SimulationOptionsError(.badOption, "--sabotage \(sabotage) plants a bug in a node's own link filter, which the simulator does not have (its network applies faults): use it in a real run")
        }
        do {
            let selection = try FaultSelection.parse(faults)
            return SimulationOptions(nodes: nodes, byzantine: byzantine, faults: selection.faults, behaviours: selection.behaviours,
                                     heights: heights, sabotage: try Sabotage.parse(sabotage.map { [$0] } ?? []).first)
        } catch {
            throw SimulationOptionsError(.badOption, "\(error)")
        }
    }

    public var nodes: Int
    public var byzantine: Int
    public var faults: Set<SimFault>
    /// What the Byzantine validators (the last `byzantine` of them) do.
    public var behaviours: Set<ByzantineBehaviour>
    /// Heights every honest node should reach; the run stops there (or at its time limit).
    public var heights: UInt64
    /// A bug planted in every honest node (`Sabotage.breaks` names the rule it breaks).
    public var sabotage: Sabotage?

    /// Faults and behaviours together, as `--faults` names them.
    public var selection: FaultSelection {
        get { FaultSelection(faults: faults, behaviours: behaviours) }
        set { (faults, behaviours) = (newValue.faults, newValue.behaviours) }
    }
    /// Faults at fixed times; every fault ends (clocks fixed, crashed nodes restarted) at
    /// the latest of these and the end of the random faults.
    public var script: [ScriptedFault]

    public init(nodes: Int = 4, byzantine: Int = 0, faults: Set<SimFault> = [], behaviours: Set<ByzantineBehaviour> = [],
                heights: UInt64 = 20, sabotage: Sabotage? = nil, script: [ScriptedFault] = []) {
        self.behaviours = behaviours
        self.script = script
        self.nodes = nodes
        self.byzantine = byzantine
        self.faults = faults
        self.heights = heights
        self.sabotage = sabotage
    }
}

public enum SimulationOptionsErrorCode: String, ErrorCode {
    /// Options that make no sense (too few nodes, too many Byzantine, an unknown fault).
    case badOption = "bad_option"
}

public typealias SimulationOptionsError = WarrantError<SimulationOptionsErrorCode>
