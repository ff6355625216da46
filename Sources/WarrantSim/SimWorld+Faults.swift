import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantHistory
import WarrantLedger
import WarrantReplica
import WarrantWire

/// The simulated world: the fault schedule.
extension SimWorld {

    mutating func scheduleFaults() {
        for fault in options.script { schedule(at: Self.t0 + fault.atMs, .fault(fault.action)) }
        var network = options.faults.subtracting([.drop, .delay, .duplicate, .longPartition, .livenessCore, .lostDatabase])
        // With equivocating Byzantine validators, partitions take the split-brain form.
        if splitBrainEnabled { network.remove(.partition) }
        guard !options.faults.isEmpty || !options.behaviours.isEmpty || !options.script.isEmpty else { return }
        if options.faults.contains(.longPartition) {
            let honest = options.nodes - options.byzantine
            let victim = Int(random.next() % UInt64(honest))
            let start = Self.t0 + between(500, 3_000), length = between(8_000, 25_000)
            schedule(at: start, .fault(.isolate(node: victim)))
            schedule(at: start + length, .fault(.rejoin(node: victim)))
            faultsEnd = max(faultsEnd, start + length + 10_000)  // other faults go on after it
        }
        var time = Self.t0 + 500
        while time < faultsEnd - 500, !network.isEmpty {
            let kinds = network.sorted()
            let kind = kinds[Int(random.next() % UInt64(kinds.count))]
            let length = between(500, 3_000)
            let honest = Array(0..<(options.nodes - options.byzantine))
            switch kind {
            case .partition:
                let cut = Int(between(1, UInt64(options.nodes - 1)))
                let shuffled = (0..<options.nodes).shuffled(using: &random)
                if cut >= 2, chance(30) {
                    // A bridge: the first of the cut side reaches both sides.
                    schedule(at: time, .fault(.bridge(side: Array(shuffled.prefix(cut)))))
                } else {
                    schedule(at: time, .fault(.partition(Array(shuffled.prefix(cut)))))
                }
                schedule(at: min(time + length, faultsEnd), .fault(.heal))
            case .oneWay:
                let a = Int(random.next() % UInt64(options.nodes)), b = (a + 1 + Int(random.next() % UInt64(options.nodes - 1))) % options.nodes
                schedule(at: time, .fault(.oneWay(from: a, to: b)))
                schedule(at: min(time + length, faultsEnd), .fault(.heal))
            case .crash where !honest.isEmpty:
                let victim = honest[Int(random.next() % UInt64(honest.count))]
                if chance(50) {
                    // Restart while cut off: the victim is partitioned, crashes, comes back
                    // still alone, and only later hears the others again.
                    schedule(at: time, .fault(.partition([victim])))
                    schedule(at: time + 200, .fault(.crash(node: victim)))
                    schedule(at: min(time + 200 + length / 3, faultsEnd), .fault(.restart(node: victim)))
                    schedule(at: min(time + length + 4_000, faultsEnd), .fault(.heal))
                } else {
                    schedule(at: time, .fault(.crash(node: victim)))
                    schedule(at: min(time + length, faultsEnd), .fault(.restart(node: victim)))
                }
            case .clockRate:
                let victim = Int(random.next() % UInt64(options.nodes))
                let ppm = Int64(between(5_000, QuorumClock.maxDriftPpm)) * (chance(50) ? 1 : -1)
                schedule(at: time, .fault(.clockRate(node: victim, ppm: ppm)))
                schedule(at: min(time + length, faultsEnd), .fault(.clockRate(node: victim, ppm: 0)))
            case .skew:
                let victim = Int(random.next() % UInt64(options.nodes))
                // Mostly within the precision bound; one time in four far beyond it.
                let beyond = chance(25)
                let ms = beyond ? Int64(between(1_000, 3_000)) * (chance(50) ? 1 : -1) : Int64(between(0, 900)) - 450
                schedule(at: time, .fault(.skew(node: victim, ms: ms)))
            default:
                break
            }
            time += length + between(200, 1_500)
        }
        schedule(at: faultsEnd, .fault(.healAll))
    }

