/// Why a request was refused or a check denied. The wire carries the number; JSON, logs
/// and docs carry the name, exactly as listed in docs/DESIGN.md.
public enum ReasonCode: UInt8, Sendable, NamedCode {
    case expired = 1
    case notYetValid = 2
    case revoked = 3
    case outOfScope = 4
    case notOwner = 5
    case overBudget = 6
    case overActionCap = 7
    case usesExhausted = 8
    case rateLimited = 9
    case depthExceeded = 10
    case exceedsParent = 11
    case replay = 12
    case unknownSession = 13
    case badSignature = 14
    case stale = 15
    case clockSkew = 16
    case malformed = 17
    case tooLarge = 18
    /// Not committed within the node's request timeout; it may still commit (send the
    /// same bytes again to learn its result).
    case timeout = 19
    /// The node cannot serve this now — its database failed it, and it votes, orders and
    /// allows nothing until it can write again (its status says why): ask another node.
    case unavailable = 20

    public func encode(to encoder: any Encoder) throws { try encodeName(to: encoder) }
    public init(from decoder: any Decoder) throws { try self.init(decodingName: decoder) }

    public var name: String {
        switch self {
        case .expired: "expired"
        case .notYetValid: "not_yet_valid"
        case .revoked: "revoked"
        case .outOfScope: "out_of_scope"
        case .notOwner: "not_owner"
        case .overBudget: "over_budget"
        case .overActionCap: "over_action_cap"
        case .usesExhausted: "uses_exhausted"
        case .rateLimited: "rate_limited"
        case .depthExceeded: "depth_exceeded"
        case .exceedsParent: "exceeds_parent"
        case .replay: "replay"
        case .unknownSession: "unknown_session"
        case .badSignature: "bad_signature"
        case .stale: "stale"
        case .clockSkew: "clock_skew"
        case .malformed: "malformed"
        case .tooLarge: "too_large"
        case .timeout: "timeout"
        case .unavailable: "unavailable"
        }
    }
}
