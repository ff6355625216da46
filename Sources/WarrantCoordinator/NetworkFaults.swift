/// The link faults in force since the last heal — which directed links are cut and how
/// much each node loses — and, under `--netns`, the nftables rules that make them real in
/// each node's namespace. Pure: applying the rules is `ClusterControl`'s job.
public struct NetworkFaults: Codable, Sendable, Hashable {
    /// Messages from `from` to `to` are cut.
    public struct Cut: Codable, Sendable, Hashable, Comparable {
        public var from: String
        public var to: String

        public static func < (a: Cut, b: Cut) -> Bool { (a.from, a.to) < (b.from, b.to) }
    }

    public private(set) var cuts: Set<Cut> = []
    /// Per node: packets lost per thousand on its links to other nodes.
    public private(set) var lossPerMille: [String: UInt64] = [:]
    /// Packets the rules dropped before they were last rewritten (their counters start
    /// again with every rewrite), since the last heal.
    public var droppedBefore: UInt64 = 0

    public init() {}

    /// The table every node namespace starts with: two empty chains on the input and
    /// output hooks, accepting everything.
    public static let emptyTable = """
        table inet warrant {
          chain input { type filter hook input priority filter; policy accept; }
          chain output { type filter hook output priority filter; policy accept; }
        }
        """

    /// Cuts every link between different groups, both ways; nodes of `all` in no group form one more.
    public mutating func partition(_ groups: [[String]], all: [String]) {
        let named = Set(groups.flatMap { $0 })
        let rest = all.filter { !named.contains($0) }
        let sides = rest.isEmpty ? groups : groups + [rest]
        for (i, a) in sides.enumerated() {
            for (j, b) in sides.enumerated() where i != j {
                for x in a { for y in b { cuts.insert(Cut(from: x, to: y)) } }
            }
        }
    }

    public mutating func cut(from: [String], to: [String], oneWay: Bool) {
        for a in from {
            for b in to where a != b {
                cuts.insert(Cut(from: a, to: b))
                if !oneWay { cuts.insert(Cut(from: b, to: a)) }
            }
        }
    }

    public mutating func lose(_ node: String, perMille: UInt64) {
        lossPerMille[node] = perMille == 0 ? nil : min(perMille, 1_000)
    }

    public mutating func heal() {
        self = NetworkFaults()
    }

    public var isEmpty: Bool { cuts.isEmpty && lossPerMille.isEmpty }

    /// The peers whose messages to `node` are cut.
    public func cutPeers(toward node: String) -> [String] {
        cuts.filter { $0.to == node }.map(\.from).sorted()
    }

    /// The nftables script that replaces `node`'s rules with the ones these faults need.
    /// A link cut both ways drops every packet between the two; a link cut one way drops
    /// only the packets that carry data (IPv4 length above 80 bytes: 20 of IP header and at
    /// most 60 of TCP header), so the acknowledgements of the other direction, which shares
    /// the TCP connection, still pass and that direction keeps flowing — as in the
    /// in-process filter. Loss applies to packets on every link to another node.
    public func script(for node: String, layout: NetnsLayout) -> String {
        var lines = ["flush table inet warrant"]
        func address(_ name: String) -> String? { layout.node(name)?.address }
        for cut in cuts.sorted() {
            let dataOnly = !cuts.contains(Cut(from: cut.to, to: cut.from)) ? " ip protocol tcp ip length > 80" : ""
            if cut.from == node, let peer = address(cut.to) {
                lines.append("add rule inet warrant output ip daddr \(peer)\(dataOnly) counter drop")
            }
            if cut.to == node, let peer = address(cut.from) {
                lines.append("add rule inet warrant input ip saddr \(peer)\(dataOnly) counter drop")
            }
        }
        if let loss = lossPerMille[node] {
            let peers = layout.nodes.filter { $0.name != node }.map(\.address).joined(separator: ", ")
            if !peers.isEmpty {
                lines.append("add rule inet warrant input ip saddr { \(peers) } numgen random mod 1000 < \(loss) counter drop")
                lines.append("add rule inet warrant output ip daddr { \(peers) } numgen random mod 1000 < \(loss) counter drop")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