    mutating func applyFault(_ action: FaultAction) {
        let detail: String
        switch action {
        case .partition(let nodes):
            let side = Set(nodes)
            groups = [side, Set(0..<options.nodes).subtracting(side)]
            detail = "partition \(side.sorted().map { "n\($0)" }.joined(separator: ",")) from the rest"
        case .bridge(let nodes):
            // nodes[0] is the bridge: it reaches the rest of its side and the other side.
            let side = Set(nodes), bridge = nodes[0]
            groups = [side, Set(0..<options.nodes).subtracting(side).union([bridge])]
            detail = "bridge: n\(bridge) alone reaches both \(side.sorted().map { "n\($0)" }.joined(separator: ",")) and the rest"
        case .clockRate(let node, let ppm):
            setClockRate(node, ppm: ppm)
            detail = "clock of n\(node) runs at \(ppm) ppm"
        case .oneWay(let from, let to):
            oneWay.insert([from, to])
            detail = "one-way cut n\(from) -> n\(to)"
        case .heal:
            groups = nil
            oneWay = []
            detail = "heal"
        case .crash(let node):
            crash(node)
            return
        case .restart(let node, let empty):
            restart(node, emptyDataDirectory: empty)
            return
        case .isolate(let node):
            isolatedUntil[node] = UInt64.max
            detail = "isolate n\(node) from every other node"
        case .rejoin(let node):
            isolatedUntil[node] = nil
            detail = "n\(node) rejoins"
        case .skew(let victim, let requested):
            // Rule 4's clock half holds while every honest peer whose readings a node
            // still keeps (the last maxStaleness) had a correct clock — within half the
            // skew bound of true time: the node's own clock may be wrong, and f Byzantine
            // peers may lie. So one honest clock at a time is incorrect, and only once
            // any earlier one's readings aged out.
            let correct = correctClockMs
            var ms = requested
            if abs(ms) > correct, isHonest(victim), anotherClockIsFaulty(than: victim) {
                ms = ms > 0 ? correct - 50 : -(correct - 50)
            }
            if isHonest(victim) {
                if abs(ms) > correct {
                    clockFaultyUntil[victim] = UInt64.max
                } else if clockFaultyUntil[victim] == UInt64.max {
                    clockFaultyUntil[victim] = now + genesis.parameters.maxStalenessMs
                }
            }
            nodes[victim].skewMs = ms
            detail = "skew n\(victim) by \(ms) ms"
        case .healAll:  // every fault ends, crashed nodes come back, clocks are fixed
            groups = nil
            oneWay = []
            isolatedUntil = [:]
            let round = nodes.indices.filter(isHonest).map { nodes[$0].replica.core.round }.max() ?? 0
            let p = nodes[0].replica.core.parameters
            let roundMs = p.timeoutProposeMs + p.timeoutPrevoteMs + p.timeoutPrecommitMs + 3 * p.timeoutDeltaMs * (round + 2)
            livenessBound = max(20_000, 3 * roundMs)
            for index in nodes.indices {
                setClockRate(index, ppm: 0)
                if abs(nodes[index].skewMs) > correctClockMs {
                    clockFaultyUntil[index] = now + genesis.parameters.maxStalenessMs
                }
                nodes[index].skewMs = 0
            }
            detail = "heal" + chooseLivenessCore()
            for index in nodes.indices where nodes[index].crashed && !leftOut.contains(index) { restart(index) }
        }
        history.append(HistoryEvent(time: now - Self.t0, kind: .fault, detail: detail))
        note(detail)
    }

    /// Sets how fast a node's clock runs (parts per million; 0: true rate). The drift so far
    /// is folded into its offset, so the clock never jumps.
    /// A drifting clock counts as incorrect from the start (it will leave the bound), and
    /// stays so after the drift stops while it is off by more than a correct clock may be.
    /// Like a skew, a drift starts on an honest node only while no other honest clock is
    /// incorrect.
    mutating func setClockRate(_ index: Int, ppm: Int64) {
        if ppm != 0, isHonest(index), anotherClockIsFaulty(than: index) { return }
        let current = Int64(localNow(index)) - Int64(now)
        nodes[index].skewMs = current
        nodes[index].ratePpm = ppm
        nodes[index].rateSince = now
        guard isHonest(index) else { return }
        if ppm != 0 || abs(current) > correctClockMs {
            clockFaultyUntil[index] = UInt64.max
        } else if clockFaultyUntil[index] == UInt64.max {
            clockFaultyUntil[index] = now + genesis.parameters.maxStalenessMs
        }
    }

