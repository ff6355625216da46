import WarrantSync

/// Counts permits for requests in flight; `acquire` suspends (without blocking a
/// thread) while none are free. `close` wakes every waiter with `false`.
final class AsyncSemaphore: Sendable {
    private struct State {
        var permits: Int
        var waiters: [CheckedContinuation<Bool, Never>] = []
        var closed = false
    }

    private let state: Locked<State>

    init(permits: Int) { state = Locked(State(permits: permits)) }

    /// True once a permit is held; false if the semaphore was closed.
    func acquire() async -> Bool {
        await withCheckedContinuation { continuation in
            let resumeNow: Bool? = state.withLock { state in
                if state.closed { return false }
                if state.permits > 0 {
                    state.permits -= 1
                    return true
                }
                state.waiters.append(continuation)
                return nil
            }
            if let resumeNow { continuation.resume(returning: resumeNow) }
        }
    }

    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.permits += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: true)
    }

    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: false) }
    }
}
