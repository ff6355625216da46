import WarrantCrypto

/// "What time is it where you are, and how far has your chain got?" — sent by every
/// validator to every peer on a timer. The answers let a node judge rule 4 without
/// trusting anything it produced itself: whether it has heard from a quorum at its own
/// height since it started (staleness), and how far its wall clock is from the other
/// validators' (skew). `nonce` is fresh per probe and per process start, so an answer
/// to a probe of an earlier incarnation, or an old answer replayed, matches nothing.
public struct ClockProbe: WireBody, Codable {
    public static let kind = MessageKind.clockProbe

    public var nonce: UInt64

    static let fields = ["nonce"]

    public init(nonce: UInt64) { self.nonce = nonce }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(nonce)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var nonce: UInt64?
        try r.readMap(fields: Self.fields) { r, _ throws(WireError) in nonce = try r.readUInt() }
        self.init(nonce: try required(nonce, "nonce", r))
    }
}

/// A validator's signed answer to a `ClockProbe`: the probe's nonce, the height of the
/// last block it applied, and its wall clock when it answered (ms since the epoch).
public struct ClockReading: WireBody, Codable {
    public static let kind = MessageKind.clockReading

    public var nonce: UInt64
    public var height: UInt64
    public var timeMs: UInt64

    static let fields = ["nonce", "height", "timeMs"]

    public init(nonce: UInt64, height: UInt64, timeMs: UInt64) {
        self.nonce = nonce
        self.height = height
        self.timeMs = timeMs
    }

    public func encode(to w: inout CBORWriter) {
        w.writeMap { w in
            w.key(0); w.write(nonce)
            w.key(1); w.write(height)
            w.key(2); w.write(timeMs)
        }
    }

    public init(from r: inout CBORReader) throws(WireError) {
        var nonce: UInt64?, height: UInt64?, time: UInt64?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            switch key {
            case 0: nonce = try r.readUInt()
            case 1: height = try r.readUInt()
            default: time = try r.readUInt()
            }
        }
        self.init(nonce: try required(nonce, "nonce", r), height: try required(height, "height", r),
                  timeMs: try required(time, "timeMs", r))
    }
}
