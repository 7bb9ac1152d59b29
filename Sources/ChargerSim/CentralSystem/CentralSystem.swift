import Foundation
import Logging
import Messages
import OCPP

/// charger-sim's CSMS side: real charge points (or other simulators) connect at
/// `/ocpp/CHARGER_ID` and stand in for simulated chargers. What they report reaches the
/// backend as the same CMS events a simulated charger's do; the backend's remote start and
/// stop reach them as RemoteStartTransaction and RemoteStopTransaction.
///
/// Transactions are numbered by the backend: a remote start's transaction id is the one the
/// StartTransaction that follows it gets, so the app's session and the charger's transaction
/// are one number on every hop. A start at the charger (a card) gets a walk-in number.
actor CentralSystem {
    struct Configuration: Sendable {
        /// Charger ids the fleet does not have may connect (`--ocpp-unknown-chargers accept`).
        var acceptUnknownChargers = false
        /// What BootNotification.conf tells the charge point, in seconds.
        var heartbeatInterval = 300
        /// How long a remote command waits for the charge point's answer.
        var callTimeout: Duration = .seconds(10)
        /// A port of its own for `/ocpp/CHARGER_ID` (`--ocpp-port`); nil: the API's port.
        var port: Int?
    }

    /// A charge point's WebSocket, as the route gives it.
    struct Connection: Sendable {
        let id: UInt64
        let peer: OCPPPeer
        /// Closes the WebSocket (a newer connection of the same charger replaces it).
        let close: @Sendable () async -> Void
    }

    struct Station {
        var connection: Connection
        var booted = false
        var statuses: [Int: ChargePointStatus] = [:]
        /// Remote starts accepted by the charge point, waiting for its StartTransaction.
        var pendingStarts: [Int: (idTag: String, transactionID: Int)] = [:]
        /// Stopped transactions whose `session_completed` waits for the connector to be free.
        var awaitingUnplug: [Int: Int] = [:]
    }

    struct Transaction {
        var chargerID: String
        var connectorID: Int
        var meterStart: Int
        var start: Date
    }

    let configuration: Configuration
    let simulator: FleetSimulator
    private let emit: @Sendable (CMSEvent) -> Void
    private let logger: Logger
    private var stations: [String: Station] = [:]
    /// Each charge point's own status (connector 0) as last reported, Offline while it is away:
    /// the `previous_status` of its next report.
    private var chargePointStatus: [String: String] = [:]
    /// Transactions run on a station; they outlive its connection, as a charger's do.
    private var transactions: [Int: Transaction] = [:]
    private var nextConnectionID: UInt64 = 0

    init(configuration: Configuration, simulator: FleetSimulator, logger: Logger, emit: @escaping @Sendable (CMSEvent) -> Void) {
        self.configuration = configuration
        self.simulator = simulator
        self.logger = logger
        self.emit = emit
    }

    // MARK: Connections

    /// Whether `chargerID` may connect: a charger of the fleet, or any with the flag.
    func admits(_ chargerID: String) -> Bool {
        guard !chargerID.isEmpty, chargerID.utf8.count <= 48 else { return false }
        return simulator.fleet.charger(chargerID) != nil || configuration.acceptUnknownChargers
    }

    func makeConnectionID() -> UInt64 {
        nextConnectionID += 1
        return nextConnectionID
    }

    /// A charge point's WebSocket is open. A second connection of the same id replaces the
    /// first, as a CSMS does when a charger comes back before its old TCP connection died.
    func connected(_ chargerID: String, _ connection: Connection) async {
        let previous = stations[chargerID]
        stations[chargerID] = Station(connection: connection, statuses: previous?.statuses ?? [:],
                                      awaitingUnplug: previous?.awaitingUnplug ?? [:])
        if let previous {
            logger.info("charge point reconnected: the older connection closes", metadata: ["charger": "\(chargerID)"])
            await previous.connection.peer.close()
            await previous.connection.close()
        }
        await simulator.handOver(chargerID)
        logger.info("charge point connected", metadata: ["charger": "\(chargerID)"])
    }

    /// Its WebSocket closed: the backend sees the charger go offline (its transactions go on,
    /// and it reports them when it is back).
    func disconnected(_ chargerID: String, connectionID: UInt64) async {
        guard let station = stations[chargerID], station.connection.id == connectionID else { return }
        await station.connection.peer.close()
        stations[chargerID] = nil
        logger.info("charge point disconnected", metadata: ["charger": "\(chargerID)"])
        let previous = chargePointStatus.updateValue("Offline", forKey: chargerID) ?? "Available"
        emit(CMSEvent(event: .statusChanged, chargerID: chargerID, data: [
            "status": "Offline", "previous_status": .string(previous), "timestamp": .string(Timestamp.string(from: simulator.clock.now())),
        ]))
    }

    var connectedChargers: [String] { stations.keys.sorted() }

    // MARK: What the charge point reports

    func booted(_ chargerID: String) -> BootNotificationResponse {
        stations[chargerID]?.booted = true
        return BootNotificationResponse(status: .accepted, currentTime: now(), interval: configuration.heartbeatInterval)
    }

    func heartbeat() -> HeartbeatResponse { HeartbeatResponse(currentTime: now()) }

    func statusNotification(_ chargerID: String, _ request: StatusNotificationRequest) async {
        let timestamp = Self.normalized(request.timestamp) ?? now()
        let errorCode: JSONValue = request.errorCode == .noError ? .null : .string(request.errorCode.rawValue)
        guard request.connectorId > 0 else {
            // Connector 0 is the charge point as a whole.
            let previous = chargePointStatus.updateValue(request.status.rawValue, forKey: chargerID) ?? "Available"
            emit(CMSEvent(event: .statusChanged, chargerID: chargerID, data: [
                "status": .string(request.status.rawValue), "previous_status": .string(previous), "error_code": errorCode, "timestamp": .string(timestamp),
            ]))
            return
        }
        let key = FleetSimulator.ConnectorKey(chargerID: chargerID, connectorID: request.connectorId)
        var previous = stations[chargerID]?.statuses[request.connectorId]
        if previous == nil { previous = await simulator.status(of: key) }
        let before = previous ?? .available
        stations[chargerID]?.statuses[request.connectorId] = request.status
        await simulator.recordExternalStatus(key, request.status, errorCode: request.errorCode)
        if !before.canTransition(to: request.status), before != request.status {
            logger.notice("charge point reports a transition OCPP does not list", metadata: [
                "charger": "\(chargerID)", "connector": "\(request.connectorId)", "from": "\(before.rawValue)", "to": "\(request.status.rawValue)",
            ])
        }
        if before != request.status || request.errorCode != .noError {
            emit(CMSEvent(
                event: .statusChanged, chargerID: chargerID, connectorID: request.connectorId,
                data: Self.json(StatusChangedData(
                    status: request.status.rawValue, previousStatus: before.rawValue, connectorID: request.connectorId,
                    errorCode: request.errorCode == .noError ? nil : request.errorCode.rawValue, timestamp: timestamp))))
        }
        if request.status == .available, let transactionID = stations[chargerID]?.awaitingUnplug.removeValue(forKey: request.connectorId) {
            emit(CMSEvent(event: .sessionCompleted, chargerID: chargerID, connectorID: request.connectorId, transactionID: transactionID))
        }
    }

    func startTransaction(_ chargerID: String, _ request: StartTransactionRequest) async -> StartTransactionResponse {
        let transactionID: Int
        if let pending = stations[chargerID]?.pendingStarts[request.connectorId], pending.idTag == request.idTag {
            stations[chargerID]?.pendingStarts[request.connectorId] = nil
            transactionID = pending.transactionID
        } else {
            transactionID = await simulator.takeWalkInTransactionNumber()
        }
        let start = Timestamp.date(from: request.timestamp) ?? simulator.clock.now()
        transactions[transactionID] = Transaction(chargerID: chargerID, connectorID: request.connectorId, meterStart: request.meterStart, start: start)
        stations[chargerID]?.awaitingUnplug[request.connectorId] = nil
        logger.info("transaction started", metadata: ["charger": "\(chargerID)", "connector": "\(request.connectorId)", "transaction": "\(transactionID)"])
        emit(CMSEvent(
            event: .sessionStarted, chargerID: chargerID, connectorID: request.connectorId, transactionID: transactionID,
            data: Self.json(SessionStartedData(
                chargerID: chargerID, connectorID: request.connectorId, idTag: request.idTag, meterStart: request.meterStart,
                startTime: Timestamp.string(from: start)))))
        return StartTransactionResponse(idTagInfo: IdTagInfo(status: .accepted), transactionId: transactionID)
    }

    func meterValues(_ chargerID: String, _ request: MeterValuesRequest) {
        // Clock-aligned values outside a transaction have no session to go to.
        guard let transactionID = request.transactionId, let transaction = transactions[transactionID],
              transaction.chargerID == chargerID else { return }
        for meterValue in request.meterValue {
            let reading = meterValue.reading
            guard let energyWh = reading.energyWh else {
                logger.debug("meter value without an energy register skipped", metadata: ["charger": "\(chargerID)"])
                continue
            }
            let register = Int(energyWh.rounded(.down))
            emit(CMSEvent(
                event: .meterValue, chargerID: chargerID, connectorID: transaction.connectorID, transactionID: transactionID,
                data: Self.json(MeterValueData(
                    chargerID: chargerID, connectorID: transaction.connectorID,
                    energyDelivered: Double(max(0, register - transaction.meterStart)) / 1000,
                    power: ((reading.powerW ?? 0) / 10).rounded() / 100,
                    voltage: reading.voltageV.map { ($0 * 10).rounded() / 10 }, current: reading.currentA.map { ($0 * 10).rounded() / 10 },
                    meterValue: register, soc: reading.soc.map { ($0 * 10).rounded() / 10 },
                    timestamp: Self.normalized(meterValue.timestamp) ?? now()))))
        }
    }

    func stopTransaction(_ chargerID: String, _ request: StopTransactionRequest) -> StopTransactionResponse {
        let answer = StopTransactionResponse(idTagInfo: request.idTag.map { _ in IdTagInfo(status: .accepted) })
        // Unknown ones are accepted too, or the charger would send them again and again.
        guard let transaction = transactions.removeValue(forKey: request.transactionId), transaction.chargerID == chargerID else {
            logger.warning("StopTransaction of no transaction known", metadata: ["charger": "\(chargerID)", "transaction": "\(request.transactionId)"])
            return answer
        }
        let stop = Timestamp.date(from: request.timestamp) ?? simulator.clock.now()
        emit(CMSEvent(
            event: .sessionStopped, chargerID: chargerID, connectorID: transaction.connectorID, transactionID: request.transactionId,
            data: Self.json(SessionStoppedData(
                chargerID: chargerID, connectorID: transaction.connectorID, meterStop: request.meterStop,
                energyDelivered: Double(max(0, request.meterStop - transaction.meterStart)) / 1000,
                duration: max(0, Int(stop.timeIntervalSince(transaction.start).rounded())),
                stopTime: Timestamp.string(from: stop),
                // The spec's name for OCPP's Remote is RemoteStop.
                stopReason: StopReason(ocpp: (request.reason ?? .local).rawValue)?.rawValue ?? (request.reason ?? .local).rawValue))))
        if stations[chargerID]?.statuses[transaction.connectorID] == .available {
            emit(CMSEvent(event: .sessionCompleted, chargerID: chargerID, connectorID: transaction.connectorID, transactionID: request.transactionId))
        } else {
            stations[chargerID]?.awaitingUnplug[transaction.connectorID] = request.transactionId
        }
        return answer
    }

    // MARK: Remote commands from the backend

    /// nil when `chargerID` is not a real charge point's: the simulator answers.
    func remoteStart(_ key: FleetSimulator.ConnectorKey, idTag: String, transactionID: Int) async -> RemoteCommandResult? {
        guard let station = stations[key.chargerID] else {
            return await simulator.isExternal(key.chargerID) ? .reject("Charger is offline") : nil
        }
        if transactions.values.contains(where: { $0.chargerID == key.chargerID && $0.connectorID == key.connectorID }) {
            return .reject("A transaction runs on this connector")
        }
        stations[key.chargerID]?.pendingStarts[key.connectorID] = (idTag, transactionID)
        let result = await command(station, RemoteStartTransactionRequest(connectorId: key.connectorID, idTag: idTag))
        if !result.isAccepted, stations[key.chargerID]?.pendingStarts[key.connectorID]?.transactionID == transactionID {
            stations[key.chargerID]?.pendingStarts[key.connectorID] = nil
        }
        return result
    }

    func remoteStop(_ key: FleetSimulator.ConnectorKey, transactionID: Int?) async -> RemoteCommandResult? {
        guard let station = stations[key.chargerID] else {
            return await simulator.isExternal(key.chargerID) ? .reject("Charger is offline") : nil
        }
        let running = transactions.first { $0.value.chargerID == key.chargerID && $0.value.connectorID == key.connectorID }?.key
        guard let target = transactionID ?? running, transactions[target]?.chargerID == key.chargerID else {
            return .reject("No such transaction on this connector")
        }
        return await command(station, RemoteStopTransactionRequest(transactionId: target))
    }

    func isConnected(_ chargerID: String) -> Bool { stations[chargerID] != nil }

    private func command<Request: OCPPRequest>(_ station: Station, _ request: Request) async -> RemoteCommandResult
    where Request.Response == StatusResponse<AcceptedOrRejected> {
        do {
            let answer = try await station.connection.peer.call(request)
            return answer.status == .accepted ? .accept : .reject("The charge point answered \(Request.action.rawValue) with Rejected")
        } catch {
            return .reject("\(Request.action.rawValue): \(error)")
        }
    }

    // MARK: Helpers

    private func now() -> String { Timestamp.string(from: simulator.clock.now()) }

    /// The charge point's time in the spec's form (second precision, UTC).
    static func normalized(_ text: String?) -> String? {
        text.flatMap(Timestamp.date(from:)).map(Timestamp.string(from:))
    }

    static func json<Value: Encodable>(_ value: Value) -> JSONValue { FleetSimulator.json(value) }
}
