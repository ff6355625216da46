import WarrantCrypto
import WarrantLedger
import WarrantWire

/// What a node does with one message on its client endpoint, decided without I/O — so the
/// node serves it and the fuzzer (Fuzz/FuzzClient) drives the very same decisions with
/// any bytes at all. Everything a client can send ends in one of these; none of them
/// stops the replica.
public enum ClientAction: Sendable {
    /// Answer with this body, sealed by the node.
    case answer(ClientAnswer)
    /// Already sealed answer bytes (committed blocks, sealed by the replica).
    case sealed([UInt8])
    /// An ordered request (grant, revoke, revoke-all, act): answered when its block commits.
    case order(SignedMessage)
    /// A status query: the shell knows what the replica does not (peers, links, pauses).
    case status
}

/// A body a client is answered with.
public enum ClientAnswer: Sendable {
    case check(CheckAnswer)
    case checkBatch(CheckBatchAnswer)
    case sessions(SessionList)
    /// A refusal; `invalid` says why the bytes were not a message at all (for the metrics).
    case error(ErrorMessage, invalid: WireError?)

    public var sealable: any WireBody {
        switch self {
        case .check(let answer): answer
        case .checkBatch(let answer): answer
        case .sessions(let list): list
        case .error(let message, _): message
        }
    }
}

extension Replica {
    /// The decision for one client message: opened and verified at the edge (an error
    /// naming what was wrong otherwise), checks and queries answered from this replica's
    /// ledger and `readings`, ordered requests handed back to be submitted.
    public func clientAction(for bytes: [UInt8], maxMessageBytes: Int, readings: ClockReadings) -> ClientAction {
        let opened: SignedMessage
        do {
            opened = try open(bytes, limits: WireLimits(maxMessageBytes: maxMessageBytes))
        } catch {
            return .answer(.error(ErrorMessage(reason: error.reason, message: error.description), invalid: error))
        }
        switch opened.message {
        case .grant, .revoke, .revokeAll, .act:
            return .order(opened)
        case .check(let check):
            return .answer(.check(ledger.check(check, readings: readings)))
        case .checkBatch(let batch):
            let most = CheckBatchAnswer.maxChecks(maxMessageBytes: maxMessageBytes)
            guard batch.checks.count <= most else {
                return .answer(.error(ErrorMessage(reason: .tooLarge, message: "a batch to this node holds at most \(most) checks (so that the answer fits in \(maxMessageBytes) bytes); this one holds \(batch.checks.count)", request: opened.hash), invalid: nil))
            }
            return .answer(.checkBatch(CheckBatchAnswer(answers: batch.checks.map { ledger.check($0, readings: readings) })))
        case .blockRequest(let blocks):
            // A commit-stream subscriber that missed notices fetches the blocks themselves.
            do {
                if let sealed = try answer(blocks) { return .sealed(sealed) }
            } catch {
                return .answer(.error(ErrorMessage(reason: .unavailable, message: "the node could not read its blocks: \(error)", request: opened.hash), invalid: nil))
            }
            return .answer(.error(ErrorMessage(reason: .malformed, message: "no block at height \(blocks.fromHeight) yet (applied: \(ledger.height))", request: opened.hash), invalid: nil))
        case .statusQuery:
            return .status
        case .sessionQuery(let query):
            return .answer(.sessions(sessions(query)))
        default:
            return .answer(.error(ErrorMessage(reason: .malformed, message: "a \(opened.kind.name) is not something a client sends to a node", request: opened.hash), invalid: nil))
        }
    }

    /// The live sessions a query names (all of them when it names nothing), in id order.
    public func sessions(_ query: SessionQuery) -> SessionList {
        let matching = ledger.sessions.values
            .filter { query.sessionKey == nil || $0.sessionKey == query.sessionKey }
            .filter { query.principal == nil || $0.principal == query.principal }
            .sorted { $0.id < $1.id }
        let infos = matching.prefix(SessionList.maxSessions).map { s in
            SessionInfo(id: s.id, principal: s.principal, sessionKey: s.sessionKey, operations: s.operations,
                        resources: s.resources.map(\.text), notBefore: s.notBefore, expiresAt: s.expiresAt, budget: s.budget,
                        spent: s.spent, uses: s.uses, revoked: ledger.isRevoked(s), parent: s.parent)
        }
        return SessionList(sessions: Array(infos), truncated: matching.count > SessionList.maxSessions)
    }
}
