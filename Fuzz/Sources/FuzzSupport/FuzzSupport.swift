import Foundation

/// libFuzzer's driver (the fuzzer runtime without its `main`, which scripts/fuzz.sh links):
/// SwiftPM gives every executable Swift's `main`, which hands over to it.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// Runs libFuzzer with the process's arguments; never returns.
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runFuzzerDriver(&argc, &argv, callback))
}

/// The fuzzer's bytes as a source of choices: each read takes what it needs and yields
/// zeros once the input runs out, so every input is a valid (if short) program.
public struct FuzzInput {
    let bytes: [UInt8]
    var offset = 0

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    public var isEmpty: Bool { offset >= bytes.count }

    public mutating func byte() -> UInt8 {
        defer { offset += 1 }
        return offset < bytes.count ? bytes[offset] : 0
    }

    /// A number below `bound` (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(byte()) % bound }

    public mutating func uint(_ width: Int = 8) -> UInt64 {
        (0..<width).reduce(0) { value, _ in value << 8 | UInt64(byte()) }
    }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}
