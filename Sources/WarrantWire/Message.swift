/// Any message body, typed by kind.
public enum Message: Hashable, Sendable {
    case grant(Grant)
    case revoke(Revoke)
    case revokeAll(RevokeAll)
    case act(Act)
    case check(Check)
    case checkBatch(CheckBatch)
    case checkAnswer(CheckAnswer)
    case checkBatchAnswer(CheckBatchAnswer)
    case result(RequestResult)
    case error(ErrorMessage)
    case proposal(Proposal)
    case prevote(Prevote)
    case precommit(Precommit)
    case certificate(Certificate)
    case block(Block)
    case evidence(Evidence)
    case commitNotice(CommitNotice)
    case control(Control)
    case controlAnswer(ControlAnswer)
    case blockRequest(BlockRequest)
    case committedBlocks(CommittedBlocks)
    case statusQuery(StatusQuery)
    case nodeStatus(NodeStatus)
    case sessionQuery(SessionQuery)
    case sessionList(SessionList)
    case clockProbe(ClockProbe)
    case clockReading(ClockReading)

    /// Decodes `body` strictly as a body of `kind`.
    public init(kind: MessageKind, body: [UInt8], limits: WireLimits = .default) throws(WireError) {
        switch kind {
        case .grant: self = .grant(try Grant(cbor: body, limits: limits))
        case .revoke: self = .revoke(try Revoke(cbor: body, limits: limits))
        case .revokeAll: self = .revokeAll(try RevokeAll(cbor: body, limits: limits))
        case .act: self = .act(try Act(cbor: body, limits: limits))
        case .check: self = .check(try Check(cbor: body, limits: limits))
        case .checkBatch: self = .checkBatch(try CheckBatch(cbor: body, limits: limits))
        case .checkAnswer: self = .checkAnswer(try CheckAnswer(cbor: body, limits: limits))
        case .checkBatchAnswer: self = .checkBatchAnswer(try CheckBatchAnswer(cbor: body, limits: limits))
        case .result: self = .result(try RequestResult(cbor: body, limits: limits))
        case .error: self = .error(try ErrorMessage(cbor: body, limits: limits))
        case .proposal: self = .proposal(try Proposal(cbor: body, limits: limits))
        case .prevote: self = .prevote(try Prevote(cbor: body, limits: limits))
        case .precommit: self = .precommit(try Precommit(cbor: body, limits: limits))
        case .certificate: self = .certificate(try Certificate(cbor: body, limits: limits))
        case .block: self = .block(try Block(cbor: body, limits: limits))
        case .evidence: self = .evidence(try Evidence(cbor: body, limits: limits))
        case .commitNotice: self = .commitNotice(try CommitNotice(cbor: body, limits: limits))
        case .control: self = .control(try Control(cbor: body, limits: limits))
        case .controlAnswer: self = .controlAnswer(try ControlAnswer(cbor: body, limits: limits))
        case .blockRequest: self = .blockRequest(try BlockRequest(cbor: body, limits: limits))
        case .committedBlocks: self = .committedBlocks(try CommittedBlocks(cbor: body, limits: limits))
        case .statusQuery: self = .statusQuery(try StatusQuery(cbor: body, limits: limits))
        case .nodeStatus: self = .nodeStatus(try NodeStatus(cbor: body, limits: limits))
        case .sessionQuery: self = .sessionQuery(try SessionQuery(cbor: body, limits: limits))
        case .sessionList: self = .sessionList(try SessionList(cbor: body, limits: limits))
        case .clockProbe: self = .clockProbe(try ClockProbe(cbor: body, limits: limits))
        case .clockReading: self = .clockReading(try ClockReading(cbor: body, limits: limits))
        }
    }

    public var body: any WireBody {
        switch self {
        case .grant(let b): b
        case .revoke(let b): b
        case .revokeAll(let b): b
        case .act(let b): b
        case .check(let b): b
        case .checkBatch(let b): b
        case .checkAnswer(let b): b
        case .checkBatchAnswer(let b): b
        case .result(let b): b
        case .error(let b): b
        case .proposal(let b): b
        case .prevote(let b): b
        case .precommit(let b): b
        case .certificate(let b): b
        case .block(let b): b
        case .evidence(let b): b
        case .commitNotice(let b): b
        case .control(let b): b
        case .controlAnswer(let b): b
        case .blockRequest(let b): b
        case .committedBlocks(let b): b
        case .statusQuery(let b): b
        case .nodeStatus(let b): b
        case .sessionQuery(let b): b
        case .sessionList(let b): b
        case .clockProbe(let b): b
        case .clockReading(let b): b
        }
    }

    public var kind: MessageKind { type(of: body).kind }
}

extension Message: Encodable {
    /// The body's fields as JSON (for `wire decode`, vectors and histories).
    public func encode(to encoder: any Encoder) throws {
        try body.encode(to: encoder)
    }
}
