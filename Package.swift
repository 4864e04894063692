// swift-tools-version:6.0
// The order bridge: signed order webhooks in, organisation-scoped WebSocket rooms out.
import PackageDescription

let package = Package(
    name: "order-bridge",
    products: [
        .executable(name: "bridge", targets: ["bridge"])
    ],
    targets: [
        // C libraries from Debian, reached through module maps and thin shim headers.
        .systemLibrary(name: "CLibWebSockets", pkgConfig: "libwebsockets"),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto"),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl"),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis"),
        .systemLibrary(name: "CMalloc"),

        // Pure logic: no I/O, no C imports.
        .target(name: "BridgeCore"),

        // Adapters, one per C library.
        .target(name: "BridgeCrypto", dependencies: ["BridgeCore", "COpenSSL"]),
        .target(name: "BridgeStore", dependencies: ["BridgeCore", "CSQLite", "CPostgres"]),
        .target(
            name: "BridgeServer",
            dependencies: ["BridgeCore", "BridgeCrypto", "BridgeStore", "CLibWebSockets"]
        ),
        .target(name: "BridgeDelivery", dependencies: ["BridgeCore", "CCurl"]),
        .target(name: "BridgeBroker", dependencies: ["BridgeCore", "CHiredis"]),

        // Wiring and the command line.
        .executableTarget(
            name: "bridge",
            dependencies: [
                "BridgeCore", "BridgeCrypto", "BridgeStore", "BridgeServer", "BridgeDelivery", "BridgeBroker",
                "CMalloc",
            ]
        ),

        .testTarget(name: "BridgeCoreTests", dependencies: ["BridgeCore", "BridgeCrypto"]),
        .testTarget(name: "BridgeStoreTests", dependencies: ["BridgeCore", "BridgeStore"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["BridgeCore", "BridgeCrypto"]
        ),
    ]
)
