import WarrantErrors

/// What went wrong in WarrantCoordinator; the message names the node, file or address at fault.
public enum CoordinatorErrorCode: String, ErrorCode {
    /// A node did not answer, or answered something that is not a valid signed reply.
    case unreachable
    /// A node answered with a signed `error`.
    case refused
    /// A file (cluster.json, a key, the topology) is missing or broken.
    case badFile = "bad_file"
    /// A child process could not be started.
    case launch
    /// An argument names something that does not exist or is ambiguous (a node, a
    /// session prefix).
    case badInput = "bad_input"
    /// A network namespace, link or nftables rule could not be made or removed
    /// (`--netns` needs root, iproute2 and nftables).
    case network
}

public typealias CoordinatorError = WarrantError<CoordinatorErrorCode>
