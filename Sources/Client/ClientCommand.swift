import ArgumentParser
import Logging
import ServiceRuntime

@main
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Plays the mobile app against the gateway.",
        subcommands: [UpCommand.self, LoginCommand.self, SendCommand.self, ConnectCommand.self, WatchCommand.self, DemoCommand.self, TokenCommand.self, BenchCommand.self, ScenarioCommand.self, TraceCommand.self, ConsoleCommand.self])
}

extension Logger {
    static func client() -> Logger {
        LoggingSetup.bootstrap()
        var logger = Logger(label: "client")
        logger.logLevel = LoggingSetup.parseLevel(ProcessInfo.processInfo.environment["LOG_LEVEL"]) ?? .warning
        return logger
    }
}

import Foundation
