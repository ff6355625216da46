/// Which way a link fault applies, seen from the node that receives the command.
public enum LinkDirection: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case inbound = 0
    case outbound = 1
    case both = 2
}

/// Faults on the link to one peer: block it, drop a share of its messages, or delay them.
public struct LinkFaultSpec: Hashable, Sendable, Codable {
    /// The largest `delayMs` and `jitterMs` a node accepts: a minute.
    public static let maxDelayMs: UInt64 = 60_000
    /// The longest peer name (node names are at most 32 characters).
    public static let maxPeerBytes = 64

    /// The peer's node name in the topology.
    public var peer: String
    public var direction: LinkDirection
    public var blocked: Bool
    /// Messages dropped per thousand, 0–1000.
    public var dropPerMille: UInt64
    /// Added latency, 0–`maxDelayMs`.
    public var delayMs: UInt64
    /// Random extra latency up to this, 0–`maxDelayMs`.
    public var jitterMs: UInt64

    public init(peer: String, direction: LinkDirection, blocked: Bool = false, dropPerMille: UInt64 = 0,
                delayMs: UInt64 = 0, jitterMs: UInt64 = 0) {
        self.peer = peer
        self.direction = direction
        self.blocked = blocked
        self.dropPerMille = dropPerMille
        self.delayMs = delayMs
        self.jitterMs = jitterMs
    }
}

/// What the coordinator asks of a node's control endpoint. Every value has a documented
/// range (docs/PROTOCOL.md, *Fault control*), refused at decoding: a signed command can
/// change how a node behaves, never crash it.
public enum ControlCommand: Hashable, Sendable {
    /// The largest clock offset, either way: a day.
    public static let maxClockOffsetMs: Int64 = 86_400_000
    /// The longest Byzantine mode list text.
    public static let maxModeBytes = 256

    /// Report status; changes nothing.
    case status
    /// Set (replace) the faults on the link to one peer.
    case setLinkFaults(LinkFaultSpec)
    /// Remove every link fault (heal).
    case clearLinkFaults
    /// Shift the node's wall clock by this many milliseconds (negative: behind).
    case setClockOffset(ms: Int64)
    /// Stop or resume taking part in consensus, while still answering checks.
    case setConsensusPaused(Bool)
    /// Switch the node to a Byzantine behaviour by name (`honest` to switch back).
    case setByzantine(mode: String)

    var typeCode: UInt64 {
        switch self {
        case .status: 0
        case .setLinkFaults: 1
        case .clearLinkFaults: 2
        case .setClockOffset: 3
        case .setConsensusPaused: 4
        case .setByzantine: 5
        }
    }

    public var name: String {
        switch self {
        case .status: "status"
        case .setLinkFaults: "set_link_faults"
        case .clearLinkFaults: "clear_link_faults"
        case .setClockOffset: "set_clock_offset"
        case .setConsensusPaused: "set_consensus_paused"
        case .setByzantine: "set_byzantine"
        }
    }

    static let fields = ["command", "peer", "direction", "blocked", "dropPerMille", "delayMs", "jitterMs",
                         "offsetMs", "paused", "mode"]
    /// The keys each command type may carry besides `command` (key 0); all required.
    static let keysByType: [UInt64: [Int]] = [0: [], 1: [1, 2, 3, 4, 5, 6], 2: [], 3: [7], 4: [8], 5: [9]]
}

