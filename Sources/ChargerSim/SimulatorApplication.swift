import AsyncHTTPClient
import Fleet
import Foundation
import Hummingbird
import Logging
import Messages
import ServiceRuntime

/// charger-sim's HTTP API (the CMS hop; the README documents it).
struct SimulatorApplication {
    let configuration: SimulatorConfiguration
    let simulator: FleetSimulator
    let delivery: EventDelivery
    let logger: Logger

    init(configuration: SimulatorConfiguration, fleet: FleetDefinition, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let delivery = EventDelivery(
            httpClient: httpClient, backendURL: configuration.backendURL, secret: configuration.cmsSecret, logger: logger)
        self.delivery = delivery
        simulator = FleetSimulator(fleet: fleet, configuration: configuration, logger: logger, emit: { delivery.enqueue($0) })
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in Self.json(["status": "ok"]) }
        router.get("/api/chargers") { _, _ in
            let statuses = await simulator.statuses()
            return Self.json(JSONValue.object(statuses.mapValues { connectors in
                .object(Dictionary(uniqueKeysWithValues: connectors.map { (String($0.key), JSONValue.string($0.value)) }))
            }))
        }
        router.post("/api/chargers/:charger/connectors/:connector/remote-start") { request, context in
            try await remoteCommand(request, context) { key, body in
                guard let start = try? JSONCoding.decode(RemoteStartRequest.self, from: body) else {
                    return (.unprocessableContent, RemoteCommandResult(status: RemoteCommandResult.rejected, reason: "Body must be {id_tag, transaction_id}"))
                }
                return (.ok, await simulator.remoteStart(key, idTag: start.idTag, transactionID: start.transactionID))
            }
        }
        router.post("/api/chargers/:charger/connectors/:connector/remote-stop") { request, context in
            try await remoteCommand(request, context) { key, body in
                let transactionID = (try? JSONCoding.decode(JSONValue.self, from: body))?["transaction_id"]?.intValue
                return (.ok, await simulator.remoteStop(key, transactionID: transactionID))
            }
        }
        return router
    }

    private func remoteCommand(
        _ request: Request, _ context: BasicRequestContext,
        _ body: (FleetSimulator.ConnectorKey, Data) async -> (HTTPResponse.Status, RemoteCommandResult)
    ) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(configuration.cmsSecret)" else {
            return Self.json(["message": "Unauthenticated."], status: .unauthorized)
        }
        guard let chargerID = context.parameters.get("charger"), let connectorID = context.parameters.get("connector", as: Int.self) else {
            return Self.json(RemoteCommandResult(status: RemoteCommandResult.rejected, reason: "Bad charger or connector"), status: .notFound)
        }
        let key = FleetSimulator.ConnectorKey(chargerID: chargerID, connectorID: connectorID)
        guard await simulator.status(of: key) != nil else {
            return Self.json(RemoteCommandResult(status: RemoteCommandResult.rejected, reason: "Unknown charger or connector"), status: .notFound)
        }
        let bytes = try await request.body.collect(upTo: 1 << 16)
        let (status, result) = await body(key, Data(bytes.readableBytesView))
        return Self.json(result, status: status)
    }

    static func json<Body: Encodable>(_ body: Body, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONCoding.encode(body)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func application() -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "charger-sim"),
            services: [delivery],
            onServerRunning: { [logger, configuration, delivery] channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.announceListening(scheme: "http", host: configuration.host, port: port)
                let reachableHost = configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host
                delivery.enqueue(CMSEvent(event: .cmsOnline, chargerID: "*", data: ["url": .string("http://\(reachableHost):\(port)")]))
            },
            logger: logger)
    }
}
