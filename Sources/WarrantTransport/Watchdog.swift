import Foundation

/// Process lifetime helpers for Warrant's executables (node, agent, coordinator).
public enum Watchdog {
    /// Exits the process when `fd` reaches end of file: the parent holds the write end of
    /// a pipe, so when the parent dies — even by SIGKILL — the child follows
    /// (PR_SET_PDEATHSIG fires when the spawning thread exits, unreliable under Swift
    /// concurrency).
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

    /// Makes SIGINT and SIGTERM end the process at once, whatever the parent set (a
    /// script's background job starts with SIGINT ignored). No cleanup is needed: a node's
    /// database is safe at any instant, and children follow through their watchdog pipes.
    /// (A dispatch-source handler for these signals was seen never to run in a coordinator
    /// started in the background by a script, so none is installed.)
    public static func dieOnSignals() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
