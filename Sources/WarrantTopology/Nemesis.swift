import WarrantCrypto

/// A seeded random fault schedule (`kind = "nemesis"` in a topology): one fault at a
/// time, each undone before the next — a minority partition, a kill and restart, a pause
/// and resume, a clock skew within or beyond the bound, link delay, link loss — until
/// `untilMs`, when everything is healed. The same seed gives the same schedule.
public enum Nemesis {
    public static func schedule(seed: UInt64, fromMs: UInt64, untilMs: UInt64, nodes: [String]) -> [FaultSpec] {
        var random = SplitMix64(seed: seed)
        func between(_ low: UInt64, _ high: UInt64) -> UInt64 { low + random.next() % (high - low + 1) }
        func fault(_ at: UInt64, _ kind: FaultKind, _ targets: [String], ms: Int64? = nil, perMille: UInt64? = nil) -> FaultSpec {
            FaultSpec(atMs: at, kind: kind, nodes: targets, ms: ms, perMille: perMille, agent: nil)
        }
        var out: [FaultSpec] = []
        var time = fromMs
        while time + 1_500 < untilMs {
            let length = min(between(1_500, 4_000), untilMs - time - 500)
            let victim = nodes[Int(random.next() % UInt64(nodes.count))]
            let end = time + length
            switch random.next() % 6 {
            case 0: out += [fault(time, .partition, [victim]), fault(end, .heal, [])]
            case 1: out += [fault(time, .kill, [victim]), fault(end, .restart, [victim])]
            case 2: out += [fault(time, .pause, [victim]), fault(end, .resume, [victim])]
            case 3:
                let ms = Int64(between(200, 1_500)) * (random.next() % 2 == 0 ? 1 : -1)
                out += [fault(time, .skew, [victim], ms: ms), fault(end, .skew, [victim], ms: 0)]
            case 4: out += [fault(time, .delay, [victim], ms: Int64(between(20, 120))), fault(end, .heal, [])]
            default: out += [fault(time, .drop, [victim], perMille: between(100, 400)), fault(end, .heal, [])]
            }
            time = end + between(300, 1_200)
        }
        return out + [fault(untilMs, .heal, [])]
    }
}
