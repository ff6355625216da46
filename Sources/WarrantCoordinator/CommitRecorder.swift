import WarrantCheck
import WarrantCrypto
import WarrantHistory
import WarrantTransport
import WarrantWire

/// Listens to every node's commit stream and records a `commit` event per node and
/// height, with the node's state hash and each request's outcome.
public final class CommitRecorder: Sendable {
    let tasks: [Task<Void, Never>]
    let subscribers: [Subscriber]

    public init(cluster: RunningCluster, history: RunHistory) throws(CoordinatorError) {
        var subscribers: [Subscriber] = []
        var tasks: [Task<Void, Never>] = []
        for node in cluster.file.nodes {
            let subscriber: Subscriber
            do {
                subscriber = try Subscriber(dialing: node.commits, maxMessageBytes: 8 << 20)
            } catch {
                throw CoordinatorError(.unreachable, "\(node.name)'s commit stream at \(node.commits): \(error)")
            }
            subscribers.append(subscriber)
            let name = node.name, key = cluster.keys.nodes[node.name]
            tasks.append(Task {
                while !Task.isCancelled {
                    guard let bytes = try? await subscriber.receive(timeout: .seconds(1)) else { continue }
                    guard let opened = try? SignedMessage(opening: bytes, limits: WireLimits(maxMessageBytes: 8 << 20)),
                          opened.sender == key, case .commitNotice(let notice) = opened.message else { continue }
                    history.record(HistoryEvent(
                        time: history.now, kind: .commit, node: name, height: notice.height, block: notice.block.hex,
                        state: notice.stateHash.hex, accepted: notice.outcomes.filter(\.accepted).map(\.request.hex),
                        outcomes: notice.outcomes.map { $0.reason?.name ?? "ok" }))
                }
            })
        }
        self.subscribers = subscribers
        self.tasks = tasks
    }

    public func stop() {
        for task in tasks { task.cancel() }
        for subscriber in subscribers { subscriber.close() }
    }
}
