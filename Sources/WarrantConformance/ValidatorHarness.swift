import Foundation
import WarrantConsensus
import WarrantCoordinator
import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantTopology
import WarrantTransport
import WarrantWire

/// The world a validator under test lives in (`conform validator`): a generated four-node
/// topology whose first node is the implementation, started as a child process with the
/// documented arguments, and three validators the harness plays itself — Warrant's own
/// replica, honest unless a case's script rewrites, drops or forges what they send — over
/// real nng peer links. Everything the implementation sends is kept, verified, so cases
/// can judge its votes, proposals and evidence; its commit stream and client endpoint
/// are watched too.
public actor ValidatorHarness {
    /// How the implementation is started: a shell command to which the harness appends
    /// `--topology FILE --id n0 --data DIR --keys DIR`.
    public let command: String
    public let directory: String
    public let topology: Topology
    public let keys: ClusterKeys
    let peerKeys: [SigningKey]
    /// The implementation's validator key, and the client for its client endpoint.
    public let iutKey: PublicKey
    public let client: NodeClient
    var replicas: [Replica<MemoryStore>] = []
    var incarnations: [Int] = []
    var links: [PeerLink?] = []
    /// Per link, what waits to be sent to the implementation, in order.
    var outboxes: [AsyncStream<[UInt8]>.Continuation?] = []
    var process: Process?
    var started = ContinuousClock.now

    // What cases script. `toIUT` may rewrite or drop what peer `from` sends the
    // implementation; `fromIUT` says whether peer `to` hears what it sends; `amongPeers`
    // may rewrite or drop what one played peer sends another.
    var toIUT: @Sendable (_ from: Int, _ bytes: [UInt8]) -> [[UInt8]] = { _, bytes in [bytes] }
    var fromIUT: @Sendable (_ to: Int, _ bytes: [UInt8]) -> Bool = { _, _ in true }
    var amongPeers: @Sendable (_ from: Int, _ to: Int, _ bytes: [UInt8]) -> [[UInt8]] = { _, _, bytes in [bytes] }

    // What was seen.
    /// Every validly signed envelope the implementation sent, with the peer that got it.
    public private(set) var sent: [(peer: Int, at: UInt64, message: SignedMessage)] = []
    /// Envelopes from the implementation that did not verify.
    public private(set) var badlySigned = 0
    /// The block the played validators decided at each height.
    public private(set) var decided: [UInt64: Digest] = [:]
    /// The implementation's commit notices: height → block, and when it came.
    public private(set) var iutCommits: [UInt64: Digest] = [:]
    public private(set) var iutCommitTimes: [UInt64: UInt64] = [:]
    /// Every block proposed to the implementation or by it, per height: what a vote of
    /// its may name.
    public private(set) var knownBlocks: [UInt64: Set<Digest>] = [:]
    var tasks: [Task<Void, Never>] = []
    /// The height reached when the implementation had started and committed.
    public private(set) var startHeight: UInt64 = 0

    public init(command: String, directory: String, basePort: Int) throws {
        self.command = command
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = "\(directory)/topology.toml"
        try Self.topologyText(basePort: basePort).write(toFile: file, atomically: true, encoding: .utf8)
        topology = try Topology.load(file)
        _ = try ClusterKeys.generate(for: topology, into: "\(directory)/keys")
        let keys = try ClusterKeys(directory: "\(directory)/keys", topology: topology)
        self.keys = keys
        peerKeys = try ["n1", "n2", "n3"].map { try keys.secret($0) }
        iutKey = keys.nodes["n0"]!
        client = NodeClient(name: "n0", address: topology.node(named: "n0")!.client, nodeKey: keys.nodes["n0"]!)
    }

    /// Four validators, short timeouts (a height in well under a second), a principal.
    static func topologyText(basePort: Int) -> String {
        """
        [cluster]
        name = "conformance"
        base_port = \(basePort)
        timeout_propose_ms = 600
        timeout_prevote_ms = 300
        timeout_precommit_ms = 300
        heartbeat_interval_ms = 300
        rebroadcast_interval_ms = 300
        max_staleness_ms = 3000

        [[nodes]]
        name = "n0"
        [[nodes]]
        name = "n1"
        [[nodes]]
        name = "n2"
        [[nodes]]
        name = "n3"

        [[principals]]
        name = "alice"
        owns = ["files/*"]

        """
    }

    var wallMs: UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }
    var monotonicMs: UInt64 {
        let elapsed = ContinuousClock.now - started
        return UInt64(elapsed.components.seconds) * 1_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000) + 1
    }

    // MARK: life cycle

    /// Starts the implementation and the three played validators, and waits until the
    /// implementation has committed a block.
    public func start() async throws {
        let validators = ValidatorSet(topology.validators.map { keys.nodes[$0.name]! })
        let genesis = keys.genesis(topology)
        for key in peerKeys {
            replicas.append(try Replica(signer: .ed25519(key), validators: validators, genesis: genesis,
                                        genesisTimeMs: topology.cluster.genesisTimeMs, parameters: topology.cluster.consensus,
                                        store: MemoryStore(), nonceSeed: UInt64.random(in: 0...UInt64.max)))
            incarnations.append(0)
        }
        try launchIUT()
        links = Array(repeating: nil, count: 3)
        outboxes = Array(repeating: nil, count: 3)
        for index in 0..<3 { try connect(index) }
        for index in 0..<3 {
            let (now, monotonic) = (wallMs, monotonicMs)
            step(index) { replica throws(ReplicaError) in try replica.start(now: now, monotonicMs: monotonic) }
        }
        watchCommits()
        try await waitUntil("the implementation commits its first block", timeoutMs: 30_000) { await self.iutHeight() >= 1 }
        startHeight = max(clusterHeight(), await iutHeight())
    }

    /// Starts (or restarts) the implementation's process on its data directory.
    func launchIUT() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec \(command) --topology \(topology.file) --id n0 --data \(directory)/data --keys \(directory)/keys"]
        let log = FileHandle(forWritingAtPath: "\(directory)/node.log") ?? {
            _ = FileManager.default.createFile(atPath: "\(directory)/node.log", contents: nil)
            return FileHandle(forWritingAtPath: "\(directory)/node.log")!
        }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    /// SIGKILL, as a crash.
    public func killIUT() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func restartIUT() async throws {
        killIUT()
        try launchIUT()
    }

    public func stop() {
        killIUT()
        for task in tasks { task.cancel() }
        for outbox in outboxes { outbox?.finish() }
        for link in links { link?.close() }
    }

    /// Peer `index` (n1…n3) dials the implementation's link listener for it.
    func connect(_ index: Int) throws {
        let name = "n\(index + 1)"
        let address = topology.node(named: "n0")!.peerListen[name]!
        let link = try PeerLink(peer: "n0", endpoint: .dial(address), maxMessageBytes: topology.cluster.maxMessageBytes)
        links[index] = link
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(4_096))
        outboxes[index] = continuation
        tasks.append(Task {
            for await bytes in stream { _ = try? link.send(bytes) }
        })
        tasks.append(Task { [weak self] in
            for await bytes in link.messages { await self?.fromImplementation(to: index, bytes) }
        })
    }

    func watchCommits() {
        let address = topology.node(named: "n0")!.commits
        let maxBytes = topology.cluster.maxMessageBytes
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                guard let subscriber = try? Subscriber(dialing: address, maxMessageBytes: maxBytes) else { return }
                while let bytes = try? await subscriber.receive(timeout: .seconds(30)) {
                    if let opened = try? SignedMessage(opening: bytes), case .commitNotice(let notice) = opened.message {
                        await self?.noteCommit(notice.height, notice.block)
                    }
                }
                subscriber.close()
            }
        })
    }

    func noteCommit(_ height: UInt64, _ block: Digest) {
        iutCommits[height] = block
        if iutCommitTimes[height] == nil { iutCommitTimes[height] = monotonicMs }
    }

    // MARK: traffic

    func fromImplementation(to index: Int, _ bytes: [UInt8]) {
        if let opened = try? SignedMessage(opening: bytes, limits: WireLimits(maxMessageBytes: topology.cluster.maxMessageBytes)),
           opened.sender == iutKey {
            sent.append((index, monotonicMs, opened))
            if case .proposal(let proposal) = opened.message { knownBlocks[proposal.height, default: []].insert(proposal.block.hash) }
        } else {
            badlySigned += 1
        }
        guard fromIUT(index, bytes) else { return }
        let (now, monotonic) = (wallMs, monotonicMs)
        step(index) { replica throws(ReplicaError) in try replica.receive(bytes, now: now, monotonicMs: monotonic).outbound }
    }

    /// Runs one input through played peer `index` and carries out what it asks.
    func step(_ index: Int, _ input: (inout Replica<MemoryStore>) throws(ReplicaError) -> [Outbound]) {
        let outbound: [Outbound]
        do {
            outbound = try input(&replicas[index])
        } catch {
            return  // a played peer that cannot go on just falls silent
        }
        for item in outbound {
            switch item {
            case .broadcast(let bytes):
                toImplementation(from: index, bytes)
                for other in 0..<3 where other != index {
                    for envelope in amongPeers(index, other, bytes) { Task { self.deliver(from: index, to: other, envelope) } }
                }
            case .send(let key, let bytes):
                if key == iutKey {
                    toImplementation(from: index, bytes)
                } else if let other = peerKeys.firstIndex(where: { $0.publicKey == key }) {
                    for envelope in amongPeers(index, other, bytes) { Task { self.deliver(from: index, to: other, envelope) } }
                }
            case .schedule(let kind, let height, let round, let after):
                let incarnation = incarnations[index]
                Task {
                    try? await Task.sleep(for: .milliseconds(after))
                    self.fire(index, incarnation, kind, height, round)
                }
            case .committed(_, let block):
                decided[block.block.height] = block.block.hash
            }
        }
    }

    func toImplementation(from index: Int, _ bytes: [UInt8]) {
        guard let outbox = outboxes[index] else { return }
        for envelope in toIUT(index, bytes) {
            if Envelope.peekKind(envelope) == .proposal, let opened = try? SignedMessage(openingUnverified: envelope),
               case .proposal(let proposal) = opened.message {
                knownBlocks[proposal.height, default: []].insert(proposal.block.hash)
            }
            outbox.yield(envelope)
        }
    }

    func deliver(from: Int, to: Int, _ bytes: [UInt8]) {
        let (now, monotonic) = (wallMs, monotonicMs)
        step(to) { replica throws(ReplicaError) in try replica.receive(bytes, now: now, monotonicMs: monotonic).outbound }
    }

    func fire(_ index: Int, _ incarnation: Int, _ kind: TimeoutKind, _ height: UInt64, _ round: UInt64) {
        guard incarnations[index] == incarnation else { return }
        let now = wallMs
        step(index) { replica throws(ReplicaError) in try replica.timeout(kind, height: height, round: round, now: now) }
    }

    // MARK: scripting

    public func script(toIUT: @escaping @Sendable (Int, [UInt8]) -> [[UInt8]] = { _, bytes in [bytes] },
                       fromIUT: @escaping @Sendable (Int, [UInt8]) -> Bool = { _, _ in true },
                       amongPeers: @escaping @Sendable (Int, Int, [UInt8]) -> [[UInt8]] = { _, _, bytes in [bytes] }) {
        self.toIUT = toIUT
        self.fromIUT = fromIUT
        self.amongPeers = amongPeers
    }

    /// Back to an honest, fully connected world.
    public func heal() { script() }

    /// The key peer `index` signs with (to forge or equivocate in its name).
    public nonisolated func peerKey(_ index: Int) -> SigningKey { peerKeys[index] }

    /// The played peers' height (the highest any of them has decided).
    public func clusterHeight() -> UInt64 { decided.keys.max() ?? 0 }

    /// The proposer of `height`, `round`: -1 for the implementation, else the peer index.
    public func proposer(height: UInt64, round: UInt64) -> Int {
        let key = replicas[0].validators.proposer(height: height, round: round)
        return key == iutKey ? -1 : peerKeys.firstIndex { $0.publicKey == key }!
    }

    /// The implementation's own report of its height (0 when it does not answer).
    public func iutHeight() async -> UInt64 { await iutStatus()?.height ?? 0 }

    /// Whether the implementation reports itself fresh (a quorum heard within maxStaleness)
    /// with its clock vouched for.
    public func iutFresh() async -> Bool { await iutStatus().map { $0.fresh && $0.clockVouched } ?? false }

    /// The implementation's status query answer (nil when it does not answer).
    func iutStatus() async -> NodeStatus? {
        guard let answer = try? await client.ask(StatusQuery(), signedBy: peerKeys[0], timeout: .seconds(2)),
              case .nodeStatus(let status) = answer else { return nil }
        return status
    }

    /// Waits until `condition` holds, checking every 100 ms; fails naming `what`.
    public func waitUntil(_ what: String, timeoutMs: UInt64, _ condition: @Sendable () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CaseFailure("\(what): not within \(timeoutMs) ms")
    }
}
