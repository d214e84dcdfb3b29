// swift-tools-version:6.0
// The opendata package: modules and their one-way dependencies follow DESIGN.md.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "opendata",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "opendata", targets: ["opendata"]),
        .executable(name: "opendata-bench", targets: ["opendata-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
    ],
    targets: [
        // System libraries (Debian: libssl-dev, zlib1g-dev, libpq-dev).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // PostgreSQL's own client library, for the PostgreSQL source (Debian: libpq-dev).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        // The C library's allocator settings (glibc's mallopt), for the executables' heap policy.
        .systemLibrary(name: "CMalloc"),

        // Stage modules: each depends only on what is below it in DESIGN.md.
        .target(name: "Tabular", dependencies: ["CMalloc"], swiftSettings: strict),
        // The privacy parameters a policy declares and the engine applies: one definition for both.
        .target(name: "DPParameters", swiftSettings: strict),
        .target(name: "PrivacyPolicy",
                dependencies: ["DPParameters", .product(name: "Yams", package: "Yams")],
                swiftSettings: strict),
        .target(name: "OperationalStore",
                dependencies: ["Tabular", "COpenSSL", "CZlib", .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "GRDBSQLite", package: "GRDB.swift")],
                swiftSettings: strict),
        // The PostgreSQL source, through libpq; only what opens a store depends on it.
        .target(name: "PostgresStore", dependencies: ["OperationalStore", "Tabular", "CLibPQ"], swiftSettings: strict),
        .target(name: "Anonymization", dependencies: ["Tabular"], swiftSettings: strict),
        .target(name: "DifferentialPrivacy",
                dependencies: ["DPParameters", "Tabular", "COpenSSL", .product(name: "BigInt", package: "BigInt")],
                swiftSettings: strict),
        .target(name: "ReleaseFormat", dependencies: ["Tabular", "COpenSSL", "CZlib"], swiftSettings: strict),

        // What residents and portals read, rendered from plain inputs (no store, no state database).
        .target(name: "PublicSite",
                dependencies: ["PrivacyPolicy", "DifferentialPrivacy", "Anonymization", "ReleaseFormat", "Tabular"],
                swiftSettings: strict),

        // Orchestration.
        .target(name: "Publisher",
                dependencies: [
                    "PrivacyPolicy", "OperationalStore", "PostgresStore", "PublicSite", "Anonymization", "DifferentialPrivacy", "ReleaseFormat", "Tabular",
                    "COpenSSL",
                    .product(name: "GRDB", package: "GRDB.swift"),
                    .product(name: "GRDBSQLite", package: "GRDB.swift"),
                ],
                swiftSettings: strict),
        // The demo city's nightly run, with the policies in Policies/ embedded in the binary.
        .target(name: "Demo",
                dependencies: ["Publisher", "PrivacyPolicy", "OperationalStore", "DifferentialPrivacy", "ReleaseFormat"],
                exclude: [],
                resources: ["boundaries/districts.geojson", "calls-for-service.yaml", "complaints.yaml", "engagement-logs.yaml",
                            "hierarchies/beats.csv", "hierarchies/districts.csv", "hierarchies/gender.csv", "hierarchies/race.csv"]
                    .map { .embedInCode("Policies/" + $0) },
                swiftSettings: strict),
        .executableTarget(name: "opendata",
                          dependencies: [
                              "Publisher", "Demo", "PrivacyPolicy", "OperationalStore", "PostgresStore", "Anonymization", "ReleaseFormat", "Tabular",
                              .product(name: "ArgumentParser", package: "swift-argument-parser"),
                          ],
                          swiftSettings: strict),

        // The benchmarks behind the README's figures, a program of their own.
        .executableTarget(name: "opendata-bench",
                          dependencies: [
                              "Demo", "Publisher", "OperationalStore", "Anonymization", "DifferentialPrivacy", "ReleaseFormat", "Tabular",
                              .product(name: "ArgumentParser", package: "swift-argument-parser"),
                          ],
                          swiftSettings: strict),

        // Helpers shared by the test targets: repository paths, temporary folders, byte searches.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "TabularTests", dependencies: ["Tabular"], swiftSettings: strict),
        .testTarget(name: "PrivacyPolicyTests", dependencies: ["PrivacyPolicy", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "OperationalStoreTests",
                    dependencies: ["OperationalStore", "PostgresStore", "Tabular", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strict),
        .testTarget(name: "AnonymizationTests", dependencies: ["Anonymization", "Tabular", "OperationalStore", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "DifferentialPrivacyTests", dependencies: ["DifferentialPrivacy", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ReleaseFormatTests", dependencies: ["ReleaseFormat", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PublisherTests",
                    dependencies: ["Publisher", "PublicSite", "Demo", "PrivacyPolicy", "OperationalStore", "ReleaseFormat", "Tabular", "TestSupport",
                                   .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: ["opendata", "ReleaseFormat", "TestSupport"], swiftSettings: strict),
    ]
)
