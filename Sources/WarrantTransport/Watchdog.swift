import Foundation

/// Process lifetime helpers for Warrant's executables (node, agent, coordinator).
public enum Watchdog {
    /// Exits the process when `fd` reaches end of file: the parent holds the write end of
    /// a pipe, so when the parent dies — even by SIGKILL — the child follows
    /// (PR_SET_PDEATHSIG is unreliable under Swift concurrency; TOOLCHAIN.md).
    public static func exitOnEndOfFile(_ fd: Int32) {
        let thread = Thread {
            var byte: UInt8 = 0
            while read(fd, &byte, 1) > 0 {}
            FileHandle.standardError.write(Data("watchdog pipe closed: exiting\n".utf8))
            // At once: the database is safe at any instant (WAL, one transaction per write).
            _exit(0)
        }
        thread.start()
    }

    /// Runs `handler` on SIGINT or SIGTERM. Keep the returned sources alive as long as
    /// the handler should stay installed.
    public static func onSignals(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }
}
