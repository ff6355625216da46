import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// The simulated world: the adversary's split-brain schedule.
extension SimWorld {

    /// For some heights during the fault window, the Byzantine validators (equivocating,
    /// with partitions enabled) steer round 0 so that one honest node (A) decides a block
    /// while f honest nodes (B) only lock on it and f others (C, including round 1's
    /// proposer) never see its polka. Honest locks keep B from helping C commit another
    /// block in round 1; without them (`--sabotage skip-lock`) the cluster forks.
    var splitBrainEnabled: Bool {
        options.byzantine > 0 && options.behaviours.contains(.equivocate) && options.faults.contains(.partition)
    }

    func splitBrain(height: UInt64) -> (a: Int, b: Set<Int>, c: Set<Int>)? {
        guard splitBrainEnabled, now < faultsEnd, height % 2 == 0, groups == nil, oneWay.isEmpty else { return nil }
        let f = (options.nodes - 1) / 3
        let honestCount = options.nodes - options.byzantine
        guard honestCount >= 2 * f + 1, f >= 1 else { return nil }
        let nextProposer = validatorKeys.firstIndex(of: validators.proposer(height: height, round: 1))!
        guard nextProposer < honestCount else { return nil }
        var others = (0..<honestCount).filter { $0 != nextProposer }
        // Rotate by height so different nodes play A.
        let shift = Int(height / 2) % others.count
        others = Array(others[shift...] + others[..<shift])
        let a = others[0]
        let b = Set(others.dropFirst().prefix(f))
        let c = Set([nextProposer] + others.dropFirst(1 + f).prefix(f - 1))
        return (a, b, c)
    }
}
