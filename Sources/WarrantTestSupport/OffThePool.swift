import Dispatch

/// Runs CPU-bound synchronous work (a simulation, a long property run) on a GCD thread
/// rather than on Swift's cooperative pool. The pool has one thread per core — two here —
/// so tests that compute for seconds would otherwise starve the tests that await real
/// sockets, which then time out for no fault of their own.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
