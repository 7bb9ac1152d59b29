// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ev-charging-stack",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "mock-backend", targets: ["MockBackend"]),
        .executable(name: "mock-redis", targets: ["MockRedis"]),
        .executable(name: "charger-sim", targets: ["ChargerSim"]),
        .executable(name: "client", targets: ["Client"]),
        .executable(name: "websocket-echo", targets: ["WebSocketEcho"]),
        .executable(name: "fuzz", targets: ["Fuzz"]),
        .library(name: "Messages", targets: ["Messages"]),
        .library(name: "RESP", targets: ["RESP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Libraries: one concern each.
        .target(name: "Messages"),
        .target(name: "ByteStreams", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "RESP",
            dependencies: [
                "ByteStreams",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Redis Cluster: slot map, sharded subscriptions per shard, publishing by slot.
        .target(
            name: "RedisCluster",
            dependencies: [
                "RESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "AccessTokens",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "Fleet"),
        // OCPP 1.6J: the messages of the core profile as types with their schemas, the OCPP-J
        // frames and the CALL/CALLRESULT/CALLERROR exchange above a WebSocket.
        .target(
            name: "OCPP",
            dependencies: [
                "Messages",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The WebSocket wire (RFC 6455 frames, message joining, UTF-8, the handshake), which the
        // gateway and the echo server for the Autobahn|Testsuite share.
        .target(
            name: "WebSocketWire",
            dependencies: [
                "Messages",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // Laravel's validator as mock-backend answers with it (rules, messages, the 422 body).
        .target(name: "LaravelValidation", dependencies: ["Messages"]),
        // The gateway's reader of the backend's HTTP/1.1 answers.
        .target(name: "HTTPWire", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "ServiceRuntime",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The cross-hop timeline: W3C traceparent, each program's hop records, the merged timeline.
        .target(
            name: "HopTrace",
            dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        // The stand-ins' side of it: a Hummingbird middleware that records traced requests, and the trace route.
        .target(
            name: "HopTraceHTTP",
            dependencies: [
                "HopTrace", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The app's side of the gateway: one connection, the reconnecting one with its queue, tokens.
        .target(
            name: "AppConnection",
            dependencies: [
                "Messages", "AccessTokens", "RESP", "ServiceRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The stack's programs as child processes: started in order, stopped, killed, restarted.
        .target(
            name: "LocalStack",
            dependencies: [
                "Messages", "RESP", "HopTrace",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Scenarios: CI tests of the whole stack as YAML files (model, loader, matching, runner, reports).
        .target(
            name: "Scenarios",
            dependencies: [
                "Messages", "AppConnection", "LocalStack", "AccessTokens", "HopTrace",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The browser console: virtual phones, the fleet and every hop (its page as resources).
        .target(
            name: "Console",
            dependencies: [
                "LocalStack", "HopTrace", "Fleet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Static")]
        ),

        // Executables.
        .executableTarget(
            name: "Gateway",
            dependencies: [
                "Messages", "RESP", "RedisCluster", "AccessTokens", "ServiceRuntime", "ByteStreams", "WebSocketWire", "HTTPWire", "HopTrace",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "MockBackend",
            dependencies: [
                "Messages", "RESP", "RedisCluster", "AccessTokens", "Fleet", "ServiceRuntime", "LaravelValidation", "HopTrace", "HopTraceHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "MockRedis",
            dependencies: [
                "RESP", "RedisCluster", "ServiceRuntime", "ByteStreams",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Release builds skip the run-time exclusivity checks, which were 8% of mock-redis's CPU on
            // pipelined PUBLISH (a check per command on the handler's parse and reply state);
            // debug builds, which every test runs, keep them.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "ChargerSim",
            dependencies: [
                "Messages", "Fleet", "OCPP", "ServiceRuntime", "HopTrace", "HopTraceHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "Client",
            dependencies: [
                "Messages", "AccessTokens", "ServiceRuntime", "RESP", "RedisCluster", "AppConnection", "LocalStack", "Scenarios", "HopTrace", "Console",
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "WebSocketEcho",
            dependencies: [
                "WebSocketWire", "ByteStreams", "Messages", "ServiceRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Fuzzing: every hand-written parser as a target (FuzzTargets), one binary for them all
        // (`fuzz TARGET`), a libFuzzer binary when built by scripts/fuzz.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "RESP", "ByteStreams", "Messages", "AccessTokens", "WebSocketWire", "HTTPWire", "LaravelValidation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "Fuzz", dependencies: ["FuzzTargets"]),

        // Tests: one target per source target, plus the end-to-end suite.
        .target(
            name: "TestSupport",
            dependencies: [
                "Messages", "RESP", "RedisCluster",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "MessagesTests", dependencies: ["Messages"]),
        .testTarget(name: "OCPPTests", dependencies: ["OCPP", "Messages", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "RESPTests",
            dependencies: [
                "RESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RedisClusterTests",
            dependencies: [
                "RedisCluster", "RESP", "TestSupport", "MockRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "AccessTokensTests", dependencies: ["AccessTokens"]),
        .testTarget(
            name: "ServiceRuntimeTests",
            dependencies: [
                "ServiceRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "FleetTests", dependencies: ["Fleet"]),
        .testTarget(name: "HopTraceTests", dependencies: ["HopTrace"]),
        .testTarget(
            name: "WebSocketWireTests",
            dependencies: [
                "WebSocketWire", "Messages",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "HTTPWireTests", dependencies: ["HTTPWire", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "TestSupport", "Gateway", "ServiceRuntime", "MockRedis", "Messages", "RESP", "RedisCluster", "AccessTokens", "WebSocketWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "HopTrace",
            ]
        ),
        .testTarget(
            name: "MockBackendTests",
            dependencies: [
                "TestSupport", "MockBackend", "ServiceRuntime", "Messages", "AccessTokens", "Fleet", "RESP", "RedisCluster", "LaravelValidation",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "MockRedisTests",
            dependencies: [
                "TestSupport", "MockRedis", "RESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ChargerSimTests",
            dependencies: [
                "TestSupport", "ChargerSim", "ServiceRuntime", "Messages", "Fleet", "OCPP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "ClientTests", dependencies: ["Client", "Messages", "AppConnection"]),
        .testTarget(
            name: "ScenariosTests",
            dependencies: ["Scenarios", "LocalStack", "Messages", "TestSupport", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TestSupport", "Client", "Messages", "AccessTokens", "AppConnection", "RESP", "RedisCluster",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
