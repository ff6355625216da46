import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A value behind a lock: the standard library's `Mutex`, made visible to
/// ThreadSanitizer. On Linux `Mutex` is a futex inside the (uninstrumented) standard
/// library, so under `--sanitize=thread` every access it orders was reported as a race
/// (scripts/sanitize.sh) — hiding any real one. Each critical section tells the sanitizer
/// it acquired and released this lock; outside a sanitized process the hooks are absent
/// and cost one nil check.
public final class Locked<Value>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            let token = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
            SanitizerHooks.acquire?(token)
            defer { SanitizerHooks.release?(token) }
            return try body(&value)
        }
    }
}

/// ThreadSanitizer's annotation entry points, when this process has them.
enum SanitizerHooks {
    typealias Hook = @convention(c) (UnsafeRawPointer?) -> Void
    /// Looked up once; immutable after. (C function pointers are not `Sendable`-checked;
    /// these are read-only for the life of the process.)
    nonisolated(unsafe) static let acquire: Hook? = lookup("__tsan_acquire")
    nonisolated(unsafe) static let release: Hook? = lookup("__tsan_release")

    static func lookup(_ name: String) -> Hook? {
        // dlsym with a null handle is RTLD_DEFAULT: every object loaded in the process.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: Hook.self)
    }
}
