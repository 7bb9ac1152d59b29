import Fleet
import Foundation
import Logging
import Messages
import NIOSSL
import OCPP
import WSClient

/// One simulated charger as an OCPP 1.6J charge point toward a CSMS (`--ocpp-csms-url`).
///
/// The simulator's events for this charger become OCPP: status changes StatusNotification, a
/// session Authorize (for a card presented at the charger, or a remote start when
/// AuthorizeRemoteTxRequests is true) and StartTransaction, MeterValues (every
/// MeterValueSampleInterval of simulated time) and StopTransaction. Transaction messages wait
/// in order while the CSMS is unreachable and go after the next accepted boot; statuses do not wait (after a boot the charger sends the
/// ones it has now). The CSMS numbers transactions: the simulator's own numbers stay inside.
actor SimulatedChargePoint {
    enum Outbound: Sendable {
        case status(StatusNotificationRequest)
        /// The card of the simulator's transaction `local`, before its StartTransaction.
        case authorize(local: Int, AuthorizeRequest)
        /// The simulator's transaction number, and what StartTransaction says.
        case start(local: Int, StartTransactionRequest)
        case meterValues(local: Int, MeterValuesRequest)
        case stop(local: Int, StopTransactionRequest)

        /// Statuses and Authorize are not kept for a later connection (offline, a charger
        /// authorizes locally: LocalAuthorizeOffline).
        var isTransactionMessage: Bool {
            switch self {
            case .status, .authorize: false
            case .start, .meterValues, .stop: true
            }
        }

        /// The simulator's transaction the message belongs to.
        var localTransaction: Int? {
            switch self {
            case .status: nil
            case .authorize(let local, _), .start(let local, _), .meterValues(let local, _), .stop(let local, _): local
            }
        }
    }

    /// Where the charge point is: what `/health`-style views and tests read.
    enum State: String, Sendable {
        case offline, connecting, booting, pending, accepted
    }

    let chargerID: String
    let definition: ChargerDefinition
    let options: OCPPChargePointOptions
    private let simulator: FleetSimulator
    private let logger: Logger
    /// The simulator's events in its order, and barriers that let a command wait until every
    /// event before them has become an OCPP message.
    private enum Input: Sendable {
        case event(CMSEvent)
        case barrier(CheckedContinuation<Void, Never>)
    }
    private let events: AsyncStream<Input>
    private let eventInput: AsyncStream<Input>.Continuation

    private(set) var state = State.offline
    private(set) var configuration: CoreConfiguration
    private var peer: OCPPPeer?
    private var closeConnection: (@Sendable () async -> Void)?
    /// A message waiting to go, with a number of its own: statuses go in ahead of what waits
    /// and full queues drop their oldest meter values, so a position names no message for long.
    struct Queued: Sendable {
        let number: Int
        let message: Outbound
    }
    private(set) var outbox: [Queued] = []
    private var queuedSoFar = 0
    private var draining = false
    /// The CSMS's transaction id for each of the simulator's.
    private var transactionIDs: [Int: Int] = [:]
    /// The simulated time of each transaction's last MeterValues sent.
    private var lastMeterValues: [Int: Date] = [:]
    /// Connectors where a RemoteStartTransaction is starting a session (no Authorize for it
    /// unless AuthorizeRemoteTxRequests).
    private var remoteStarts: Set<Int> = []
    /// The simulator's transactions whose card the CSMS refused: none of their messages go.
    private var refused: Set<Int> = []
    /// The latest reading of each connector, for TriggerMessage(MeterValues).
    private var latestReading: [Int: (local: Int, value: MeterValue)] = [:]
    /// False while the API's `offline` holds the charger off the network.
    private var networkUp = true
    private var reconnectAttempt = 0
    /// Meter values dropped because the queue was full while the CSMS was unreachable.
    private(set) var droppedMeterValues = 0
    static let maximumQueuedMeterValues = 10_000

    init(definition: ChargerDefinition, options: OCPPChargePointOptions, simulator: FleetSimulator, logger: Logger) {
        chargerID = definition.id
        self.definition = definition
        self.options = options
        self.simulator = simulator
        var logger = logger
        logger[metadataKey: "charger"] = "\(definition.id)"
        self.logger = logger
        configuration = CoreConfiguration(
            connectors: definition.connectors, heartbeatInterval: options.heartbeatInterval,
            meterValueSampleInterval: options.meterValueSampleInterval)
        (events, eventInput) = AsyncStream.makeStream(of: Input.self)
    }

    /// An event of the simulator for this charger (in the simulator's order).
    nonisolated func deliver(_ event: CMSEvent) { eventInput.yield(.event(event)) }

    /// Returns once the events delivered so far are in the outbox.
    private func eventsTranslated() async {
        await withCheckedContinuation { eventInput.yield(.barrier($0)) }
    }

    /// Connects, and reconnects with backoff, until the task is cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.translateEvents() }
            group.addTask { await self.keepConnected() }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: Events to OCPP

    private func translateEvents() async {
        for await input in events {
            let event: CMSEvent
            switch input {
            case .event(let next): event = next
            case .barrier(let continuation):
                continuation.resume()
                continue
            }
            guard let connectorID = event.connectorID else { continue }
            let data = event.data
            switch event.event {
            case .statusChanged:
                guard let status = data["status"]?.stringValue.flatMap(ChargePointStatus.init(rawValue:)) else { continue }
                let errorCode = data["error_code"]?.stringValue.flatMap(ChargePointErrorCode.init(rawValue:)) ?? .noError
                enqueue(.status(StatusNotificationRequest(
                    connectorId: connectorID, errorCode: errorCode, status: status, timestamp: data["timestamp"]?.stringValue)))
            case .sessionStarted:
                guard let local = event.transactionID, let idTag = data["id_tag"]?.stringValue, case .int(let meterStart)? = data["meter_start"],
                      let start = data["start_time"]?.stringValue else { continue }
                lastMeterValues[local] = Timestamp.date(from: start)
                let remote = remoteStarts.remove(connectorID) != nil
                if !remote || configuration.authorizeRemoteTxRequests {
                    enqueue(.authorize(local: local, AuthorizeRequest(idTag: idTag)))
                }
                enqueue(.start(local: local, StartTransactionRequest(connectorId: connectorID, idTag: idTag, meterStart: meterStart, timestamp: start)))
            case .meterValue:
                guard let local = event.transactionID, let timestamp = data["timestamp"]?.stringValue, let time = Timestamp.date(from: timestamp)
                else { continue }
                let value = meterValue(data, context: .samplePeriodic, timestamp: timestamp)
                latestReading[connectorID] = (local, value)
                // 0 turns sampled meter values off (TriggerMessage still reads the latest).
                guard configuration.meterValueSampleInterval > 0 else { continue }
                // MeterValueSampleInterval counts simulated seconds, as the charger's clock does.
                if let last = lastMeterValues[local], time.timeIntervalSince(last) < Double(configuration.meterValueSampleInterval) { continue }
                lastMeterValues[local] = time
                enqueue(.meterValues(local: local, MeterValuesRequest(connectorId: connectorID, transactionId: local, meterValue: [value])))
            case .sessionStopped:
                guard let local = event.transactionID, case .int(let meterStop)? = data["meter_stop"],
                      let stop = data["stop_time"]?.stringValue else { continue }
                lastMeterValues[local] = nil
                latestReading[connectorID] = nil
                let reason = data["stop_reason"]?.stringValue.flatMap(StopReason.init(ocpp:))?.ocpp ?? .other
                let end = MeterValue(
                    reading: MeterReading(energyWh: Double(meterStop)), phases: nil, context: .transactionEnd, timestamp: stop)
                enqueue(.stop(local: local, StopTransactionRequest(
                    meterStop: meterStop, timestamp: stop, transactionId: local, reason: reason, transactionData: [end])))
            default:
                continue
            }
        }
    }

    private func meterValue(_ data: JSONValue, context: ReadingContext, timestamp: String) -> MeterValue {
        let reading = MeterReading(
            energyWh: data["meter_value"]?.doubleValue, powerW: data["power"]?.doubleValue.map { $0 * 1000 },
            currentA: data["current"]?.doubleValue, voltageV: data["voltage"]?.doubleValue,
            soc: definition.kind == .dc ? data["soc"]?.doubleValue : nil)
        var value = MeterValue(reading: reading, phases: definition.kind == .ac ? definition.phaseCount : nil, context: context, timestamp: timestamp)
        let sampled = configuration.sampledMeasurands
        value.sampledValue.removeAll { $0.measurand.map { !sampled.contains($0) } ?? false }
        return value
    }

    private func enqueue(_ message: Outbound) {
        if let local = message.localTransaction, refused.contains(local) {
            if case .stop = message { refused.remove(local) }
            return
        }
        // Statuses are sent only to a CSMS that accepted the boot; the boot sends the current ones.
        if !message.isTransactionMessage, state != .accepted { return }
        if case .meterValues = message, outbox.count >= Self.maximumQueuedMeterValues,
           let oldest = outbox.firstIndex(where: { if case .meterValues = $0.message { true } else { false } }) {
            outbox.remove(at: oldest)
            droppedMeterValues += 1
        }
        outbox.append(queued(message))
        drain()
    }

    private func queued(_ message: Outbound) -> Queued {
        queuedSoFar += 1
        return Queued(number: queuedSoFar, message: message)
    }

    /// Takes the message out once it is done with, wherever it is by then (nearly always
    /// still first: a drain after an outage sends thousands this way).
    private func remove(_ entry: Queued) {
        if outbox.first?.number == entry.number {
            outbox.removeFirst()
        } else if let index = outbox.firstIndex(where: { $0.number == entry.number }) {
            outbox.remove(at: index)
        }
    }

    /// None of the transaction's messages go from now on: the CSMS refused its card, or never
    /// numbered it.
    private func dropTransaction(_ local: Int) {
        refused.insert(local)
        outbox.removeAll { $0.message.localTransaction == local && $0.message.isTransactionMessage }
    }

    /// Sends what waits, one CALL at a time, while the CSMS has accepted the boot.
    private func drain() {
        guard !draining, state == .accepted, let peer, !outbox.isEmpty else { return }
        draining = true
        Task {
            await self.send(through: peer)
        }
    }

    private func send(through peer: OCPPPeer) async {
        defer {
            draining = false
            // A new connection booted while this one was asleep between attempts: its drain
            // found this one still running, so the queue goes on through the new one.
            if self.peer !== peer { drain() }
        }
        var attempts = 0
        while state == .accepted, self.peer === peer, let entry = outbox.first {
            let message = entry.message
            do {
                try await transmit(message, through: peer)
                remove(entry)
                attempts = 0
            } catch OCPPCallFailure.connectionClosed {
                return
            } catch {
                attempts += 1
                logger.warning("OCPP message not taken", metadata: ["error": "\(error)", "attempt": "\(attempts)"])
                // TransactionMessageAttempts: then the message is given up; a status at once.
                if !message.isTransactionMessage || attempts >= configuration.transactionMessageAttempts {
                    remove(entry)
                    if case .start(let local, _) = message {
                        // The CSMS never numbered it: its meter values and stop cannot name it.
                        dropTransaction(local)
                    }
                    attempts = 0
                    continue
                }
                try? await Task.sleep(for: .seconds(configuration.transactionMessageRetryInterval) * attempts)
            }
        }
    }

    private func transmit(_ message: Outbound, through peer: OCPPPeer) async throws(OCPPCallFailure) {
        switch message {
        case .status(let request):
            _ = try await peer.call(request)
        case .authorize(let local, let request):
            let answer = try await peer.call(request)
            if answer.idTagInfo.status != .accepted {
                // A real charger would not start: this one has, so it stops at once, unreported.
                logger.info("CSMS refused the card: the transaction does not start", metadata: ["status": "\(answer.idTagInfo.status.rawValue)"])
                dropTransaction(local)
                await simulator.deauthorize(transactionID: local)
            }
        case .start(let local, let request):
            let answer = try await peer.call(request)
            transactionIDs[local] = answer.transactionId
            if answer.idTagInfo.status != .accepted {
                logger.info("CSMS refused the card: the transaction stops", metadata: ["status": "\(answer.idTagInfo.status.rawValue)"])
                await simulator.deauthorize(transactionID: local)
            }
        case .meterValues(let local, var request):
            request.transactionId = transactionIDs[local] ?? local
            _ = try await peer.call(request)
        case .stop(let local, var request):
            request.transactionId = transactionIDs[local] ?? local
            _ = try await peer.call(request)
            transactionIDs[local] = nil
        }
    }

    // MARK: Connection

    private func keepConnected() async {
        while !Task.isCancelled {
            if networkUp {
                state = .connecting
                await connectOnce()
                state = .offline
                peer = nil
                closeConnection = nil
                // Statuses are not kept for the next connection.
                outbox.removeAll { !$0.message.isTransactionMessage }
            }
            // Held off the network, the charger does not try, so its backoff starts afresh
            // when it is back.
            reconnectAttempt = networkUp ? reconnectAttempt + 1 : 0
            do {
                try await Task.sleep(for: networkUp ? backoff(reconnectAttempt) : .milliseconds(200))
            } catch {
                return
            }
        }
    }

    /// A real charger's backoff: doubling from the minimum to the maximum, with jitter.
    private func backoff(_ attempt: Int) -> Duration {
        let base = min(options.reconnectMaximum, options.reconnectMinimum * (1 << min(attempt - 1, 16)))
        return base * Double.random(in: 0.5...1.0)
    }

    private func connectOnce() async {
        var settings = WebSocketClientConfiguration()
        settings.additionalHeaders[.secWebSocketProtocol] = OCPPChargePointOptions.subprotocol
        if let password = options.password {
            let credentials = Data("\(chargerID):\(password)".utf8).base64EncodedString()
            settings.additionalHeaders[.authorization] = "Basic \(credentials)"
        }
        let url = options.url(for: chargerID)
        do {
            try await WebSocketClient.connect(url: url, configuration: settings, tlsConfiguration: options.tls, logger: logger) {
                inbound, outbound, _ in
                let peer = OCPPPeer(handlers: self.handlers(), callTimeout: self.options.callTimeout, logger: self.logger) { text in
                    try await outbound.write(.text(text))
                }
                await self.connected(peer) { try? await outbound.close(.goingAway, reason: "Charger going offline") }
                let session = Task { await self.boot(through: peer) }
                defer { session.cancel() }
                do {
                    for try await message in inbound.messages(maxSize: OCPPChargePointOptions.maximumMessageSize) {
                        if case .text(let text) = message { await peer.received(text) }
                    }
                } catch {
                    self.logger.debug("connection ended", metadata: ["error": "\(error)"])
                }
                await peer.close()
            }
        } catch {
            if reconnectAttempt == 0 || reconnectAttempt % 10 == 0 {
                logger.warning("cannot reach the CSMS", metadata: ["url": "\(url)", "error": "\(error)"])
            }
        }
    }

    private func connected(_ peer: OCPPPeer, close: @escaping @Sendable () async -> Void) {
        self.peer = peer
        closeConnection = close
        state = .booting
        logger.info("connected to the CSMS")
    }

    /// BootNotification until Accepted (again after Pending or Rejected, at the interval the
    /// CSMS gave), then the current statuses, what waited, and Heartbeat at its interval.
    private func boot(through peer: OCPPPeer) async {
        let request = BootNotificationRequest(
            chargePointVendor: options.vendor, chargePointModel: options.model, chargePointSerialNumber: chargerID,
            firmwareVersion: options.firmwareVersion)
        while !Task.isCancelled {
            do {
                let answer = try await peer.call(request)
                if answer.status == .accepted {
                    if answer.interval > 0 { configuration.setHeartbeatInterval(answer.interval) }
                    break
                }
                state = .pending
                logger.info("CSMS answered the boot with \(answer.status.rawValue)", metadata: ["retry_in": "\(answer.interval)"])
                try await Task.sleep(for: answer.interval > 0 ? .seconds(answer.interval) : options.bootRetryInterval)
            } catch is CancellationError {
                return
            } catch OCPPCallFailure.connectionClosed {
                return
            } catch {
                logger.warning("boot failed", metadata: ["error": "\(error)"])
                do { try await Task.sleep(for: options.bootRetryInterval) } catch { return }
            }
        }
        guard self.peer === peer else { return }
        state = .accepted
        reconnectAttempt = 0
        await sendCurrentStatuses(connector: nil)
        drain()
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(max(1, configuration.heartbeatInterval)))
            } catch {
                return
            }
            _ = try? await peer.call(HeartbeatRequest())
        }
    }

    /// StatusNotification for connector 0 and every connector (or the one asked for), ahead of
    /// anything that waits.
    private func sendCurrentStatuses(connector: Int?) async {
        let states = await simulator.connectorStates(of: chargerID)
        let now = Timestamp.string(from: simulator.clock.now())
        var statuses: [Outbound] = []
        if connector == nil || connector == 0 {
            let powered = states.contains { $0.status != .unavailable }
            statuses.append(.status(StatusNotificationRequest(
                connectorId: 0, errorCode: .noError, status: powered ? .available : .unavailable, timestamp: now)))
        }
        for state in states where connector == nil || connector == state.connectorID {
            statuses.append(.status(StatusNotificationRequest(
                connectorId: state.connectorID, errorCode: state.errorCode, status: state.status, timestamp: now)))
        }
        outbox.insert(contentsOf: statuses.map(queued), at: 0)
    }

    /// The API's offline and online: the charger drops off the network and comes back.
    func setNetwork(up: Bool) async {
        networkUp = up
        if !up { await closeConnection?() }
    }

    /// Reset: the charger reboots, so the connection closes and the charge point boots again.
    func reboot() async {
        await closeConnection?()
    }

    var queuedTransactionMessages: Int { outbox.filter(\.message.isTransactionMessage).count }

    // MARK: What the CSMS asks

    private func key(_ connectorID: Int) -> FleetSimulator.ConnectorKey {
        FleetSimulator.ConnectorKey(chargerID: chargerID, connectorID: connectorID)
    }

    nonisolated func handlers() -> OCPPHandlers {
        var handlers = OCPPHandlers()
        handlers.on(RemoteStartTransactionRequest.self) { request in
            await self.acceptsRemoteStart(request) ? .init(status: .accepted) : .init(status: .rejected)
        } then: { request, answer in
            guard answer.status == .accepted else { return }
            await self.remoteStart(request)
        }
        handlers.on(RemoteStopTransactionRequest.self) { request in
            await self.localTransaction(request.transactionId) != nil ? .init(status: .accepted) : .init(status: .rejected)
        } then: { request, answer in
            guard answer.status == .accepted, let local = await self.localTransaction(request.transactionId),
                  let key = await self.simulator.connector(running: local) else { return }
            _ = await self.simulator.remoteStop(key, transactionID: local)
        }
        handlers.on(ResetRequest.self) { _ in .init(status: .accepted) } then: { request, _ in
            await self.simulator.reset(self.chargerID, hard: request.type == .hard)
            // The StopTransactions go before the charger goes dark.
            await self.waitForTransactionMessages()
            await self.reboot()
        }
        handlers.on(ChangeAvailabilityRequest.self) { request in
            .init(status: await self.simulator.changeAvailability(of: self.chargerID, connectorID: request.connectorId, to: request.type))
        }
        handlers.on(UnlockConnectorRequest.self) { request in
            .init(status: await self.simulator.unlock(self.key(request.connectorId)))
        }
        handlers.on(TriggerMessageRequest.self) { request in
            switch request.requestedMessage {
            case .bootNotification, .heartbeat, .statusNotification, .meterValues: .init(status: .accepted)
            case .diagnosticsStatusNotification, .firmwareStatusNotification: .init(status: .notImplemented)
            }
        } then: { request, answer in
            guard answer.status == .accepted else { return }
            await self.trigger(request.requestedMessage, connector: request.connectorId)
        }
        handlers.on(GetConfigurationRequest.self) { request in await self.configuration.get(request.key) }
        handlers.on(ChangeConfigurationRequest.self) { request in .init(status: await self.changeConfiguration(request.key, request.value)) }
        handlers.on(ClearCacheRequest.self) { _ in .init(status: .accepted) }
        handlers.on(DataTransferRequest.self) { _ in DataTransferResponse(status: .unknownVendorId) }
        handlers.on(ReserveNowRequest.self) { request in await self.reserve(request) }
        handlers.on(CancelReservationRequest.self) { request in
            .init(status: await self.cancelReservation(request.reservationId) ? .accepted : .rejected)
        }
        return handlers
    }

    private func acceptsRemoteStart(_ request: RemoteStartTransactionRequest) async -> Bool {
        guard let connectorID = request.connectorId else { return await simulator.freeConnector(of: chargerID) != nil }
        guard let status = await simulator.status(of: key(connectorID)) else { return false }
        return [.available, .preparing, .reserved].contains(status)
    }

    private func remoteStart(_ request: RemoteStartTransactionRequest) async {
        var target = request.connectorId.map(key)
        if target == nil { target = await simulator.freeConnector(of: chargerID) }
        guard let target else { return }
        remoteStarts.insert(target.connectorID)
        let result = await simulator.walkIn(target, idTag: request.idTag, stay: nil)
        if !result.isAccepted {
            remoteStarts.remove(target.connectorID)
            logger.info("remote start did not start", metadata: ["reason": "\(result.reason ?? "")"])
        }
    }

    private func localTransaction(_ remote: Int) -> Int? {
        transactionIDs.first { $0.value == remote }?.key
    }

    /// Up to 5 s for the transaction messages to leave (a charger sends its StopTransactions
    /// before it reboots).
    private func waitForTransactionMessages() async {
        await eventsTranslated()
        for _ in 0..<50 where outbox.contains(where: \.message.isTransactionMessage) && state == .accepted {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func trigger(_ message: MessageTrigger, connector: Int?) async {
        guard let peer else { return }
        switch message {
        case .bootNotification:
            _ = try? await peer.call(BootNotificationRequest(
                chargePointVendor: options.vendor, chargePointModel: options.model, chargePointSerialNumber: chargerID,
                firmwareVersion: options.firmwareVersion))
        case .heartbeat:
            _ = try? await peer.call(HeartbeatRequest())
        case .statusNotification:
            await sendCurrentStatuses(connector: connector ?? 0 == 0 ? nil : connector)
            drain()
        case .meterValues:
            for (connectorID, latest) in latestReading.sorted(by: { $0.key < $1.key }) where connector == nil || connector == connectorID {
                var value = latest.value
                for index in value.sampledValue.indices { value.sampledValue[index].context = .trigger }
                enqueue(.meterValues(local: latest.local, MeterValuesRequest(connectorId: connectorID, transactionId: latest.local, meterValue: [value])))
            }
        case .diagnosticsStatusNotification, .firmwareStatusNotification:
            break
        }
    }

    private func changeConfiguration(_ key: String, _ value: String) -> ConfigurationStatus {
        let status = configuration.change(key, to: value)
        logger.info("configuration changed", metadata: ["key": "\(key)", "status": "\(status.rawValue)"])
        return status
    }

    private func reserve(_ request: ReserveNowRequest) async -> StatusResponse<ReservationStatus> {
        let key = key(request.connectorId)
        guard let status = await simulator.status(of: key) else { return .init(status: .rejected) }
        switch status {
        case .faulted: return .init(status: .faulted)
        case .unavailable: return .init(status: .unavailable)
        case .available: break
        default: return .init(status: .occupied)
        }
        let expiry = Timestamp.date(from: request.expiryDate) ?? simulator.clock.now()
        let seconds = expiry.timeIntervalSince(simulator.clock.now())
        guard seconds > 0 else { return .init(status: .rejected) }
        let result = await simulator.reserve(key, idTag: request.idTag, reservationID: request.reservationId, expiresIn: seconds)
        return .init(status: result.isAccepted ? .accepted : .rejected)
    }

    private func cancelReservation(_ reservationID: Int) async -> Bool {
        for state in await simulator.connectorStates(of: chargerID) where state.status == .reserved {
            if await simulator.reservationID(at: key(state.connectorID)) == reservationID {
                return await simulator.cancelReservation(key(state.connectorID)).isAccepted
            }
        }
        return false
    }
}
