// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Warrant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "warrant-coordinator", targets: ["warrant-coordinator"]),
        .executable(name: "warrant-bench", targets: ["warrant-bench"]),
        .executable(name: "warrant-node", targets: ["warrant-node"]),
        .executable(name: "warrant-agent", targets: ["warrant-agent"]),
        .executable(name: "warrant-gateway", targets: ["warrant-gateway"]),
        .library(name: "WarrantCrypto", targets: ["WarrantCrypto"]),
        .library(name: "WarrantWire", targets: ["WarrantWire"]),
        .library(name: "WarrantTransport", targets: ["WarrantTransport"]),
        .library(name: "WarrantLedger", targets: ["WarrantLedger"]),
        .library(name: "WarrantStorage", targets: ["WarrantStorage"]),
        .library(name: "WarrantConsensus", targets: ["WarrantConsensus"]),
        .library(name: "WarrantNode", targets: ["WarrantNode"]),
        .library(name: "WarrantReplica", targets: ["WarrantReplica"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
    ],
    targets: [
        // C shims. libsodium has a pkg-config file; Debian's libnng-dev does not, so its
        // module map links "nng" directly.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CNNG",
            providers: [.apt(["libnng-dev"])]
        ),
        // glibc's malloc.h (allocator statistics); nothing to link.
        .systemLibrary(name: "CMalloc"),

        // The one error shape (WarrantError<Code>), below every other module.
        .target(name: "WarrantErrors"),
        // The standard library's Mutex, made visible to ThreadSanitizer.
        .target(name: "WarrantSync"),
        .target(name: "WarrantCrypto", dependencies: ["WarrantErrors", "CSodium"]),
        // The one vocabulary of misbehaviour (Byzantine behaviours, planted bugs): names only.
        .target(name: "WarrantFaults", dependencies: ["WarrantErrors"]),
        .target(name: "WarrantWire", dependencies: ["WarrantCrypto"]),
        // The published wire test vectors, built from fixed seeds (not part of any node).
        .target(name: "WarrantVectors", dependencies: ["WarrantWire", "WarrantCrypto"]),
        .target(name: "WarrantTransport", dependencies: ["WarrantSync", "WarrantErrors", "CNNG"]),
        // Pure session state machine: no I/O, no clock, no tasks.
        .target(
            name: "WarrantLedger",
            dependencies: ["WarrantErrors", "WarrantFaults", "WarrantWire", "WarrantCrypto", .product(name: "HeapModule", package: "swift-collections")]
        ),
        // Pure Tendermint core: no I/O, no clock, no tasks, no keys.
        .target(name: "WarrantConsensus", dependencies: ["WarrantFaults", "WarrantWire", "WarrantCrypto"]),
        // The history schema (JSON lines): written by agents, coordinator and simulator.
        .target(name: "WarrantHistory"),
        // The checkers of the rules over a history, shared by simulator and real runs.
        .target(name: "WarrantCheck", dependencies: ["WarrantHistory", "WarrantLedger", "WarrantWire", "WarrantCrypto"]),
        // The deterministic in-process cluster simulator (seeded), with adversaries.
        .target(
            name: "WarrantSim",
            dependencies: ["WarrantErrors", "WarrantHistory", "WarrantFaults", "WarrantReplica", "WarrantConsensus", "WarrantLedger", "WarrantCheck", "WarrantWire", "WarrantCrypto",
                           .product(name: "HeapModule", package: "swift-collections")]
        ),
        // The one replica: edge, directives, catch-up, restart, rule 4's evidence; generic
        // over its store and signature scheme, driven by nodes, the simulator and tests.
        .target(name: "WarrantReplica", dependencies: ["WarrantErrors", "WarrantFaults", "WarrantConsensus", "WarrantLedger", "WarrantWire", "WarrantCrypto"]),
        .target(
            name: "WarrantStorage",
            dependencies: ["WarrantSync", "WarrantErrors", "WarrantLedger", "WarrantConsensus", "WarrantWire", .product(name: "GRDB", package: "GRDB.swift")]
        ),

        .executableTarget(
            name: "warrant-coordinator",
            dependencies: [
                "WarrantConformance", "WarrantFaults", "WarrantCrypto", "WarrantWire", "WarrantVectors", "WarrantSim", "WarrantCheck", "WarrantTopology", "WarrantTransport",
                "WarrantCoordinator", "WarrantStorage", "WarrantLedger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Deterministic workloads and helpers shared by tests and the test-kit executable.
        .target(name: "WarrantTestSupport", dependencies: ["WarrantLedger", "WarrantWire", "WarrantCrypto", "WarrantSim", "WarrantNode", "WarrantReplica", "WarrantConsensus", "WarrantStorage"]),
        // Child processes for crash tests (killed with SIGKILL mid-work by the tests).
        .target(
            name: "WarrantTopology",
            dependencies: ["WarrantFaults", "WarrantConsensus", "WarrantLedger", "WarrantWire", "WarrantCrypto", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .target(
            name: "WarrantNode",
            dependencies: ["CMalloc", "WarrantSync", "WarrantFaults", "WarrantReplica", "WarrantConsensus", "WarrantLedger", "WarrantStorage", "WarrantWire", "WarrantCrypto", "WarrantTransport",
                           "WarrantTopology", .product(name: "Logging", package: "swift-log"),
                           .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox")]
        ),
        .target(
            name: "WarrantAgent",
            dependencies: ["WarrantSync", "WarrantErrors", "WarrantHistory", "WarrantTopology", "WarrantTransport", "WarrantWire", "WarrantCrypto", "WarrantLedger"]
        ),
        .target(
            name: "WarrantCoordinator",
            dependencies: ["WarrantSync", "WarrantErrors", "WarrantHistory", "WarrantFaults", "WarrantTopology", "WarrantTransport", "WarrantWire", "WarrantCrypto", "WarrantCheck", "WarrantLedger",
                           "WarrantStorage", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        // Protocol conformance suites: any client endpoint or validator against the protocol.
        .target(
            name: "WarrantConformance",
            dependencies: ["WarrantSync", "WarrantCoordinator", "WarrantVectors", "WarrantTopology", "WarrantLedger", "WarrantWire", "WarrantCrypto", "WarrantTransport"]
        ),
        .executableTarget(
            name: "warrant-node",
            dependencies: ["WarrantFaults", "WarrantNode", "WarrantReplica", "WarrantTopology", "WarrantTransport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "warrant-agent",
            dependencies: ["WarrantAgent", "WarrantTopology", "WarrantCrypto", "WarrantTransport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Tools that run only when a session allows them: configuration, decisions, the
        // shipped tools (no MCP here, so it is tested without a host).
        .target(
            name: "WarrantGateway",
            dependencies: ["WarrantErrors", "WarrantAgent", "WarrantCoordinator", "WarrantTopology", "WarrantCrypto", "WarrantWire", "WarrantHistory",
                           .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The MCP server in front of WarrantGateway (stdio, or Streamable HTTP on FlyingFox).
        .executableTarget(
            name: "warrant-gateway",
            dependencies: ["WarrantGateway", .product(name: "MCP", package: "swift-sdk"),
                           .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "warrant-testkit",
            dependencies: ["WarrantTestSupport", "WarrantStorage", "WarrantLedger", "WarrantNode", "WarrantReplica", "WarrantConsensus"]
        ),
        .executableTarget(
            name: "warrant-bench",
            dependencies: ["WarrantCrypto", "WarrantWire", "WarrantTransport", "WarrantLedger", "WarrantStorage", "WarrantTestSupport",
                           "WarrantCoordinator"]
        ),

        .testTarget(name: "WarrantCryptoTests", dependencies: ["WarrantCrypto"]),
        .testTarget(name: "WarrantWireTests", dependencies: ["WarrantWire", "WarrantVectors", "WarrantCrypto", "WarrantTestSupport"]),
        .testTarget(name: "WarrantTransportTests", dependencies: ["WarrantTransport", "WarrantTestSupport"]),
        .testTarget(
            name: "WarrantLedgerTests",
            dependencies: ["WarrantLedger", "WarrantWire", "WarrantCrypto", "WarrantTestSupport",
                           .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "WarrantConsensusTests",
            dependencies: ["WarrantConsensus", "WarrantWire", "WarrantCrypto", "WarrantTestSupport"],
            exclude: ["Scenarios"]
        ),
        .testTarget(
            name: "WarrantSimTests",
            dependencies: ["WarrantHistory", "WarrantFaults", "WarrantSim", "WarrantCheck", "WarrantLedger", "WarrantWire", "WarrantCrypto", "WarrantTestSupport"]
        ),
        .testTarget(name: "WarrantTopologyTests", dependencies: ["WarrantTopology"]),
        .testTarget(name: "WarrantConformanceTests", dependencies: ["WarrantConformance", "WarrantLedger", "WarrantWire"]),
        .testTarget(name: "WarrantGatewayTests", dependencies: ["WarrantGateway", "WarrantTopology"]),
        .testTarget(name: "WarrantAgentTests", dependencies: ["WarrantSync", "WarrantAgent", "WarrantHistory", "WarrantTopology", "WarrantWire", "WarrantCrypto"]),
        .testTarget(name: "WarrantCoordinatorTests", dependencies: ["WarrantCoordinator", "WarrantTopology", "WarrantWire", "WarrantCrypto"]),
        .testTarget(
            name: "WarrantNodeTests",
            dependencies: ["WarrantFaults", "WarrantNode", "WarrantReplica", "WarrantConsensus", "WarrantStorage", "WarrantLedger", "WarrantWire",
                           "WarrantCrypto", "WarrantTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "WarrantStorageTests",
            dependencies: ["WarrantStorage", "WarrantLedger", "WarrantWire", "WarrantTestSupport",
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
