import Foundation

/// The Linux side of `--netns`: making and removing a layout's namespaces, veth pairs and
/// nftables tables (through `ip`, `nsenter` and `nft`, which must be on PATH and run as
/// root) and moving this process into the bridge's namespace; `Reaper` removes them
/// when the coordinator dies, SIGKILL included.
public enum Netns {
    /// Set in the coordinator's environment once it runs inside its bridge namespace.
    public static let insideVariable = "WARRANT_NETNS"

    /// Fails unless this process can make namespaces and rules.
    public static func requireTools() throws(CoordinatorError) {
        guard geteuid() == 0 else {
            throw CoordinatorError(.network, "--netns needs root: it makes network namespaces, veth pairs and nftables rules")
        }
        for (tool, package) in [("ip", "iproute2"), ("nft", "nftables"), ("nsenter", "util-linux")] where which(tool) == nil {
            throw CoordinatorError(.network, "--netns needs '\(tool)' on PATH: install Debian's \(package) (scripts/bootstrap.sh does)")
        }
    }

    /// Makes the bridge namespace (with the coordinator's address) and one namespace per
    /// node and agent, each with loopback up, a veth pair to the bridge, its address, an
    /// empty `inet warrant` nftables table hooked on input and output, and TCP settings
    /// that bring a link back within a second of a heal. On failure, removes what it made.
    public static func create(_ layout: NetnsLayout) throws(CoordinatorError) {
        do {
            try ip(["netns", "add", layout.bridge])
            try ip(["-n", layout.bridge, "link", "set", "lo", "up"])
            try ip(["-n", layout.bridge, "link", "add", "br0", "type", "bridge"])
            try ip(["-n", layout.bridge, "addr", "add", "\(layout.bridgeAddress)/24", "dev", "br0"])
            try ip(["-n", layout.bridge, "link", "set", "br0", "up"])
            for host in layout.all {
                try ip(["netns", "add", host.namespace])
                try ip(["-n", host.namespace, "link", "set", "lo", "up"])
                try ip(["-n", layout.bridge, "link", "add", host.device, "type", "veth", "peer", "name", "eth0", "netns", host.namespace])
                try ip(["-n", layout.bridge, "link", "set", host.device, "master", "br0", "up"])
                try ip(["-n", host.namespace, "addr", "add", "\(host.address)/24", "dev", "eth0"])
                try ip(["-n", host.namespace, "link", "set", "eth0", "up"])
                // Retransmissions at most a second apart (so a healed link resumes within one),
                // and no giving up on a connection during a long one-way cut.
                let tcp = "[ -w /proc/sys/net/ipv4/tcp_rto_max_ms ] && echo 1000 > /proc/sys/net/ipv4/tcp_rto_max_ms; echo 60 > /proc/sys/net/ipv4/tcp_retries2"
                try run(["nsenter", "--net=/run/netns/\(host.namespace)", "--", "sh", "-c", tcp])
            }
            for node in layout.nodes {
                try nft(in: node.namespace, NetworkFaults.emptyTable)
            }
        } catch {
            _ = remove(owner: layout.owner)
            throw error
        }
    }

    /// Kills whatever still runs in the owner's namespaces (but `sparing`), then deletes
    /// them: their veth pairs, bridge and nftables tables go with them. Returns the
    /// namespaces removed.
    @discardableResult
    public static func remove(owner: Int32, sparing: Int32? = nil) -> [String] {
        let prefix = NetnsLayout.prefix(owner: owner)
        let mine = list().filter { $0.hasPrefix(prefix) }
        for namespace in mine {
            let pids = ((try? run(["ip", "netns", "pids", namespace])) ?? "").split(separator: "\n").compactMap { Int32($0) }
            for pid in pids where pid != sparing && pid != getpid() { kill(pid, SIGKILL) }
        }
        for namespace in mine { _ = try? ip(["netns", "delete", namespace]) }
        return mine
    }

    /// Removes every namespace whose owner is no longer a running coordinator (one killed
    /// before its reaper could act). Returns what it removed.
    @discardableResult
    public static func sweep() -> [String] {
        let owners = Set(list().compactMap(NetnsLayout.owner(ofNamespace:)))
        var removed: [String] = []
        for owner in owners where !isCoordinator(owner) {
            removed += remove(owner: owner)
        }
        return removed
    }

