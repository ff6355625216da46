// swift-tools-version: 6.0
// libFuzzer targets for Warrant (docs/RELIABILITY.md). A package of its own so that the
// main build never sees an executable without `main`: build and run with scripts/fuzz.sh
// (scratch path .build-fuzz, -sanitize=fuzzer,address).
import PackageDescription

let package = Package(
    name: "WarrantFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Warrant", path: "..")],
    targets: [
        // libFuzzer's driver and a reader of choices from the fuzzer's bytes.
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzWire",
            dependencies: ["FuzzSupport", .product(name: "WarrantWire", package: "Warrant"), .product(name: "WarrantCrypto", package: "Warrant")]
        ),
        .executableTarget(
            name: "FuzzLedger",
            dependencies: ["FuzzSupport", .product(name: "WarrantLedger", package: "Warrant"), .product(name: "WarrantWire", package: "Warrant"),
                           .product(name: "WarrantCrypto", package: "Warrant")]
        ),
        .executableTarget(
            name: "FuzzConsensus",
            dependencies: ["FuzzSupport", .product(name: "WarrantConsensus", package: "Warrant"), .product(name: "WarrantWire", package: "Warrant"),
                           .product(name: "WarrantCrypto", package: "Warrant")]
        ),
        .executableTarget(
            name: "FuzzClient",
            dependencies: ["FuzzSupport", .product(name: "WarrantReplica", package: "Warrant"), .product(name: "WarrantLedger", package: "Warrant"),
                           .product(name: "WarrantConsensus", package: "Warrant"), .product(name: "WarrantWire", package: "Warrant"),
                           .product(name: "WarrantCrypto", package: "Warrant")]
        ),
    ]
)
