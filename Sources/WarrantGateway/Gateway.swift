import Foundation
import WarrantAgent
import WarrantCoordinator
import WarrantCrypto
import WarrantTopology

/// Tools for one agent key, each run only when that agent's session allows it: a tool
/// that spends is a committed act first (its result names the block), any other a local
/// check; a denial is the answer instead of the tool's, with the reason code first. Every
/// call is logged (`decisions`, JSON lines) with what was decided and whether the tool
/// ran, so a test can count executions against allows.
public actor Gateway {
    /// What the caller (the MCP server) returns.
    public struct Answer: Sendable, Hashable {
        public var text: String
        public var isError: Bool
        /// The reason code of a denial (`expired`, `over_budget`, `timeout`, …).
        public var reason: String?
        public var ran: Bool
    }

    public let tools: [ToolSpec]
    let agent: AgentRuntime
    let decisions: FileHandle?

    public init(tools: [ToolSpec], agent: AgentRuntime, decisionsPath: String?) {
        self.tools = tools
        self.agent = agent
        if let decisionsPath {
            if !FileManager.default.fileExists(atPath: decisionsPath) { _ = FileManager.default.createFile(atPath: decisionsPath, contents: nil) }
            decisions = FileHandle(forWritingAtPath: decisionsPath)
            decisions?.seekToEndOfFile()
        } else {
            decisions = nil
        }
    }

    /// Opens the gateway for `agentName` of the cluster `up` runs in `directory`, with the
    /// tools of `toolsPath`; `node` restricts it to one node (no failover).
    public static func open(directory: String, agentName: String, toolsPath: String, node: String?,
                            decisionsPath: String?, historyPath: String?) throws(GatewayError) -> Gateway {
        do {
            let tools = try ToolSpec.load(toolsPath)
            let file = try ClusterFile.read(from: directory)
            let topology = try Topology.load(file.topology)
            guard let spec = topology.agent(named: agentName) else {
                throw GatewayError(.setup, "\(file.topology): no agent is named '\(agentName)'")
            }
            guard spec.behaviour == .external else {
                throw GatewayError(.setup, "\(file.topology): agent '\(agentName)' must be `behaviour = \"external\"`, or `up` runs it too, with the same key")
            }
            var nodes = file.nodes.map { (name: $0.name, client: $0.client) }
            if let node {
                nodes = nodes.filter { $0.name == node }
                guard !nodes.isEmpty else { throw GatewayError(.setup, "--node: no node is named '\(node)' in \(ClusterFile.path(in: directory))") }
            }
            let key = try KeyFile.readSecret(at: "\(file.keys)/\(agentName).key")
            let history = historyPath ?? "\(file.directory)/agents/\(agentName)/history.jsonl"
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: history).deletingLastPathComponent().path, withIntermediateDirectories: true)
            let runtime = try AgentRuntime(spec: spec, key: key,
                                           endpoints: AgentEndpoints(nodes: nodes, principal: try LocalEndpoint.address(directory: file.directory, name: "principal")),
                                           delegateKey: nil, historyPath: history, epochMs: UInt64(Date().timeIntervalSince1970 * 1_000),
                                           requestTimeoutMs: topology.cluster.requestTimeoutMs, seed: 1)
            return Gateway(tools: tools, agent: runtime, decisionsPath: decisionsPath)
        } catch let error as GatewayError {
            throw error
        } catch {
            throw GatewayError(.setup, "\(error)")
        }
    }

    /// One tool call: the arguments checked, the act or check asked, the tool run only on
    /// an allow.
    public func call(_ name: String, arguments: [String: String]) async -> Answer {
        guard let spec = tools.first(where: { $0.name == name }) else {
            return record(name, arguments, nil, Answer(text: "unknown_tool: no tool named '\(name)'", isError: true, reason: "unknown_tool", ran: false))
        }
        let request: ToolRequest
        do {
            request = try ToolRequest(spec, arguments: arguments)
        } catch {
            return record(name, arguments, nil, Answer(text: "bad_arguments: \(error.message)", isError: true, reason: "bad_arguments", ran: false))
        }
        let question: ProgramRequest = spec.spends
            ? .act(id: 0, operation: request.operation, resource: request.resource, amount: request.amount)
            : .check(id: 0, operation: request.operation, resource: request.resource, amount: request.amount)
        let decision = await agent.perform(question)
        switch decision {
        case .actOK(_, let height, let requestID):
            return record(name, arguments, request, await run(spec, request, session: await agent.currentSession?.id.hex ?? "", act: (requestID, height)))
        case .checkOK(_, true, _, _, _):
            return record(name, arguments, request, await run(spec, request, session: await agent.currentSession?.id.hex ?? "", act: nil))
        case .checkOK(_, false, let reason, let node, let height):
            let code = reason ?? "denied"
            return record(name, arguments, request, Answer(text: "\(code): \(node) denied \(request.operation) on \(request.resource) at height \(height)",
                                                           isError: true, reason: code, ran: false))
        case .error(_, let code, let text):
            return record(name, arguments, request, Answer(text: "\(code): \(text)", isError: true, reason: code, ran: false))
        default:
            return record(name, arguments, request, Answer(text: "denied: unexpected answer", isError: true, reason: "denied", ran: false))
        }
    }

    /// Runs an allowed tool.
    func run(_ spec: ToolSpec, _ request: ToolRequest, session: String, act: (request: String, height: UInt64)?) async -> Answer {
        do {
            let text: String
            switch spec.kind {
            case .fileReader:
                text = try ShippedTools.readFile(root: spec.root ?? ".", path: request.arguments["path"] ?? "")
            case .payment:
                text = try ShippedTools.pay(ledger: spec.ledger ?? "payments.jsonl", payee: request.arguments["payee"] ?? request.resource, amount: request.amount,
                                            session: session, request: act?.request ?? "", height: act?.height ?? 0)
            case .command:
                text = try await ShippedTools.run(spec.command ?? [], arguments: request.arguments)
            }
            return Answer(text: text, isError: false, reason: nil, ran: true)
        } catch {
            return Answer(text: "tool_failed: \(error.message)", isError: true, reason: "tool_failed", ran: true)
        }
    }

    /// Logs one call and returns its answer.
    func record(_ tool: String, _ arguments: [String: String], _ request: ToolRequest?, _ answer: Answer) -> Answer {
        var line: [String: Any] = ["time_ms": UInt64(Date().timeIntervalSince1970 * 1_000), "tool": tool, "arguments": arguments,
                                   "decision": answer.reason == nil || answer.reason == "tool_failed" ? "allow" : "deny", "ran": answer.ran]
        if let request { line["operation"] = request.operation; line["resource"] = request.resource; line["amount"] = request.amount }
        if let reason = answer.reason { line["reason"] = reason }
        if let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]) { decisions?.write(data + Data("\n".utf8)) }
        return answer
    }
}
