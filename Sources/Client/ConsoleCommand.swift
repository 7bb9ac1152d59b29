import ArgumentParser
import Console
import Foundation
import Logging
import ServiceRuntime
import UnixSignals

/// `client console`: the browser console in front of a running stack, until Ctrl-C.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the browser console (virtual phones, the fleet, every hop) for a running stack.",
        discussion: """
            The page opens its phones' WebSockets straight to the gateway, as an app does; its HTTP calls \
            to the backend and charger-sim go through the console, which adds charger-sim's secret. Give \
            `none` for a program the stack does not have. `client up` serves the console itself.
            """)

    @Option(help: "Address the console listens on (it can drive the fleet: keep it on loopback).") var host = "127.0.0.1"
    @Option(help: "The console's port (0: any free one).") var port = 8090
    @OptionGroup var stack: RunningStackOptions
    @Option(name: .customLong("cms-secret"), help: "charger-sim's secret (env CMS_SECRET, default the development one).") var cmsSecret: String?

    func run() async throws {
        let env = EnvironmentFallback()
        guard let gateway = stack.gateway else { throw ValidationError("the console needs a gateway: its phones connect to it") }
        var configuration = ConsoleConfiguration(
            gatewayURL: gateway, backendURL: stack.backend, simURL: stack.sim,
            cmsSecret: env.string(cmsSecret, "CMS_SECRET", default: "dev-cms-secret"))
        (configuration.host, configuration.port) = (host, port)
        let console = try await ConsoleServer(configuration: configuration, logger: Logger.client()).start()
        StandardOutput.write("console      \(console.url)\n")
        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        await console.stop()
    }
}
