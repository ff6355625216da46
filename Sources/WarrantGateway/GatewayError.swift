import WarrantErrors

/// What went wrong in WarrantGateway; the message names the tool, argument or file.
public enum GatewayErrorCode: String, ErrorCode {
    /// A tool call's arguments do not fit the tool.
    case badArguments = "bad_arguments"
    /// No tool by that name.
    case unknownTool = "unknown_tool"
    /// The tool itself failed after it was allowed (a file that does not exist, …).
    case toolFailed = "tool_failed"
    /// The cluster, keys or tools file cannot be used.
    case setup
}

public typealias GatewayError = WarrantError<GatewayErrorCode>
