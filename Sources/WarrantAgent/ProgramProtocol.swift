import Foundation

/// The JSON-lines protocol between `warrant-agent` and an agent program it runs
/// (docs/AGENTS.md): one JSON object per line each way. The program asks (`act`, `check`,
/// `delegate`, `log`); the agent answers each request by its `msg_id` and tells the
/// program about its session. Parsing and printing only — no I/O — so every malformed
/// line has a tested answer.
public enum ProgramRequest: Sendable, Hashable {
    /// Spend under the session: ordered, committed, answered `act_ok` or `error`.
    case act(id: UInt64, operation: String, resource: String, amount: UInt64)
    /// May the session do this now? Answered locally by a node: `check_ok`.
    case check(id: UInt64, operation: String, resource: String, amount: UInt64)
    /// Grant another agent of the topology a child session, narrower than this one.
    case delegate(id: UInt64, to: String, operations: [String], resources: [String], budget: UInt64, ttlMs: UInt64)
    /// Ask the principal for a new session now (after a revocation, say): answered with a
    /// `session` message and `renew_ok`, or `error`.
    case renew(id: UInt64)
    /// A line for the agent's log.
    case log(level: String, text: String)

    public var id: UInt64? {
        switch self {
        case .act(let id, _, _, _), .check(let id, _, _, _), .delegate(let id, _, _, _, _, _), .renew(let id): id
        case .log: nil
        }
    }

    /// A JSON number that is a non-negative integer (not `true`, which Foundation also
    /// hands over as a number).
    static func integer(_ value: Any) -> UInt64? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return UInt64(exactly: number.doubleValue)
    }

    /// Longest line either side accepts.
    public static let maxLineBytes = 64 * 1024

    /// Parses one line; the error names what is wrong and carries the `msg_id` when one
    /// could be read, so the answer can refer to it.
    public static func parse(_ line: some StringProtocol) -> Result<ProgramRequest, ProgramLineError> {
        guard line.utf8.count <= maxLineBytes else {
            return .failure(ProgramLineError(id: nil, code: "too_long", text: "a line of \(line.utf8.count) bytes; at most \(maxLineBytes)"))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            return .failure(ProgramLineError(id: nil, code: "malformed", text: "not a JSON object: \(line.prefix(80))"))
        }
        let id = object["msg_id"].flatMap(Self.integer)
        func fail(_ text: String) -> Result<ProgramRequest, ProgramLineError> { .failure(ProgramLineError(id: id, code: "malformed", text: text)) }
        func text(_ key: String) -> String? { object[key] as? String }
        func number(_ key: String, default value: UInt64? = nil) -> UInt64? {
            guard let raw = object[key] else { return value }
            return Self.integer(raw)
        }
        func strings(_ key: String) -> [String]? { (object[key] as? [Any])?.compactMap { $0 as? String } }
        guard let type = text("type") else { return fail("no \"type\"") }
        if type == "log" {
            return .success(.log(level: text("level") ?? "info", text: text("text") ?? ""))
        }
        guard let id else { return fail("\(type): no \"msg_id\" (a non-negative integer)") }
        switch type {
        case "renew":
            return .success(.renew(id: id))
        case "act", "check":
            guard let operation = text("operation"), !operation.isEmpty else { return fail("\(type): no \"operation\"") }
            guard let resource = text("resource"), !resource.isEmpty else { return fail("\(type): no \"resource\"") }
            guard let amount = number("amount", default: 0) else { return fail("\(type): \"amount\" must be a non-negative integer") }
            return .success(type == "act" ? .act(id: id, operation: operation, resource: resource, amount: amount)
                                          : .check(id: id, operation: operation, resource: resource, amount: amount))
        case "delegate":
            guard let to = text("to") else { return fail("delegate: no \"to\" (an agent's name)") }
            guard let operations = strings("operations"), !operations.isEmpty else { return fail("delegate: no \"operations\"") }
            guard let resources = strings("resources"), !resources.isEmpty else { return fail("delegate: no \"resources\"") }
            guard let budget = number("budget") else { return fail("delegate: \"budget\" must be a non-negative integer") }
            guard let ttl = number("ttl_ms"), ttl > 0 else { return fail("delegate: \"ttl_ms\" must be a positive integer") }
            return .success(.delegate(id: id, to: to, operations: operations, resources: resources, budget: budget, ttlMs: ttl))
        default:
            return .failure(ProgramLineError(id: id, code: "unknown_type", text: "no message type '\(type)' (act, check, delegate, renew, log)"))
        }
    }
}

/// Why a program's line was refused: answered as an `error` with `code`.
public struct ProgramLineError: Error, Sendable, Hashable {
    public var id: UInt64?
    public var code: String
    public var text: String
}

/// What `warrant-agent` tells a program, one JSON object per line.
public enum ProgramMessage: Sendable, Hashable {
    /// First, once: who the program is acting for.
    case hello(agent: String, principal: String, key: String, nodes: [String], nowMs: UInt64)
    /// A session was granted (`renewal` 0) or renewed; the program acts under the latest.
    case session(id: String, operations: [String], resources: [String], budget: UInt64, maxAmount: UInt64?,
                 notBefore: UInt64, expiresAt: UInt64, renewal: Int)
    case actOK(inReplyTo: UInt64, height: UInt64, request: String)
    case checkOK(inReplyTo: UInt64, allowed: Bool, reason: String?, node: String, height: UInt64)
    case delegateOK(inReplyTo: UInt64, session: String, height: UInt64)
    case renewOK(inReplyTo: UInt64, session: String)
    /// A refusal: a reason code of the ledger or a local check (`over_budget`, `expired`,
    /// `stale`, …), `timeout` when no node committed it in time, or the protocol's own
    /// (`malformed`, `too_long`, `unknown_type`, `flood`, `no_session`, `unknown_agent`).
    case error(inReplyTo: UInt64?, code: String, text: String)
    /// The run is over: exit now (stdin closes next).
    case stop

    /// The line, without its newline. Keys are sorted, so lines compare byte for byte.
    public var line: String {
        var object: [String: Any]
        switch self {
        case .hello(let agent, let principal, let key, let nodes, let now):
            object = ["type": "hello", "agent": agent, "principal": principal, "key": key, "nodes": nodes, "now_ms": now]
        case .session(let id, let operations, let resources, let budget, let maxAmount, let notBefore, let expiresAt, let renewal):
            object = ["type": "session", "session": id, "operations": operations, "resources": resources, "budget": budget,
                      "not_before": notBefore, "expires_at": expiresAt, "renewal": renewal]
            if let maxAmount { object["max_amount"] = maxAmount }
        case .actOK(let id, let height, let request):
            object = ["type": "act_ok", "in_reply_to": id, "height": height, "request": request]
        case .checkOK(let id, let allowed, let reason, let node, let height):
            object = ["type": "check_ok", "in_reply_to": id, "allowed": allowed, "node": node, "height": height]
            if let reason { object["reason"] = reason }
        case .delegateOK(let id, let session, let height):
            object = ["type": "delegate_ok", "in_reply_to": id, "session": session, "height": height]
        case .renewOK(let id, let session):
            object = ["type": "renew_ok", "in_reply_to": id, "session": session]
        case .error(let id, let code, let text):
            object = ["type": "error", "code": code, "text": text]
            if let id { object["in_reply_to"] = id }
        case .stop:
            object = ["type": "stop"]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
