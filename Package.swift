// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Warrant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "warrant-coordinator", targets: ["warrant-coordinator"]),
        .executable(name: "warrant-bench", targets: ["warrant-bench"]),
        .library(name: "WarrantCrypto", targets: ["WarrantCrypto"]),
        .library(name: "WarrantWire", targets: ["WarrantWire"]),
        .library(name: "WarrantTransport", targets: ["WarrantTransport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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

        .target(name: "WarrantCrypto", dependencies: ["CSodium"]),
        .target(name: "WarrantWire", dependencies: ["WarrantCrypto"]),
        .target(name: "WarrantTransport", dependencies: ["CNNG"]),

        .executableTarget(
            name: "warrant-coordinator",
            dependencies: [
                "WarrantCrypto", "WarrantWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "warrant-bench",
            dependencies: ["WarrantCrypto", "WarrantWire", "WarrantTransport"]
        ),

        .testTarget(name: "WarrantCryptoTests", dependencies: ["WarrantCrypto"]),
        .testTarget(name: "WarrantWireTests", dependencies: ["WarrantWire", "WarrantCrypto"]),
        .testTarget(name: "WarrantTransportTests", dependencies: ["WarrantTransport"]),
    ],
    swiftLanguageModes: [.v6]
)
