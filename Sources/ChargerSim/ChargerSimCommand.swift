import ArgumentParser
import AsyncHTTPClient
import Fleet
import Hummingbird
import Logging
import Messages
import ServiceRuntime

@main
struct ChargerSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charger-sim",
        abstract: "A charging management system and charger fleet that emits meter values.")

    @OptionGroup var listen: ListenOptions
    @Option(name: .customLong("backend-url"), help: "Backend to report to (env BACKEND_URL, default http://127.0.0.1:8000).") var backendURL: String?
    @Option(name: .customLong("cms-secret"), help: "Secret shared with the backend (env CMS_SECRET, required).") var cmsSecret: String?
    @Option(help: "Fleet file, JSON (env FLEET, default the built-in CP001 to CP010).") var fleet: String?
    @Option(name: .customLong("meter-interval"), help: "Wall-clock seconds between meter values (env METER_INTERVAL, default 10).") var meterInterval: Double?
    @Option(help: "Simulated seconds per wall-clock second (env SPEED, default 1).") var speed: Double?
    @Option(help: "Random seed, for repeatable runs (env SEED, default random).") var seed: UInt64?
    @Flag(help: "Walk-in drivers start and stop sessions by themselves now and then (env AUTO=1).") var auto = false
    @Flag(help: "The simulated clock starts paused: it moves only through POST /api/clock/... (env PAUSED=1).") var paused = false
    @Option(name: .customLong("trace-records"), help: "Hop records kept for GET /debug/traces/ID, 0 for none (env TRACE_RECORDS, default 10000).") var traceRecords: Int?
    @Option(name: .customLong("clock-start"), help: "Simulated time at launch, ISO-8601 (env CLOCK_START, default now).") var clockStart: String?
    @Option(name: .customLong("ocpp-unknown-chargers"),
            help: "Charge points at /ocpp/ID whose id the fleet lacks: refuse or accept (env OCPP_UNKNOWN_CHARGERS, default refuse).")
    var ocppUnknownChargers: String?
    @Option(name: .customLong("ocpp-heartbeat-interval"),
            help: "Seconds between a charge point's heartbeats, told at its boot (env OCPP_HEARTBEAT_INTERVAL, default 300).")
    var ocppHeartbeatInterval: Int?
    @Option(name: .customLong("ocpp-port"),
            help: "Charge points connect at /ocpp/CHARGER_ID on this port instead of the API's; 0: any free one (env OCPP_PORT).")
    var ocppPort: Int?
    @Option(name: .customLong("ocpp-csms-url"),
            help: "Chargers connect to this CSMS as OCPP 1.6J charge points, at URL/CHARGER_ID, ws:// or wss:// (env OCPP_CSMS_URL).")
    var ocppCSMSURL: String?
    @Option(name: .customLong("ocpp-chargers"), help: "With --ocpp-csms-url: only these chargers, comma-separated (env OCPP_CHARGERS, default all).")
    var ocppChargers: String?
    @Option(name: .customLong("ocpp-password"),
            help: "With --ocpp-csms-url: HTTP Basic auth password, security profile 1 (env OCPP_PASSWORD, 16 to 40 characters).")
    var ocppPassword: String?
    @Option(name: .customLong("ocpp-ca-file"), help: "With a wss:// CSMS: extra trusted CA certificates, PEM (env OCPP_CA_FILE).")
    var ocppCAFile: String?

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = EnvironmentFallback()
        var configuration = SimulatorConfiguration(cmsSecret: try env.required(cmsSecret, "CMS_SECRET", option: "--cms-secret"))
        (configuration.host, configuration.port) = try listen.resolve(defaultPort: configuration.port, env: env)
        configuration.backendURL = env.string(backendURL, "BACKEND_URL", default: configuration.backendURL)
        configuration.fleetPath = env.optionalString(fleet, "FLEET")
        configuration.meterInterval = try env.double(meterInterval, "METER_INTERVAL", default: configuration.meterInterval)
        configuration.speed = try env.double(speed, "SPEED", default: configuration.speed)
        if let seed {
            configuration.seed = seed
        } else if let text = env.optionalString(nil, "SEED") {
            guard let seed = UInt64(text) else { throw ValidationError("SEED must be an unsigned integer: \(text)") }
            configuration.seed = seed
        }
        configuration.auto = auto || ["1", "true", "yes"].contains(env.optionalString(nil, "AUTO")?.lowercased() ?? "")
        configuration.paused = paused || ["1", "true", "yes"].contains(env.optionalString(nil, "PAUSED")?.lowercased() ?? "")
        if let text = env.optionalString(clockStart, "CLOCK_START") {
            guard let start = Timestamp.date(from: text) else { throw ValidationError("CLOCK_START must be an ISO-8601 time: \(text)") }
            configuration.clockStart = start
        }
        configuration.traceRecords = try env.int(traceRecords, "TRACE_RECORDS", default: configuration.traceRecords)
        switch env.string(ocppUnknownChargers, "OCPP_UNKNOWN_CHARGERS", default: "refuse") {
        case "refuse": configuration.centralSystem.acceptUnknownChargers = false
        case "accept": configuration.centralSystem.acceptUnknownChargers = true
        case let other: throw ValidationError("OCPP_UNKNOWN_CHARGERS must be refuse or accept: \(other)")
        }
        configuration.centralSystem.heartbeatInterval = try env.int(
            ocppHeartbeatInterval, "OCPP_HEARTBEAT_INTERVAL", default: configuration.centralSystem.heartbeatInterval)
        guard configuration.centralSystem.heartbeatInterval > 0 else { throw ValidationError("OCPP_HEARTBEAT_INTERVAL must be positive") }
        if let text = env.optionalString(ocppPort.map(String.init), "OCPP_PORT") {
            guard let port = Int(text), (0...65_535).contains(port) else { throw ValidationError("OCPP_PORT must be 0...65535: \(text)") }
            configuration.centralSystem.port = port
        }
        if let url = env.optionalString(ocppCSMSURL, "OCPP_CSMS_URL") {
            var options = OCPPChargePointOptions(csmsURL: url)
            if let list = env.optionalString(ocppChargers, "OCPP_CHARGERS") {
                options.chargers = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            }
            options.password = env.optionalString(ocppPassword, "OCPP_PASSWORD")
            options.caFile = env.optionalString(ocppCAFile, "OCPP_CA_FILE")
            options.heartbeatInterval = configuration.centralSystem.heartbeatInterval
            // One meter value per simulated step, unless the CSMS asks for fewer.
            options.meterValueSampleInterval = max(1, Int(configuration.simulatedStep.rounded()))
            do {
                configuration.chargePoints = try options.validated()
            } catch {
                throw ValidationError("\(error)")
            }
        }
        guard configuration.meterInterval > 0, configuration.speed > 0, configuration.traceRecords >= 0 else {
            throw ValidationError("METER_INTERVAL and SPEED must be positive, TRACE_RECORDS 0 or more")
        }

        let logger = Logger(label: "charger-sim")
        logger.info("simulating", metadata: [
            "seed": "\(configuration.seed)", "speed": "\(configuration.speed)", "meter_interval": "\(configuration.meterInterval)",
            "auto": "\(configuration.auto)", "paused": "\(configuration.paused)",
            "replay": "--seed \(configuration.seed)",
        ])
        let fleetDefinition = try FleetDefinition.load(path: configuration.fleetPath)
        let httpClient = HTTPClient.makeFailFast()
        let simulator = SimulatorApplication(configuration: configuration, fleet: fleetDefinition, httpClient: httpClient, logger: logger)
        do {
            try await simulator.application().runService()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
