import Foundation

/// The tools that ship with the gateway. Each runs only after the gateway got an allow
/// (a local check, or a committed act for one that spends); each returns its text result.
public enum ShippedTools {
    /// The file's text, if `path` (relative) stays under `root` once resolved — symbolic
    /// links included. At most 1 MiB.
    public static func readFile(root: String, path: String) throws(GatewayError) -> String {
        let base = URL(fileURLWithPath: root).resolvingSymlinksInPath().standardizedFileURL.path
        let target = URL(fileURLWithPath: base).appendingPathComponent(path).resolvingSymlinksInPath().standardizedFileURL.path
        guard target.hasPrefix(base + "/") else { throw GatewayError(.toolFailed, "\(path) is outside the tool's directory") }
        guard let data = FileManager.default.contents(atPath: target) else { throw GatewayError(.toolFailed, "\(path): no such file") }
        guard data.count <= 1 << 20 else { throw GatewayError(.toolFailed, "\(path): \(data.count) bytes; the tool reads at most 1 MiB") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Appends one payment to `ledger` (it moves no money: a run compares the ledger with
    /// the committed budget).
    public static func pay(ledger: String, payee: String, amount: UInt64, session: String, request: String, height: UInt64) throws(GatewayError) -> String {
        let line = (try? JSONSerialization.data(withJSONObject: ["payee": payee, "amount": amount, "session": session, "request": request,
                                                                 "height": height, "time_ms": UInt64(Date().timeIntervalSince1970 * 1_000)],
                                                options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        if !FileManager.default.fileExists(atPath: ledger) { _ = FileManager.default.createFile(atPath: ledger, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: ledger) else { throw GatewayError(.toolFailed, "\(ledger): cannot open the payment ledger") }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(line + Data("\n".utf8))
        return "paid \(amount) to \(payee) (request \(request.prefix(16)), committed at height \(height))"
    }

    /// Runs `command` with `arguments` as a JSON object on its standard input; its standard
    /// output is the result (a non-zero exit is a failure). At most 10 s.
    static func run(_ command: [String], arguments: [String: String]) async throws(GatewayError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw GatewayError(.toolFailed, "\(command[0]): \(error.localizedDescription)")
        }
        // Its output is read while it runs, so that a long one cannot fill the pipe and stall.
        let reading = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        input.fileHandleForWriting.write((try? JSONSerialization.data(withJSONObject: arguments, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
        try? input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            throw GatewayError(.toolFailed, "\(command[0]) did not finish within 10 s")
        }
        let text = String(decoding: await reading.value, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw GatewayError(.toolFailed, "\(command[0]) exited with status \(process.terminationStatus)") }
        return text
    }
}