    /// Whether this process already runs in `namespace`.
    public static func isInside(_ namespace: String) -> Bool {
        var mine = stat(), theirs = stat()
        guard stat("/proc/self/ns/net", &mine) == 0, stat("/run/netns/\(namespace)", &theirs) == 0 else { return false }
        return mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev
    }

    /// Moves this process into `namespace` and starts it again there with the same
    /// arguments (and `insideVariable` set): a namespace switch holds only for the thread
    /// that makes it, and an exec makes that thread the whole process, keeping its id.
    public static func enter(_ namespace: String, environment: [String: String] = [:]) throws(CoordinatorError) -> Never {
        let fd = open("/run/netns/\(namespace)", O_RDONLY)
        guard fd >= 0, setNetworkNamespace(fd) == 0 else {
            throw CoordinatorError(.network, "cannot enter network namespace \(namespace): \(String(cString: strerror(errno)))")
        }
        for (key, value) in environment.merging([insideVariable: namespace], uniquingKeysWith: { a, _ in a }) {
            setenv(key, value, 1)
        }
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        throw CoordinatorError(.network, "cannot restart inside \(namespace): \(String(cString: strerror(errno)))")
    }

    /// The command line that runs `executable` inside `namespace`: nsenter joins it and
    /// then execs the program, so the child keeps the process id the coordinator signals.
    public static func wrap(_ executable: String, _ arguments: [String], in namespace: String) -> (String, [String]) {
        (which("nsenter") ?? "/usr/bin/nsenter", ["--net=/run/netns/\(namespace)", "--", executable] + arguments)
    }

    /// Removes this owner's namespaces once their processes are gone (the reaper's part
    /// for `--netns`): the children saw the same end of file and exit on their own.
    static func removeWhenIdle(owner: Int32) -> [String] {
        let prefix = NetnsLayout.prefix(owner: owner)
        for _ in 0..<50 {
            let busy = list().filter { $0.hasPrefix(prefix) && !$0.hasSuffix("-br") }.contains { namespace in
                !((try? run(["ip", "netns", "pids", namespace])) ?? "").isEmpty
            }
            if !busy { break }
            usleep(100_000)
        }
        return remove(owner: owner, sparing: getpid())
    }

    /// Loads an nftables script into `namespace`; returns what it printed (its `list`s).
    @discardableResult
    static func nft(in namespace: String, _ script: String) throws(CoordinatorError) -> String {
        try run(["nsenter", "--net=/run/netns/\(namespace)", "--", "nft", "-f", "-"], input: script)
    }

    /// The packets a table's rules dropped, from its `nft list` text (`counter packets N`).
    public static func droppedPackets(inListing text: String) -> UInt64 {
        let words = text.split(whereSeparator: \.isWhitespace)
        return zip(words, words.dropFirst()).reduce(0) { sum, pair in pair.0 == "packets" ? sum + (UInt64(pair.1) ?? 0) : sum }
    }

    static func list() -> [String] {
        ((try? run(["ip", "netns", "list"])) ?? "").split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// glibc's `setns(fd, CLONE_NEWNET)`, which Swift's Glibc module does not export
    /// (it is declared only under _GNU_SOURCE).
    private static func setNetworkNamespace(_ fd: Int32) -> Int32 {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return -1 }
        let cloneNewNet: Int32 = 0x4000_0000
        return unsafeBitCast(symbol, to: SetNS.self)(fd, cloneNewNet)
    }

    static func isCoordinator(_ pid: Int32) -> Bool {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") else { return false }
        return exe.hasSuffix("/warrant-coordinator")
    }

    private static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"])
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @discardableResult
    private static func ip(_ arguments: [String]) throws(CoordinatorError) -> String {
        try run(["ip"] + arguments)
    }

    /// Runs a tool to completion; its standard output, or an error with its standard error.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws(CoordinatorError) -> String {
        guard let tool = which(arguments[0]) else { throw CoordinatorError(.network, "'\(arguments[0])' is not on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = Array(arguments.dropFirst())
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        do {
            try process.run()
        } catch {
            throw CoordinatorError(.network, "\(arguments.joined(separator: " ")): \(error.localizedDescription)")
        }
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CoordinatorError(.network, "\(arguments.joined(separator: " ")) failed: \(message)")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
