/// The kind of an envelope's body. The number travels on the wire; the name forms the
/// signing domain `warrant/v1/<name>`, so a body signed as one kind never verifies as
/// another.
public enum MessageKind: UInt8, Sendable, NamedCode {
    // Client requests the cluster orders.
    case grant = 1
    case revoke = 2
    case revokeAll = 3
    case act = 4
    // Local questions and their answers.
    case check = 5
    case checkBatch = 6
    case checkAnswer = 7
    case checkBatchAnswer = 8
    // Answers to ordered requests.
    case result = 9
    case error = 10
    // Consensus.
    case proposal = 11
    case prevote = 12
    case precommit = 13
    case certificate = 14
    case block = 15
    case evidence = 16
    case commitNotice = 17
    // Fault control (signed by the coordinator).
    case control = 18
    case controlAnswer = 19
    // Catch-up between peers.
    case blockRequest = 20
    case committedBlocks = 21
    // Queries answered by one node from its own state.
    case statusQuery = 22
    case nodeStatus = 23
    case sessionQuery = 24
    case sessionList = 25
    // Rule 4's evidence, between validators.
    case clockProbe = 26
    case clockReading = 27

    public func encode(to encoder: any Encoder) throws { try encodeName(to: encoder) }
    public init(from decoder: any Decoder) throws { try self.init(decodingName: decoder) }

    public var name: String {
        switch self {
        case .grant: "grant"
        case .revoke: "revoke"
        case .revokeAll: "revoke-all"
        case .act: "act"
        case .check: "check"
        case .checkBatch: "check-batch"
        case .checkAnswer: "check-answer"
        case .checkBatchAnswer: "check-batch-answer"
        case .result: "result"
        case .error: "error"
        case .proposal: "proposal"
        case .prevote: "prevote"
        case .precommit: "precommit"
        case .certificate: "certificate"
        case .block: "block"
        case .evidence: "evidence"
        case .commitNotice: "commit-notice"
        case .control: "control"
        case .controlAnswer: "control-answer"
        case .blockRequest: "block-request"
        case .committedBlocks: "committed-blocks"
        case .statusQuery: "status-query"
        case .nodeStatus: "node-status"
        case .sessionQuery: "session-query"
        case .sessionList: "session-list"
        case .clockProbe: "clock-probe"
        case .clockReading: "clock-reading"
        }
    }

    /// The signing domain tag, without the zero byte that follows it.
    public var domain: String { "warrant/v1/\(name)" }
}

/// A message body: a CBOR map that travels inside an envelope of one kind.
public protocol WireBody: CBORMap, Hashable, Encodable {
    static var kind: MessageKind { get }
}
