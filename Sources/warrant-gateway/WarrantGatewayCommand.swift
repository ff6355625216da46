import ArgumentParser
import Foundation
import MCP
import WarrantGateway

/// `warrant-gateway --dir CLUSTER --agent NAME --tools FILE`: an MCP server (stdio) whose
/// tools run only when the agent's session allows them (docs/AGENTS.md).
@main
struct WarrantGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant-gateway",
        abstract: "An MCP server whose tools run only when an agent's Warrant session allows them.",
        discussion: "Speaks MCP over standard input and output (an MCP host starts it). Before a tool runs it asks the cluster: a committed act for a tool that spends, a local check otherwise; a denial is a tool error that starts with the reason code.")

    @Option(help: "The cluster directory of a running `warrant-coordinator up` (holding cluster.json).") var dir: String = "cluster"
    @Option(help: "The agent whose key and session the tools act under (a topology agent with behaviour = \"external\").") var agent: String
    @Option(help: "The tools file (TOML, docs/AGENTS.md).") var tools: String
    @Option(help: "Ask only this node (no failover): to see what one node does when cut off.") var node: String?
    @Option(help: "Log every call and decision here (JSON lines).") var decisions: String?
    @Option(help: "The agent's history (default: DIR/agents/AGENT/history.jsonl).") var history: String?
    @Option(help: "Serve MCP's Streamable HTTP on HOST:PORT (endpoint /mcp) instead of stdio, e.g. 127.0.0.1:8765.") var http: String?

    func run() async throws {
        let gateway: Gateway
        do {
            gateway = try Gateway.open(directory: dir, agentName: agent, toolsPath: tools, node: node, decisionsPath: decisions, historyPath: history)
        } catch {
            FileHandle.standardError.write(Data("warrant-gateway: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let specs = await gateway.tools
        let makeServer: @Sendable () async -> Server = { await Self.server(for: gateway, tools: specs) }
        if let http {
            guard let colon = http.lastIndex(of: ":"), let port = UInt16(http[http.index(after: colon)...]) else {
                throw ValidationError("--http: give HOST:PORT, e.g. 127.0.0.1:8765")
            }
            let host = String(http[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            FileHandle.standardError.write(Data("warrant-gateway: MCP over Streamable HTTP at http://\(http)/mcp\n".utf8))
            return try await serveStreamableHTTP(host: host, port: port, makeServer: makeServer)
        }
        let server = await makeServer()
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }

    /// An MCP server whose tools are the gateway's.
    static func server(for gateway: Gateway, tools specs: [ToolSpec]) async -> Server {
        let server = Server(name: "warrant-gateway", version: "1.0.0",
                            instructions: "Every tool runs under a Warrant session: a denied call returns an error whose text starts with the reason code.",
                            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            .init(tools: specs.map { spec in
                let properties = Dictionary(uniqueKeysWithValues: spec.arguments.map { name in
                    (name, Value.object(["type": .string(spec.numericArguments.contains(name) ? "integer" : "string")]))
                })
                return Tool(name: spec.name, description: "\(spec.description) [\(spec.spends ? "spends: a committed act" : "reads: a local check") of \(spec.operation) on \(spec.resource)]",
                            inputSchema: .object(["type": .string("object"), "properties": .object(properties),
                                                  "required": .array(spec.arguments.map { .string($0) })]))
            })
        }
        await server.withMethodHandler(CallTool.self) { params in
            var arguments: [String: String] = [:]
            for (name, value) in params.arguments ?? [:] {
                switch value {
                case .string(let text): arguments[name] = text
                case .int(let number): arguments[name] = String(number)
                case .double(let number) where number >= 0 && number == number.rounded(): arguments[name] = String(UInt64(number))
                default: arguments[name] = "\(value)"
                }
            }
            let answer = await gateway.call(params.name, arguments: arguments)
            return .init(content: [.text(answer.text)], isError: answer.isError)
        }
        return server
    }
}