    /// How far from true time a correct clock may be: half the skew bound, so that a clock
    /// a correct peer vouches for is within the whole bound (docs/CONSENSUS.md, Rule 4).
    var correctClockMs: Int64 { Int64(genesis.parameters.maxClockSkewMs / 2) }

    func anotherClockIsFaulty(than index: Int) -> Bool {
        clockFaultyUntil.contains { $0.key != index && $0.value > now }
    }

    /// The liveness mode, in half the seeds with `liveness-core`: a quorum of honest nodes
    /// (the core) heals; every other honest node stays crashed or cut off for good, and
    /// only the core is held to the liveness bound.
    mutating func chooseLivenessCore() -> String {
        guard options.faults.contains(.livenessCore), chance(50) else { return "" }
        let honest = nodes.indices.filter { isHonest($0) && nodes[$0].validator == $0 }
        let core = Set(honest.shuffled(using: &random).prefix(validators.quorum))
        leftOut = Set(honest).subtracting(core)
        for index in leftOut {
            if !nodes[index].crashed && chance(50) { crash(index) } else { isolatedUntil[index] = UInt64.max }
        }
        return "; liveness core \(core.sorted().map { "n\($0)" }.joined(separator: ",")) (\(leftOut.sorted().map { "n\($0)" }.joined(separator: ",")) left out for good)"
    }

    /// A node stops at once: what its store holds survives, except — half the time, when
    /// the crash fell between storing a decided block and writing the record after it —
    /// that record.
    mutating func crash(_ victim: Int) {
        guard !nodes[victim].crashed else { return }
        nodes[victim].crashed = true
        nodes[victim].incarnation += 1
        nodes[victim].replica.crash(losingRecord: chance(50))
        history.append(HistoryEvent(time: now - Self.t0, kind: .restart, node: nodes[victim].name, detail: "crash"))
        note("\(nodes[victim].name) crashes")
    }

    /// A crashed node comes back: its replica reopened from its store (or, with
    /// `emptyDataDirectory`, from nothing, as a node whose disk was replaced).
    mutating func restart(_ index: Int, emptyDataDirectory: Bool = false) {
        guard nodes[index].crashed else { return }
        var store = nodes[index].replica.store
        // Drawn from the node's own stream, not the schedule's: the schedule stays the seed's.
        var lostDatabase = false
        // One node without its database at a time (the fault model's one faulty node: two
        // that lost what they signed at one undecided height can never decide it).
        let othersAbstaining = nodes.indices.contains { $0 != index && !nodes[$0].crashed && nodes[$0].replica.core.abstainThrough >= nodes[$0].replica.core.height }
        if !emptyDataDirectory, !othersAbstaining, options.faults.contains(.lostDatabase) {
            var draw = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37 &+ UInt64(nodes[index].incarnation))
            lostDatabase = draw.next() % 100 < 40
        }
        if emptyDataDirectory { store.wipe() } else if lostDatabase { store.loseDatabase() }
        nodes[index].replica = openReplica(validator: nodes[index].validator, store: store)
        nodes[index].crashed = false
        nodes[index].incarnation += 1
        history.append(HistoryEvent(time: now - Self.t0, kind: .restart, node: nodes[index].name, detail: "restart"))
        let core = nodes[index].replica.core
        if core.round > 0 || core.step != .propose { coverage.reached(.restartMidHeight) }
        if lostDatabase, core.abstainThrough >= core.height { coverage.reached(.restoredAbstaining) }
        note("\(nodes[index].name) restarts\(emptyDataDirectory ? " from an empty data directory" : lostDatabase ? " without its database (signing nothing through h\(core.abstainThrough))" : "") at h\(core.height) r\(core.round)")
        start(index)
    }
}
