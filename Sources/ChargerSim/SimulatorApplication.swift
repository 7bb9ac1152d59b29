import AsyncHTTPClient
import Fleet
import Foundation
import HopTrace
import HopTraceHTTP
import Hummingbird
import HummingbirdWebSocket
import Logging
import Messages
import NIOConcurrencyHelpers
import OCPP
import ServiceLifecycle
import ServiceRuntime

/// charger-sim's HTTP API: the CMS hop's remote commands and the faults on demand (the README
/// documents both). Every route but `/health` needs `Authorization: Bearer CMS_SECRET`.
struct SimulatorApplication {
    let configuration: SimulatorConfiguration
    let simulator: FleetSimulator
    let delivery: EventDelivery
    let clock: SimulatedClock
    /// Real charge points on OCPP, at `/ocpp/CHARGER_ID`.
    let centralSystem: CentralSystem
    /// Simulated chargers that talk OCPP to a CSMS (`--ocpp-csms-url`); nil without one.
    let chargePoints: ChargePointFleet?
    /// nil when tracing is off.
    let traces: TraceRecorder?
    let logger: Logger

    init(configuration: SimulatorConfiguration, fleet: FleetDefinition, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let traces = configuration.traceRecords > 0 ? TraceRecorder(program: "charger-sim", capacity: configuration.traceRecords) : nil
        self.traces = traces
        let delivery = EventDelivery(
            httpClient: httpClient, backendURL: configuration.backendURL, secret: configuration.cmsSecret, traces: traces, logger: logger)
        self.delivery = delivery
        clock = SimulatedClock(origin: configuration.clockStart ?? Date(), speed: configuration.speed, paused: configuration.paused)
        // A charger on OCPP reports to its CSMS; the others to the backend, as charger-sim's CMS.
        let onOCPP = NIOLockedValueBox<ChargePointFleet?>(nil)
        let simulator = FleetSimulator(fleet: fleet, configuration: configuration, clock: clock, logger: logger, emit: { event in
            if onOCPP.withLockedValue({ $0 })?.deliver(event) == true { return }
            delivery.enqueue(event)
        })
        self.simulator = simulator
        let chargePoints = configuration.chargePoints.map { ChargePointFleet(fleet: fleet, options: $0, simulator: simulator, logger: logger) }
        self.chargePoints = chargePoints
        onOCPP.withLockedValue { $0 = chargePoints }
        centralSystem = CentralSystem(
            configuration: configuration.centralSystem, simulator: simulator, logger: logger, emit: { delivery.enqueue($0) })
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        if let traces { router.add(middleware: TraceMiddleware(recorder: traces)) }
        router.get("/health") { _, _ in Self.json(["status": "ok"]) }
        router.addTraceRoute(recorder: traces)
        router.get("/api/chargers") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            let statuses = await simulator.statuses()
            return Self.json(JSONValue.object(statuses.mapValues { connectors in
                .object(Dictionary(uniqueKeysWithValues: connectors.map { (String($0.key), JSONValue.string($0.value)) }))
            }))
        }
        router.get("/api/stats") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            let (sessions, timers) = await simulator.load
            let (waiting, delivered, dropped) = delivery.counts
            return Self.json([
                "sessions": sessions, "timers": timers, "events_waiting": waiting, "events_delivered": delivered, "meter_values_dropped": dropped,
            ])
        }
        router.post("/api/chargers/:charger/connectors/:connector/remote-start") { request, context in
            try await connectorCommand(request, context, reachesRealChargePoints: true) { key, body in
                guard let body, let idTag = body["id_tag"]?.stringValue, case .int(let transactionID)? = body["transaction_id"] else {
                    return .invalid("Body must be {id_tag, transaction_id}")
                }
                if let answer = await centralSystem.remoteStart(key, idTag: idTag, transactionID: transactionID) { return .result(answer) }
                return .result(await simulator.remoteStart(key, idTag: idTag, transactionID: transactionID))
            }
        }
        router.post("/api/chargers/:charger/connectors/:connector/remote-stop") { request, context in
            try await connectorCommand(request, context, reachesRealChargePoints: true) { key, body in
                // No body, or no transaction id: whatever runs on the connector.
                var transactionID: Int?
                if let body, let value = body["transaction_id"], !value.isNull {
                    guard case .int(let number) = value else { return .invalid("transaction_id must be an integer") }
                    transactionID = number
                }
                if let answer = await centralSystem.remoteStop(key, transactionID: transactionID) { return .result(answer) }
                return .result(await simulator.remoteStop(key, transactionID: transactionID))
            }
        }
        router.post("/api/chargers/:charger/connectors/:connector/fault") { request, context in
            try await connectorCommand(request, context) { key, body in
                guard let code = body?["error_code"]?.stringValue, let errorCode = ChargePointErrorCode(rawValue: code), errorCode != .noError else {
                    return .invalid("error_code must be an OCPP ChargePointErrorCode other than NoError")
                }
                return .result(await simulator.fault(key, errorCode: errorCode, info: body?["info"]?.stringValue))
            }
        }
        router.post("/api/chargers/:charger/connectors/:connector/reserve") { request, context in
            try await connectorCommand(request, context) { key, body in
                guard let idTag = body?["id_tag"]?.stringValue, case .int(let reservationID)? = body?["reservation_id"] else {
                    return .invalid("Body must be {id_tag, reservation_id, expires_in?}")
                }
                let expiresIn = body?["expires_in"]?.doubleValue ?? 900
                return .result(await simulator.reserve(key, idTag: idTag, reservationID: reservationID, expiresIn: expiresIn))
            }
        }
        router.post("/api/chargers/:charger/connectors/:connector/cancel-reservation") { request, context in
            try await connectorCommand(request, context) { key, _ in .result(await simulator.cancelReservation(key)) }
        }
        router.post("/api/chargers/:charger/connectors/:connector/walk-in") { request, context in
            try await connectorCommand(request, context) { key, body in
                let idTag = body?["id_tag"]?.stringValue ?? "WALKIN"
                guard !idTag.isEmpty, idTag.utf8.count <= 20 else { return .invalid("id_tag must be 1 to 20 characters") }
                let stay = body?["stay"]?.doubleValue
                if let stay, stay <= 0 { return .invalid("stay must be positive (simulated seconds)") }
                return .result(await simulator.walkIn(key, idTag: idTag, stay: stay))
            }
        }
        router.post("/api/chargers/:charger/connectors/:connector/clear-fault") { request, context in
            try await connectorCommand(request, context) { key, _ in .result(await simulator.clearFault(key)) }
        }
        router.post("/api/chargers/:charger/connectors/:connector/unplug") { request, context in
            try await connectorCommand(request, context) { key, _ in .result(await simulator.unplug(key)) }
        }
        router.get("/api/walk-ins") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            return Self.json(["enabled": await simulator.walkInsEnabled])
        }
        router.post("/api/walk-ins") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            guard let enabled = try await jsonBody(request)?["enabled"]?.boolValue else {
                return Self.json(RemoteCommandResult.reject("Body must be {enabled: true|false}"), status: .unprocessableContent)
            }
            await simulator.setWalkIns(enabled)
            logger.info("walk-ins", metadata: ["enabled": "\(enabled)"])
            return Self.json(["enabled": enabled])
        }
        addClockRoutes(to: router)
        // On OCPP, a charger without power or network drops its connection to the CSMS and
        // boots again when it is back; what happened meanwhile waits in its queue.
        for (path, network, action) in [
            ("power-loss", false, { @Sendable (simulator: FleetSimulator, id: String) in await simulator.powerLoss(id) }),
            ("power-restore", true, { @Sendable (simulator: FleetSimulator, id: String) in await simulator.powerRestore(id) }),
            ("offline", false, { @Sendable (simulator: FleetSimulator, id: String) in await simulator.setOnline(id, false) }),
            ("online", true, { @Sendable (simulator: FleetSimulator, id: String) in await simulator.setOnline(id, true) }),
        ] as [(String, Bool, @Sendable (FleetSimulator, String) async -> RemoteCommandResult)] {
            router.post("/api/chargers/:charger/\(path)") { request, context in
                guard authorized(request) else { return Self.unauthenticated }
                guard let chargerID = context.parameters.get("charger"), await simulator.isOnline(chargerID) != nil else {
                    return Self.json(RemoteCommandResult.reject("Unknown charger"), status: .notFound)
                }
                if await simulator.isExternal(chargerID) { return Self.answer(Self.realChargePointRefusal(chargerID)) }
                let result = await action(simulator, chargerID)
                if result.isAccepted, let chargePoint = chargePoints?.chargePoints[chargerID] {
                    await chargePoint.setNetwork(up: network)
                }
                return Self.answer(result)
            }
        }
        return router
    }

    enum CommandOutcome {
        case result(RemoteCommandResult)
        case invalid(String)
    }

    /// A connector's command. Only remote start and stop reach a real charge point (over
    /// OCPP); the others act on the simulated twin, which a real one has replaced.
    private func connectorCommand(
        _ request: Request, _ context: BasicRequestContext, reachesRealChargePoints: Bool = false,
        _ body: (FleetSimulator.ConnectorKey, JSONValue?) async -> CommandOutcome
    ) async throws -> Response {
        guard authorized(request) else { return Self.unauthenticated }
        guard let chargerID = context.parameters.get("charger"), let connectorID = context.parameters.get("connector", as: Int.self) else {
            return Self.json(RemoteCommandResult.reject("Bad charger or connector"), status: .notFound)
        }
        let key = FleetSimulator.ConnectorKey(chargerID: chargerID, connectorID: connectorID)
        let external = await simulator.isExternal(chargerID)
        let connected = await centralSystem.isConnected(chargerID)
        let real = external || connected
        let simulated = await simulator.status(of: key) != nil
        guard real && reachesRealChargePoints || simulated else {
            return Self.json(RemoteCommandResult.reject("Unknown charger or connector"), status: .notFound)
        }
        if real && !reachesRealChargePoints { return Self.answer(Self.realChargePointRefusal(chargerID)) }
        let bytes = try await request.body.collect(upTo: 1 << 16)
        var json: JSONValue?
        if bytes.readableBytes > 0 {
            guard let parsed = try? JSONReader.parse(bytes.readableBytesView), parsed.objectValue != nil else {
                return Self.json(RemoteCommandResult.reject("The body must be a JSON object"), status: .unprocessableContent)
            }
            json = parsed
        }
        switch await body(key, json) {
        case .result(let result): return Self.answer(result)
        case .invalid(let reason): return Self.json(RemoteCommandResult.reject(reason), status: .unprocessableContent)
        }
    }

    static func realChargePointRefusal(_ chargerID: String) -> RemoteCommandResult {
        .reject("\(chargerID) is a real charge point on OCPP: it reports its own faults, plugs and drivers")
    }

    func authorized(_ request: Request) -> Bool {
        request.headers[.authorization] == "Bearer \(configuration.cmsSecret)"
    }

    /// Accepted: 200. A command the charger refuses in its state: 409 with the reason (the
    /// backend reads the body either way).
    static func answer(_ result: RemoteCommandResult) -> Response {
        json(result, status: result.isAccepted ? .ok : .conflict)
    }

    static let unauthenticated = json(["message": "Unauthenticated."], status: .unauthorized)

    static func json<Body: Encodable>(_ body: Body, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = (try? JSONValue(encoding: body)).map(JSONWriter.bytes) ?? Array("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func application() -> some ApplicationProtocol {
        let booted = Date()
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        OCPPChargePointRoute.add(to: webSocketRouter, centralSystem: centralSystem, logger: logger)
        var services: [any Service] = [delivery, SimulationDriver(simulator: simulator)]
        if let chargePoints { services.append(chargePoints) }
        // Charge points connect on the API's port, or on a port of their own (`--ocpp-port`).
        let ocppPort = configuration.centralSystem.port
        if let ocppPort {
            let healthOnly = Router()
            healthOnly.get("/health") { _, _ in Self.json(["status": "ok"]) }
            services.append(Application(
                router: healthOnly, server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter),
                configuration: .init(address: .hostname(configuration.host, port: ocppPort), serverName: "charger-sim-ocpp"),
                onServerRunning: { [logger, configuration] channel in
                    let port = channel.localAddress?.port ?? ocppPort
                    logger.info("OCPP charge points connect at ws://\(configuration.host):\(port)/ocpp/CHARGER_ID")
                },
                logger: logger))
        }
        return Application(
            router: router(),
            server: ocppPort == nil ? .http1WebSocketUpgrade(webSocketRouter: webSocketRouter) : .http1(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "charger-sim"),
            services: services,
            onServerRunning: { [logger, configuration, delivery, booted] channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.announceListening(scheme: "http", host: configuration.host, port: port)
                let reachableHost = configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host
                // `booted_at` (wall clock) lets the backend tell sessions of an earlier run from this one's.
                delivery.enqueue(CMSEvent(
                    event: .cmsOnline, chargerID: "*",
                    data: ["url": .string("http://\(reachableHost):\(port)"), "booted_at": .string(Timestamp.string(from: booted))]))
            },
            logger: logger)
    }
}
