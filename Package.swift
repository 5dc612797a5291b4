// swift-tools-version:6.0
import PackageDescription

// Layout: pure-Swift libraries hold the logic (JSONCodec, SyncCore, StreamIO, TimeFormats,
// Retrying, WarehouseCore, Extraction, …);
// each C library is imported by exactly one adapter (PostgresWarehouse → libpq,
// ODBCWarehouse → unixODBC, CurlHTTP → libcurl, SQLiteDatabase → SQLite, RedisClient →
// hiredis); ToolRuntime is the only library that sees ArgumentParser; executables are thin
// mains. Every target declares exactly the modules it imports.
// Lifetimes: the codec and the stream layer return `Span` views whose lifetime the compiler
// checks (a view of a tape or a buffer cannot outlive it), so no module above needs a pointer.
let spanViews: [SwiftSetting] = [.enableExperimentalFeature("Lifetimes")]

let package = Package(
    name: "conversion-warehouse-sync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "wh-extract", targets: ["wh-extract"]),
        .executable(name: "cv-map", targets: ["cv-map"]),
        .executable(name: "cv-dedupe", targets: ["cv-dedupe"]),
        .executable(name: "cv-emulator", targets: ["cv-emulator"]),
        .executable(name: "cv-load", targets: ["cv-load"]),
        .executable(name: "cv-run", targets: ["cv-run"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
    ],
    targets: [
        // System libraries (Debian: libpq-dev, unixodbc-dev, libcurl4-openssl-dev).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CUnixODBC", pkgConfig: "odbc", providers: [.apt(["unixodbc-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite3", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, a flag SwiftPM warns about and the
        // default include path already holds <hiredis/hiredis.h>.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),

        // Pure Swift core.
        .target(name: "JSONCodec", swiftSettings: spanViews),
        // Tool support: exit statuses and errors, diagnostics and progress, the signal watcher, the version.
        .target(name: "SyncCore", dependencies: ["JSONCodec"], swiftSettings: spanViews),
        // Stored hashes (keys, content), FNV-1a, the Bloom filter, a seeded generator.
        .target(name: "Hashing", dependencies: ["JSONCodec"], swiftSettings: spanViews),
        // Threads handing work over: a bounded blocking queue, a lock that sleeps.
        .target(name: "Concurrency"),
        // Bytes in and out: line and NDJSON readers, the output sink, files, the reject vocabulary
        // and rejects files, stats.
        .target(name: "StreamIO", dependencies: ["SyncCore", "JSONCodec"], swiftSettings: spanViews),
        // Timestamps and epoch numbers as the streams carry them.
        .target(name: "TimeFormats", dependencies: ["JSONCodec"], swiftSettings: spanViews),
        // When to try again: backoff with jitter, Retry-After.
        .target(name: "Retrying", dependencies: ["TimeFormats", "SyncCore"]),
        // The command-line runtime: the only library that sees ArgumentParser.
        .target(
            name: "ToolRuntime",
            dependencies: [
                "SyncCore", "JSONCodec", "StreamIO", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "WarehouseCore", dependencies: ["SyncCore", "JSONCodec", "StreamIO", "TimeFormats"]),

        // Adapters, one per C library.
        .target(name: "PostgresWarehouse", dependencies: ["CLibPQ", "WarehouseCore", "JSONCodec", "SyncCore"]),
        .target(name: "ODBCWarehouse", dependencies: ["CUnixODBC", "WarehouseCore", "JSONCodec", "SyncCore"]),
        .target(name: "SQLiteDatabase", dependencies: ["CSQLite3"]),
        .target(name: "CurlHTTP", dependencies: ["CCurl", "SyncCore", "Retrying", "StreamIO"]),
        .target(name: "RedisClient", dependencies: ["CHiredis"]),

        // BigQuery, Snowflake and Databricks over their REST APIs (HTTP through CurlHTTP; RS256
        // JWTs through swift-crypto).
        .target(
            name: "CloudWarehouses",
            dependencies: [
                "WarehouseCore", "CurlHTTP", "JSONCodec", "SyncCore", "Retrying", "StreamIO",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),

        // Command logic.
        .target(
            name: "Extraction",
            dependencies: [
                "WarehouseCore", "PostgresWarehouse", "ODBCWarehouse", "CloudWarehouses", "JSONCodec", "SyncCore",
                "StreamIO",
            ]),

        // What a run was: its id and order, status rules, history line, alerts, schedule.
        .target(name: "RunRecord", dependencies: ["JSONCodec", "StreamIO", "TimeFormats"]),
        // What runs a sync home elsewhere: Kubernetes manifests.
        .target(name: "Deployment", dependencies: ["JSONCodec", "SyncCore", "Hashing"]),

        .target(name: "Mapping", dependencies: ["ConversionAPI", "SyncCore", "JSONCodec", "StreamIO", "TimeFormats"]),
        .target(
            name: "Dedupe",
            dependencies: [
                "ConversionAPI", "SyncCore", "Hashing", "Concurrency", "JSONCodec", "SQLiteDatabase", "StreamIO",
                "TimeFormats",
            ]),
        .target(name: "ConversionAPI", dependencies: ["JSONCodec", "SyncCore", "StreamIO"]),
        .target(
            name: "Loading",
            dependencies: [
                "ConversionAPI", "CurlHTTP", "RedisClient", "JSONCodec", "SyncCore", "Hashing", "Concurrency",
                "Retrying",
                "StreamIO",
            ]),
        .target(
            name: "EmulatorStore",
            dependencies: [
                "ConversionAPI", "JSONCodec", "SQLiteDatabase", "SyncCore", "Hashing", "Concurrency", "StreamIO",
                "TimeFormats",
            ]),
        .target(
            name: "Emulator",
            dependencies: [
                "EmulatorStore", "ConversionAPI", "JSONCodec", "SyncCore", "Hashing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),

        // Executables.
        .executableTarget(
            name: "wh-extract",
            dependencies: [
                "Extraction", "WarehouseCore", "SyncCore", "ToolRuntime", "CurlHTTP", "StreamIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "cv-run",
            dependencies: [
                "RunRecord", "Deployment", "JSONCodec", "StreamIO", "SyncCore", "TimeFormats", "ToolRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "cv-map",
            dependencies: [
                "Mapping", "ConversionAPI", "SyncCore", "ToolRuntime", "StreamIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "cv-dedupe",
            dependencies: [
                "Dedupe", "SyncCore", "ToolRuntime", "JSONCodec", "StreamIO", "SQLiteDatabase",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "cv-emulator",
            dependencies: [
                "Emulator", "EmulatorStore", "ConversionAPI", "SyncCore", "ToolRuntime", "JSONCodec", "StreamIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "cv-load",
            dependencies: [
                "Loading", "ConversionAPI", "SyncCore", "ToolRuntime", "CurlHTTP", "Retrying", "StreamIO",
                "RedisClient", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests.
        .testTarget(name: "JSONCodecTests", dependencies: ["JSONCodec", "SyncCore", "Hashing"]),
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore", "StreamIO", "JSONCodec"]),
        .testTarget(name: "StreamIOTests", dependencies: ["StreamIO", "SyncCore", "JSONCodec"]),
        .testTarget(name: "TimeFormatsTests", dependencies: ["TimeFormats", "SyncCore"]),
        .testTarget(name: "RunRecordTests", dependencies: ["RunRecord", "JSONCodec", "StreamIO"]),
        .testTarget(
            name: "ToolRuntimeTests",
            dependencies: [
                "ToolRuntime", "SyncCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "WarehouseCoreTests", dependencies: ["WarehouseCore", "JSONCodec", "SyncCore"]),
        .testTarget(
            name: "CloudWarehousesTests",
            dependencies: [
                "CloudWarehouses", "WarehouseCore", "JSONCodec", "SyncCore",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "MappingTests",
            dependencies: ["Mapping", "ConversionAPI", "JSONCodec", "SyncCore", "StreamIO", "Hashing"]),
        .testTarget(name: "ConversionAPITests", dependencies: ["ConversionAPI", "JSONCodec", "SyncCore", "StreamIO"]),
        .testTarget(
            name: "DedupeTests",
            dependencies: ["Dedupe", "JSONCodec", "SyncCore", "Hashing", "SQLiteDatabase", "StreamIO"]),
        .testTarget(name: "SQLiteDatabaseTests", dependencies: ["SQLiteDatabase"]),
        .testTarget(
            name: "PostgresWarehouseTests",
            dependencies: ["PostgresWarehouse", "WarehouseCore", "JSONCodec", "SyncCore"]),
        .testTarget(
            name: "ODBCWarehouseTests",
            dependencies: [
                "ODBCWarehouse", "WarehouseCore", "JSONCodec", "SQLiteDatabase", "SyncCore",
            ]),
        .testTarget(
            name: "ExtractionTests",
            dependencies: ["Extraction", "ODBCWarehouse", "WarehouseCore", "SQLiteDatabase", "SyncCore", "StreamIO"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "SyncCore", "Retrying"]),
        .testTarget(
            name: "LoadingTests",
            dependencies: ["Loading", "ConversionAPI", "CurlHTTP", "JSONCodec", "SyncCore", "Retrying", "RedisClient"]),
        .testTarget(
            name: "EmulatorTests",
            dependencies: [
                "Emulator", "EmulatorStore", "ConversionAPI", "CurlHTTP", "JSONCodec",
            ]),
        .testTarget(
            name: "EmulatorStoreTests",
            dependencies: ["EmulatorStore", "ConversionAPI", "JSONCodec", "SQLiteDatabase"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                // The executables, so `swift test` builds what these tests run.
                "wh-extract", "cv-map", "cv-dedupe", "cv-emulator", "cv-load", "JSONCodec",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
    ]
)
