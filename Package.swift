// swift-tools-version:6.0
import PackageDescription

/// Settings every target shares: Swift 6 language mode, strict concurrency.
var swiftSettings: [SwiftSetting] {
    [.enableUpcomingFeature("ExistentialAny")]
}

let vapor: Target.Dependency = .product(name: "Vapor", package: "vapor")
let fluent: Target.Dependency = .product(name: "Fluent", package: "fluent")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")

let package = Package(
    name: "tinhso",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tinhso", targets: ["tinhso"]),
        .library(name: "VNCalendar", targets: ["VNCalendar"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.115.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.8.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.10.0"),
        // Already resolved through the SQLite driver; the attachment store keeps its index with it.
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.9.0"),
        // Already resolved through the PostgreSQL driver; bulk inserts bind values through it directly.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Already resolved through Vapor; named here for the SMTP client (sockets, STARTTLS).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        // Already resolved through Vapor; the gateway forwards with it (pooled connections, timeouts).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.19.0"),
    ],
    targets: [
        .executableTarget(name: "tinhso", dependencies: ["App"], swiftSettings: swiftSettings),
        .target(
            name: "App",
            dependencies: [
                "Kernel", "WebUI", "Directory", "Identity", "Procedures", "WorkCalendar", "OneStop", "Indicators", "Exchange", "NationalSim",
                vapor, fluent, nioPosix, nioSSL,
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Kernel",
            dependencies: [
                vapor, fluent, nioPosix, .product(name: "SQLiteNIO", package: "sqlite-nio"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "WebUI", dependencies: ["Kernel", vapor], swiftSettings: swiftSettings),
        .target(name: "VNCalendar", resources: [.copy("Resources")], swiftSettings: swiftSettings),
        .target(
            name: "Directory", dependencies: ["Kernel", "WebUI", vapor, fluent],
            resources: [.copy("Resources")], swiftSettings: swiftSettings),
        .target(
            name: "Identity", dependencies: ["Kernel", "WebUI", "Directory", vapor, fluent],
            swiftSettings: swiftSettings),
        .target(
            name: "Procedures", dependencies: ["Kernel", "WebUI", "Directory", "Identity", vapor, fluent],
            resources: [.copy("Resources")], swiftSettings: swiftSettings),

        .target(
            name: "WorkCalendar", dependencies: ["Kernel", "WebUI", "Directory", "Identity", "VNCalendar", vapor, fluent],
            swiftSettings: swiftSettings),

        .target(
            name: "OneStop",
            dependencies: [
                "Kernel", "WebUI", "Directory", "Identity", "Procedures", "WorkCalendar", "VNCalendar", vapor, fluent,
                nioPosix, nioSSL, .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings),

        .target(
            name: "Indicators",
            dependencies: ["Kernel", "WebUI", "Directory", "Identity", "Procedures", "OneStop", vapor, fluent],
            swiftSettings: swiftSettings),

        .target(
            name: "Exchange",
            dependencies: [
                "Kernel", "WebUI", "Directory", "Identity", vapor, fluent, nioPosix, nioSSL, .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        // The national systems' stand-in for demos and tests (`tinhso simulate national`).
        .target(name: "NationalSim", dependencies: ["Kernel", vapor], swiftSettings: swiftSettings),

        // Benchmarks (bench/run): release builds that print rates and ratios against a baseline.
        .executableTarget(name: "calendar-bench", dependencies: ["VNCalendar"], path: "bench/Sources/calendar-bench", swiftSettings: swiftSettings),
        .executableTarget(name: "catalog-bench", dependencies: ["App"], path: "bench/Sources/catalog-bench", swiftSettings: swiftSettings),
        .executableTarget(name: "onestop-bench", dependencies: ["App"], path: "bench/Sources/onestop-bench", swiftSettings: swiftSettings),
        .executableTarget(name: "indicators-bench", dependencies: ["App", "Indicators"], path: "bench/Sources/indicators-bench", swiftSettings: swiftSettings),
        .executableTarget(
            name: "exchange-bench", dependencies: ["App", "Exchange", nioPosix, .product(name: "AsyncHTTPClient", package: "async-http-client")], path: "bench/Sources/exchange-bench", swiftSettings: swiftSettings),
        .executableTarget(name: "queue-bench", dependencies: ["App"], path: "bench/Sources/queue-bench", swiftSettings: swiftSettings),

        .target(
            name: "TestSupport",
            dependencies: ["App", .product(name: "VaporTesting", package: "vapor")],
            path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "AppTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DirectoryTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "IdentityTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ProceduresTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OneStopTests", dependencies: ["TestSupport", "Exchange", "NationalSim", nioPosix, nioSSL,
                                                   .product(name: "NIOEmbedded", package: "swift-nio")], swiftSettings: swiftSettings),
        .testTarget(name: "IndicatorsTests", dependencies: ["TestSupport", "Indicators"], swiftSettings: swiftSettings),
        .testTarget(name: "ExchangeTests", dependencies: ["TestSupport", "Exchange", "NationalSim", nioPosix, nioSSL, .product(name: "NIOHTTP1", package: "swift-nio"),
                                                   .product(name: "AsyncHTTPClient", package: "async-http-client")], swiftSettings: swiftSettings),
        .testTarget(name: "WorkCalendarTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "VNCalendarTests", dependencies: ["VNCalendar"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
