import Foundation
import Logging
import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantLedger
import WarrantReplica
import WarrantStorage
import WarrantTopology
import WarrantTransport
import WarrantWire

/// One validator as a process sees it: the replica (consensus core, ledger, database)
/// driven by real sockets, timers and clocks. Everything the replica asks for is carried
/// out here in its order — the record is already on disk when a vote is handed to a
/// link — and every envelope from outside goes through the replica's edge first.
public actor NodeShell {
    public let name: String
    let topology: Topology
    let keys: ClusterKeys
    let logger: Logger
    var replica: Replica<LedgerStore>
    /// This node's signing key (the replica signs with it too).
    let key: SigningKey
    /// The node's database, which the replica keeps its state in; the shell keeps only
    /// the last control nonce there itself.
    let database: LedgerStore
    var clock = NodeClock()
    /// One link per peer. Sends never wait: a message joins the link's send buffer, and
    /// when that is full it is dropped (rebroadcasts bring what matters).
    var links: [String: PeerLink] = [:]
    let client: ReplyServer
    let control: ReplyServer
    let commits: Publisher
    /// Commit notices waiting to be published, in height order: one task publishes them
    /// one after another (a task per notice could overtake its predecessor).
    let notices: AsyncStream<[UInt8]>
    let noticeQueue: AsyncStream<[UInt8]>.Continuation
    /// Client requests waiting for their block, by request id, with when each arrived
    /// (monotonic ms).
    var waiting: [Digest: [(request: IncomingRequest, arrivedAt: UInt64)]] = [:]
    /// When the last block was applied, on the monotonic clock.
    var lastAppliedAt: UInt64
    /// When each peer was last heard from, on the monotonic clock.
    var lastHeard: [String: UInt64] = [:]
    /// Consensus paused by the control endpoint: peer messages and timers are ignored;
    /// checks and queries are still answered.
    var paused = false
    /// Set while the database fails the node: it then votes, orders and allows nothing
    /// (NodeShell+Storage).
    var halted: StorageHalt?
    /// Which control nonces are obeyed: the last one accepted is kept in the database, and
    /// none signed before this process started is obeyed (a recorded command cannot be
    /// replayed, not even after a restart that lost the database).
    var controlNonces: ControlNonceGate
    var tasks: [Task<Void, Never>] = []
    /// Byzantine behaviours this node is switched to (none for an honest node), applied
    /// to everything it sends.
    var byzantine: ByzantineRewriter
    /// What the node counts; served on `metricsPort` when one is given.
    let metrics = NodeMetrics()
    let metricsPort: UInt16?
    /// Totals read at scrape time, as last seen (counters grow by the difference).
    var scraped: [String: Double] = [:]

    /// Opens the database and every endpoint. A port in use or an unreadable key is
    /// reported with the address or file at fault.
    public init(topology: Topology, name: String, keys: ClusterKeys, dataDirectory: String, database: String? = nil, logger: Logger,
                sabotage: Set<Sabotage> = [], byzantine behaviours: Set<ByzantineBehaviour> = [], metricsPort: UInt16? = nil) throws {
        guard let spec = topology.node(named: name) else {
            throw NodeError(.badRequest, "\(topology.file): no node is named '\(name)'")
        }
        self.name = name
        self.metricsPort = metricsPort
        self.topology = topology
        self.keys = keys
        self.logger = logger
        let key = try keys.secret(spec.twinOf ?? name)
        guard key.publicKey == keys.nodes[name] else {
            throw NodeError(.badRequest, "\(keys.directory)/\(name).key does not match \(name).pub")
        }
        let databasePath = database ?? "\(dataDirectory)/node.sqlite"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (databasePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let opened: (store: LedgerStore, replica: Replica<LedgerStore>, damage: String?)
        do {
            opened = try Self.openReplica(path: databasePath, topology: topology, keys: keys, key: key, sabotage: sabotage)
        } catch let error as StorageError {
            throw NodeError(.storage, error.description)
        }
        let store = opened.store
        self.key = key
        self.database = store
        replica = opened.replica
        if let damage = opened.damage {
            logger.critical("database damaged: starting from an empty one and restoring from the peers", metadata: [
                "found": "\(damage)", "signing_nothing_through": "\(opened.replica.core.abstainThrough)"])
        }
        byzantine = ByzantineRewriter(behaviours: behaviours, signer: .ed25519(key), seed: UInt64.random(in: 0...UInt64.max))
        do {
            controlNonces = ControlNonceGate(lastAccepted: try store.controlNonce(), startedAtMs: NodeClock().wallMs)
        } catch {
            throw NodeError(.storage, error.description)
        }
        if !behaviours.isEmpty { logger.warning("BYZANTINE", metadata: ["behaviours": "\(behaviours.map(\.rawValue).sorted())"]) }
        if !sabotage.isEmpty { logger.warning("SABOTAGED", metadata: ["bugs": "\(sabotage.map(\.rawValue).sorted())"]) }
        let limit = topology.cluster.maxMessageBytes
        // Twice the protocol limit at the socket, so that a message a little too large is
        // answered `too_large`; nng drops anything larger still (docs/PROTOCOL.md, Limits).
        let connections = topology.cluster.maxClientConnections
        client = try ReplyServer(listening: spec.client, maxMessageBytes: 2 * limit, maxConnections: connections)
        commits = try Publisher(listening: spec.commits, maxMessageBytes: limit, maxConnections: connections)
        (notices, noticeQueue) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(10_000))
        control = try ReplyServer(listening: spec.control, maxMessageBytes: 64 * 1024)
        for peer in topology.nodes where peer.name != name {
            let endpoint: PeerLink.Endpoint = peer.index > spec.index ? .listen(spec.peerListen[peer.name]!)
                : .dial(peer.peerListen[name]!)
            let link = try PeerLink(peer: peer.name, endpoint: endpoint, maxMessageBytes: limit)
            links[peer.name] = link
        }
        lastAppliedAt = 0
    }

    /// Starts consensus and serves every endpoint until the process ends (a node needs no
    /// shutdown: its database is safe at any instant).
    public func run() async throws {
        lastAppliedAt = clock.monotonicMs
        if let metricsPort {
            let spec = topology.node(named: name)
            tasks.append(try await NodeMetrics.serve(metrics, host: spec?.host ?? topology.cluster.host, port: metricsPort) { [weak self] in await self?.scrapeMetrics() })
            logger.info("metrics", metadata: ["url": "http://\(spec?.hostForURL ?? topology.cluster.hostForURL):\(metricsPort)/metrics"])
        }
        let core = replica.core
        logger.info("start", metadata: ["node": "\(name)", "height": "\(core.height)", "round": "\(core.round)",
                                        "step": "\(core.step.rawValue)", "applied": "\(replica.ledger.height)"])
        do {
            try carryOut(replica.start(now: clock.wallMs, monotonicMs: clock.monotonicMs))
        } catch {
            failed(error)
        }
        let probeEvery = QuorumClock.probeInterval(maxStalenessMs: topology.cluster.ledger.maxStalenessMs)
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                await self?.probeClocks()
                try? await Task.sleep(for: .milliseconds(probeEvery))
            }
        })
        for (peer, link) in links {
            tasks.append(Task { [weak self] in
                for await bytes in link.messages { await self?.receive(bytes, from: peer) }
            })
        }
        tasks.append(Task { [weak self, client] in
            for await request in client.requests { await self?.serveClient(request) }
        })
        tasks.append(Task { [notices, commits] in
            for await notice in notices { try? await commits.publish(notice) }
        })
        tasks.append(Task { [weak self, control] in
            for await request in control.requests { await self?.serveControl(request) }
        })
        for task in tasks { await task.value }
    }

    // MARK: consensus traffic

    func receive(_ bytes: [UInt8], from peer: String) {
        lastHeard[peer] = clock.monotonicMs
        metrics.peerMessage(bytes, "in")
        guard !paused, halted == nil else { return }
        byzantine.heard(bytes)
        do {
            let reception = try replica.receive(bytes, now: clock.wallMs, monotonicMs: clock.monotonicMs)
            if let refusal = reception.refusal {
                metrics.count("warrant_invalid_messages_total", [("source", "peer"), ("peer", peer)])
                logger.warning("refused", metadata: ["from": "\(peer)", "why": "\(refusal)"])
            }
            try carryOut(reception.outbound, arrivedFrom: peer)
        } catch {
            failed(error)
        }
    }

    /// Rule 4's probes go out while consensus runs; a paused node neither probes nor
    /// answers, and so goes stale like a node that hears nothing.
    func probeClocks() {
        guard !paused, halted == nil else { return }
        do {
            try carryOut(replica.probeClocks(now: clock.wallMs, monotonicMs: clock.monotonicMs))
        } catch {
            failed(error)
        }
    }

    func fire(_ kind: TimeoutKind, height: UInt64, round: UInt64) {
        guard !paused, halted == nil else { return }
        do {
            try carryOut(replica.timeout(kind, height: height, round: round, now: clock.wallMs))
        } catch {
            failed(error)
        }
    }

    /// Carries out what the replica asked for, in order. An answer to a peer goes back
    /// over the link the question came on (a twin shares its original's key).
    func carryOut(_ outbound: [Outbound], arrivedFrom link: String? = nil) throws {
        for item in outbound {
            switch item {
            case .broadcast(let bytes):
                metrics.peerMessage(bytes, "out")
                guard !byzantine.isHonest else {
                    for link in links.values { _ = try? link.send(bytes) }
                    continue
                }
                let peers = links.keys.sorted()
                for (peer, envelopes) in zip(peers, byzantine.broadcast(bytes, peerCount: peers.count, ledger: replica.ledger)) {
                    for data in envelopes { _ = try? links[peer]?.send(data) }
                }
            case .send(let key, var bytes):
                metrics.peerMessage(bytes, "out")
                if !byzantine.isHonest { bytes = byzantine.answer(bytes, proberClockMs: clock.wallMs) }
                if let link, keys.nodes[link] == key {
                    _ = try? links[link]?.send(bytes)
                } else if let peer = keys.nodeName(of: key) {
                    _ = try? links[peer]?.send(bytes)
                }
            case .schedule(let kind, let height, let round, let after):
                Task { [weak self] in
                    try? await Task.sleep(for: .milliseconds(after))
                    await self?.fire(kind, height: height, round: round)
                }
            case .committed(let notice, let decided):
                committed(notice, decided.block)
            }
        }
    }

    func committed(_ notice: CommitNotice, _ block: Block) {
        lastAppliedAt = clock.monotonicMs
        metrics.commits.increment()
        metrics.height.record(Int64(notice.height))
        for (request, outcome) in zip(block.requests, notice.outcomes) {
            metrics.count("warrant_requests_total", [("kind", Envelope.peekKind(request.bytes)?.name ?? "unknown"),
                                                     ("outcome", outcome.accepted ? "accepted" : outcome.reason?.name ?? "rejected")])
        }
        let accepted = notice.outcomes.count { $0.accepted }
        let round = replica.core.lastCertificate.map { "\($0.round)" } ?? "?"
        logger.info("commit", metadata: ["height": "\(notice.height)", "round": "\(round)", "block": "\(notice.block.short)",
                                         "requests": "\(notice.outcomes.count)", "accepted": "\(accepted)",
                                         "state": "\(notice.stateHash.short)"])
        noticeQueue.yield(Envelope.seal(notice, by: key).encoded)
        for outcome in notice.outcomes {
            guard let waiters = waiting.removeValue(forKey: outcome.request) else { continue }
            let result = RequestResult(outcome: outcome, height: notice.height, blockTimeMs: notice.timeMs)
            for waiter in waiters {
                metrics.commitLatency.recordMilliseconds(Int64(lastAppliedAt - waiter.arrivedAt))
                answer(waiter.request, result)
            }
        }
    }

    /// A failure that is not the database's (a decided block the ledger refuses: a bug)
    /// stops the process; a restart recovers from the database.
    func fail(_ error: Error) -> Never {
        logger.critical("stopping", metadata: ["error": "\(error)"])
        exit(3)
    }

    func answer<B: WireBody>(_ request: IncomingRequest, _ body: B) {
        try? request.reply(Envelope.seal(body, by: key).encoded)
    }
}
