import WarrantCrypto

/// The outcome of one ordered request in a committed block.
public struct RequestOutcome: CBORMap, Hashable, Codable {
    /// BLAKE2b-256 of the request's envelope bytes.
    public var request: Digest
    public var accepted: Bool
    /// Present exactly when `accepted` is false.
    public var reason: ReasonCode?

    static let fields = ["request", "accepted", "reason"]

    public init(request: Digest, accepted: Bool, reason: ReasonCode?) {
        precondition(accepted == (reason == nil), "a rejection carries a reason, an acceptance none")
        self.request = request
        self.accepted = accepted
        self.reason = reason
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(request)
            w.key(1); w.write(accepted)
            if let reason { w.key(2); w.write(UInt64(reason.rawValue)) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var request: Digest?, accepted: Bool?, reason: ReasonCode?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: request = try r.readFixed()
            case 1: accepted = try r.readBool()
            default: reason = try r.readReason()
            }
        }
        let isAccepted = try required(accepted, "accepted", r)
        guard isAccepted == (reason == nil) else {
            throw WireError(.badValue, isAccepted ? "an acceptance carries no reason" : "a rejection must carry a reason",
                            path: "reason", offset: r.offset)
        }
        self.init(request: try required(request, "request", r), accepted: isAccepted, reason: reason)
    }
}

/// A node's answer to a grant, revoke, revoke-all or act once the block holding it has
/// committed: accepted, or rejected with the ledger's reason, at `height`.
public struct RequestResult: WireBody, Codable {
    public static let kind = MessageKind.result

    public var outcome: RequestOutcome
    public var height: UInt64
    public var blockTimeMs: UInt64

    static let fields = ["outcome", "height", "blockTimeMs"]

    public init(outcome: RequestOutcome, height: UInt64, blockTimeMs: UInt64) {
        self.outcome = outcome
        self.height = height
        self.blockTimeMs = blockTimeMs
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(outcome)
            w.key(1); w.write(height)
            w.key(2); w.write(blockTimeMs)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var outcome: RequestOutcome?, height: UInt64?, time: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: outcome = try r.read()
            case 1: height = try r.readUInt()
            default: time = try r.readUInt()
            }
        }
        self.init(outcome: try required(outcome, "outcome", r), height: try required(height, "height", r),
                  blockTimeMs: try required(time, "blockTimeMs", r))
    }
}

/// A refusal before anything was ordered: the request was malformed, too large, badly
/// signed, or could not be answered. `request` names it when its hash is known.
public struct ErrorMessage: WireBody, Codable {
    public static let kind = MessageKind.error

    public var reason: ReasonCode
    public var message: String
    public var request: Digest?

    static let fields = ["reason", "message", "request"]

    public init(reason: ReasonCode, message: String, request: Digest? = nil) {
        self.reason = reason
        self.message = message
        self.request = request
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(UInt64(reason.rawValue))
            w.key(1); w.write(message)
            if let request { w.key(2); w.write(request) }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var reason: ReasonCode?, message: String?, request: Digest?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: reason = try r.readReason()
            case 1: message = try r.readText()
            default: request = try r.readFixed()
            }
        }
        self.init(reason: try required(reason, "reason", r), message: try required(message, "message", r), request: request)
    }
}