extension ControlCommand: CBORMap {
    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(typeCode)
            switch self {
            case .status, .clearLinkFaults:
                break
            case .setLinkFaults(let spec):
                w.key(1); w.write(spec.peer)
                w.key(2); w.write(UInt64(spec.direction.rawValue))
                w.key(3); w.write(spec.blocked)
                w.key(4); w.write(spec.dropPerMille)
                w.key(5); w.write(spec.delayMs)
                w.key(6); w.write(spec.jitterMs)
            case .setClockOffset(let ms):
                w.key(7); w.write(ms)
            case .setConsensusPaused(let paused):
                w.key(8); w.write(paused)
            case .setByzantine(let mode):
                w.key(9); w.write(mode)
            }
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var type: UInt64?
        var peer: String?, direction: LinkDirection?, blocked: Bool?, drop: UInt64?, delay: UInt64?, jitter: UInt64?
        var offset: Int64?, paused: Bool?, mode: String?
        var seen: [Int] = []
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            let start = r.offset
            if key == 0 {
                let value = try r.readUInt()
                guard Self.keysByType[value] != nil else {
                    throw WireError(.badValue, "unknown control command \(value)", offset: start)
                }
                type = value
                return
            }
            guard let type, Self.keysByType[type]!.contains(key) else {
                throw WireError(.unknownKey, "this control command has no field '\(Self.fields[key])'", offset: start)
            }
            seen.append(key)
            switch key {
            case 1:
                peer = try r.readText()
                guard peer!.utf8.count <= LinkFaultSpec.maxPeerBytes else {
                    throw WireError(.badValue, "peer must be at most \(LinkFaultSpec.maxPeerBytes) bytes", offset: start)
                }
            case 2:
                let raw = try r.readUInt()
                guard raw <= 2 else { throw WireError(.badValue, "direction must be 0, 1 or 2", offset: start) }
                direction = LinkDirection(rawValue: UInt8(raw))
            case 3: blocked = try r.readBool()
            case 4:
                let value = try r.readUInt()
                guard value <= 1000 else { throw WireError(.badValue, "dropPerMille must be at most 1000", offset: start) }
                drop = value
            case 5, 6:
                let value = try r.readUInt()
                guard value <= LinkFaultSpec.maxDelayMs else {
                    throw WireError(.badValue, "\(Self.fields[key]) must be at most \(LinkFaultSpec.maxDelayMs) ms", offset: start)
                }
                if key == 5 { delay = value } else { jitter = value }
            case 7:
                let value = try r.readInt()
                guard value >= -Self.maxClockOffsetMs && value <= Self.maxClockOffsetMs else {
                    throw WireError(.badValue, "offsetMs must be within ±\(Self.maxClockOffsetMs) ms (a day)", offset: start)
                }
                offset = value
            case 8: paused = try r.readBool()
            default:
                mode = try r.readText()
                guard mode!.utf8.count <= Self.maxModeBytes else {
                    throw WireError(.badValue, "mode must be at most \(Self.maxModeBytes) bytes", offset: start)
                }
            }
        }
        let command = try required(type, "command", r)
        for key in Self.keysByType[command]! where !seen.contains(key) {
            throw WireError(.missingField, "required field '\(Self.fields[key])' is absent", offset: r.offset)
        }
        switch command {
        case 0: self = .status
        case 1:
            self = .setLinkFaults(LinkFaultSpec(peer: peer!, direction: direction!, blocked: blocked!,
                                                dropPerMille: drop!, delayMs: delay!, jitterMs: jitter!))
        case 2: self = .clearLinkFaults
        case 3: self = .setClockOffset(ms: offset!)
        case 4: self = .setConsensusPaused(paused!)
        default: self = .setByzantine(mode: mode!)
        }
    }
}

extension ControlCommand: Encodable {
    private enum Keys: String, CodingKey { case command, peer, direction, blocked, dropPerMille, delayMs, jitterMs, offsetMs, paused, mode }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .command)
        switch self {
        case .status, .clearLinkFaults: break
        case .setLinkFaults(let spec):
            try c.encode(spec.peer, forKey: .peer)
            try c.encode(spec.direction, forKey: .direction)
            try c.encode(spec.blocked, forKey: .blocked)
            try c.encode(spec.dropPerMille, forKey: .dropPerMille)
            try c.encode(spec.delayMs, forKey: .delayMs)
            try c.encode(spec.jitterMs, forKey: .jitterMs)
        case .setClockOffset(let ms): try c.encode(ms, forKey: .offsetMs)
        case .setConsensusPaused(let paused): try c.encode(paused, forKey: .paused)
        case .setByzantine(let mode): try c.encode(mode, forKey: .mode)
        }
    }
}

/// A fault-control command, signed by the coordinator's key. `nonce` must exceed the
/// last one the node accepted from that key, so a recorded command cannot be replayed.
public struct Control: WireBody, Encodable {
    public static let kind = MessageKind.control

    public var nonce: UInt64
    public var command: ControlCommand

    static let fields = ["nonce", "command"]

    public init(nonce: UInt64, command: ControlCommand) {
        self.nonce = nonce
        self.command = command
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(nonce)
            w.key(1); w.write(command)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var nonce: UInt64?, command: ControlCommand?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            if key == 0 { nonce = try r.readUInt() } else { command = try r.read() }
        }
        self.init(nonce: try required(nonce, "nonce", r), command: try required(command, "command", r))
    }
}

/// A node's reply to a control command.
public struct ControlAnswer: WireBody, Codable {
    public static let kind = MessageKind.controlAnswer

    public var ok: Bool
    public var message: String

    static let fields = ["ok", "message"]

    public init(ok: Bool, message: String) {
        self.ok = ok
        self.message = message
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(ok)
            w.key(1); w.write(message)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var ok: Bool?, message: String?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            if key == 0 { ok = try r.readBool() } else { message = try r.readText() }
        }
        self.init(ok: try required(ok, "ok", r), message: try required(message, "message", r))
    }
}
