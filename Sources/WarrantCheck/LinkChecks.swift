import WarrantHistory

extension Checks {
    /// Whether every cut held: for each node, the `links` reading taken once a cut was in
    /// place and the next one (before the heal, a further cut or the end of the run) must
    /// show no new message from a peer whose link to it was cut. Decision order, per reading pair and peer: skip it when
    /// either end crashed or restarted between the readings (counters start again at zero);
    /// otherwise a count that grew is a violation naming the peer, the node, how many
    /// messages crossed and the layer that should have stopped them.
    public static func faultsHonoured(_ input: CheckInput) -> [Violation] {
        var violations: [Violation] = []
        var opened: [String: HistoryEvent] = [:]  // node -> its reading after the cut
        var layer = "process"
        var restarts: [(time: UInt64, node: String)] = []
        for event in input.events {
            switch event.kind {
            case .fault:
                if let applied = event.layer { layer = applied }
            case .restart:
                if let node = event.node { restarts.append((event.time, node)) }
            case .links:
                guard let node = event.node else { continue }
                // Every reading closes the node's open one; a `cut` reading opens the next.
                defer { if event.detail == "cut" { opened[node] = event } }
                guard let start = opened.removeValue(forKey: node) else { continue }
                let interrupted = Set(restarts.filter { $0.time >= start.time && $0.time <= event.time }.map(\.node))
                for peer in (start.nodes ?? []).sorted() where !interrupted.contains(peer) && !interrupted.contains(node) {
                    let before = start.counts?[peer] ?? 0, after = event.counts?[peer] ?? 0
                    guard after > before else { continue }
                    let how = layer == "network"
                        ? "the network rule let them through"
                        : "\(peer) did not honour the fault (its own link filter should have dropped them)"
                    violations.append(Violation(.faultsHonoured,
                        "\(after - before) messages from \(peer) reached \(node) while the link \(peer)→\(node) was cut (\(start.time)–\(event.time) ms): \(how)",
                        at: event.time, on: node))
                }
            default:
                continue
            }
        }
        return violations
    }
}
