import Foundation
import Logging
import Messages
import OCPP
import Testing

@testable import ChargerSim

/// The charge point's end of a connection in these tests: answers the CSMS's CALLs the way a
/// script says, and records them.
private actor ChargePointScript {
    var received: [OCPPMessage] = []
    var answerStart = true
    private var peer: OCPPPeer?

    func attach(_ peer: OCPPPeer) { self.peer = peer }

    /// A CALL of the CSMS: answered at once.
    func take(_ text: String) async {
        guard let message = try? OCPPMessage.parse(text) else { return }
        received.append(message)
        guard case .call(let id, let action, _) = message else { return }
        let status = action == "RemoteStartTransaction" && !answerStart ? "Rejected" : "Accepted"
        await peer?.received(OCPPMessage.callResult(id: id, payload: ["status": .string(status)]).text)
    }

    func refuseStarts() { answerStart = false }

    var calls: [String] {
        received.compactMap { if case .call(_, let action, _) = $0 { action } else { nil } }
    }
}

@Suite("charger-sim CSMS side")
struct CentralSystemTests {
    let cp001 = FleetSimulator.ConnectorKey(chargerID: "CP001", connectorID: 1)

    /// A CSMS with CP001 connected through a scripted charge point.
    private func connected(_ simulation: Simulation, acceptUnknown: Bool = false) async -> (CentralSystem, ChargePointScript) {
        var configuration = CentralSystem.Configuration()
        configuration.acceptUnknownChargers = acceptUnknown
        let log = simulation.log
        let central = CentralSystem(configuration: configuration, simulator: simulation.simulator, logger: Logger(label: "csms"), emit: { log.append($0) })
        let script = ChargePointScript()
        let peer = OCPPPeer(handlers: OCPPHandlers(), callTimeout: .seconds(5), logger: Logger(label: "cp")) { text in await script.take(text) }
        await script.attach(peer)
        await central.connected("CP001", CentralSystem.Connection(id: await central.makeConnectionID(), peer: peer, close: {}))
        return (central, script)
    }

    private func status(_ status: ChargePointStatus, connector: Int = 1, error: ChargePointErrorCode = .noError) -> StatusNotificationRequest {
        StatusNotificationRequest(connectorId: connector, errorCode: error, status: status, timestamp: "2026-12-06T10:00:00.250Z")
    }

    @Test func onlyTheFleetsChargersAreAdmittedUnlessTheFlagSaysSo() async {
        let simulation = Simulation()
        let (strict, _) = await connected(simulation)
        #expect(await strict.admits("CP001"))
        #expect(await !strict.admits("CP999"))
        #expect(await !strict.admits(""))
        let (open, _) = await connected(Simulation(), acceptUnknown: true)
        #expect(await open.admits("CP999"))
    }

    @Test func theSimulatedTwinStopsItsSessionAndKeepsQuiet() async throws {
        let simulation = Simulation()
        #expect(await simulation.simulator.remoteStart(cp001, idTag: "RFID123", transactionID: 55).isAccepted)
        _ = await connected(simulation)
        let stopped = simulation.log.named(.sessionStopped)
        #expect(stopped.map(\.transactionID) == [55])
        #expect(stopped.first?.data["stop_reason"] == "Other")
        #expect(simulation.log.named(.sessionCompleted).map(\.transactionID) == [55])
        let before = simulation.log.all.count
        await simulation.run(steps: 10)
        #expect(simulation.log.all.count == before)
        #expect(await simulation.simulator.isExternal("CP001"))
        #expect(await !simulation.simulator.isExternal("CP002"))
    }

    @Test func aRemoteStartNumbersTheChargersTransactionAndItsEventsReachTheBackend() async throws {
        let simulation = Simulation()
        let (central, script) = await connected(simulation)
        await central.statusNotification("CP001", status(.available))
        #expect(simulation.log.statuses.isEmpty, "Available to Available is no change")

        let started = await central.remoteStart(cp001, idTag: "RFID123", transactionID: 789)
        #expect(started == .accept)
        #expect(await script.calls == ["RemoteStartTransaction"])
        await central.statusNotification("CP001", status(.preparing))
        let answer = await central.startTransaction("CP001", StartTransactionRequest(
            connectorId: 1, idTag: "RFID123", meterStart: 5000, timestamp: "2026-12-06T10:00:00Z"))
        #expect(answer.transactionId == 789)
        #expect(answer.idTagInfo.status == .accepted)
        await central.statusNotification("CP001", status(.charging))
        #expect(simulation.log.statuses == ["Preparing", "Charging"])
        #expect(simulation.log.named(.statusChanged).last?.data["timestamp"] == "2026-12-06T10:00:00Z")
        #expect(await simulation.simulator.status(of: cp001) == .charging)

        let session = try #require(simulation.log.named(.sessionStarted).last)
        #expect(session.transactionID == 789)
        #expect(session.data["meter_start"] == 5000)
        #expect(session.data["id_tag"] == "RFID123")

        await central.meterValues("CP001", MeterValuesRequest(connectorId: 1, transactionId: 789, meterValue: [
            MeterValue(timestamp: "2026-12-06T10:01:00Z", sampledValue: [
                SampledValue(value: "6.5", measurand: .energyActiveImportRegister, unit: .kWh),
                SampledValue(value: "11000", measurand: .powerActiveImport, unit: .w),
                SampledValue(value: "16", measurand: .currentImport, phase: .l1, unit: .a),
                SampledValue(value: "15", measurand: .currentImport, phase: .l2, unit: .a),
                SampledValue(value: "230", measurand: .voltage, phase: .l1N, unit: .v),
                SampledValue(value: "41", measurand: .soc, unit: .percent),
            ]),
        ]))
        // Outside a transaction, or of another one: not a session's.
        await central.meterValues("CP001", MeterValuesRequest(connectorId: 1, meterValue: [
            MeterValue(timestamp: "2026-12-06T10:01:00Z", sampledValue: [SampledValue(value: "7000")]),
        ]))
        let meter = try #require(simulation.log.named(.meterValue).last)
        #expect(simulation.log.named(.meterValue).count == 1)
        #expect(meter.data["meter_value"] == 6500)
        #expect(meter.data["energy_delivered"] == 1.5)
        #expect(meter.data["power"] == 11)
        #expect(meter.data["current"] == 15.5)
        #expect(meter.data["voltage"] == 230)
        #expect(meter.data["soc"] == 41)

        #expect(await central.remoteStop(cp001, transactionID: nil) == .accept)
        #expect(await script.calls == ["RemoteStartTransaction", "RemoteStopTransaction"])
        _ = await central.stopTransaction("CP001", StopTransactionRequest(
            meterStop: 7000, timestamp: "2026-12-06T10:30:00Z", transactionId: 789, reason: .remote))
        let stop = try #require(simulation.log.named(.sessionStopped).last)
        #expect(stop.data["meter_stop"] == 7000)
        #expect(stop.data["energy_delivered"] == 2)
        #expect(stop.data["duration"] == 1800)
        #expect(stop.data["stop_reason"] == "RemoteStop")
        #expect(simulation.log.named(.sessionCompleted).isEmpty)
        await central.statusNotification("CP001", status(.finishing))
        await central.statusNotification("CP001", status(.available))
        #expect(simulation.log.named(.sessionCompleted).map(\.transactionID) == [789])
    }

    @Test func aStartAtTheChargerGetsAWalkInNumberAndARefusedRemoteStartLeavesNothingPending() async throws {
        let simulation = Simulation()
        let (central, script) = await connected(simulation)
        await script.refuseStarts()
        let refused = await central.remoteStart(cp001, idTag: "RFID123", transactionID: 790)
        #expect(refused?.isAccepted == false)
        let answer = await central.startTransaction("CP001", StartTransactionRequest(
            connectorId: 1, idTag: "RFID123", meterStart: 0, timestamp: "2026-12-06T10:00:00Z"))
        #expect(answer.transactionId >= FleetSimulator.firstWalkInTransaction)
        #expect(await central.remoteStart(cp001, idTag: "RFID123", transactionID: 791) == .reject("A transaction runs on this connector"))
    }

    @Test func aDisconnectedChargePointIsOfflineAndItsCommandsAreRefused() async throws {
        let simulation = Simulation()
        let (central, _) = await connected(simulation)
        await central.disconnected("CP001", connectionID: 1)
        #expect(simulation.log.named(.statusChanged).last?.data["status"] == "Offline")
        #expect(await central.remoteStart(cp001, idTag: "RFID123", transactionID: 1) == .reject("Charger is offline"))
        // Another charger is still the simulator's.
        #expect(await central.remoteStart(FleetSimulator.ConnectorKey(chargerID: "CP002", connectorID: 1), idTag: "RFID123", transactionID: 1) == nil)
        // Back, it reports itself (connector 0): the backend sees it come from Offline.
        await central.statusNotification("CP001", status(.available, connector: 0))
        let back = simulation.log.named(.statusChanged).last
        #expect(back?.data["status"] == "Available")
        #expect(back?.data["previous_status"] == "Offline")
    }

    @Test func anUnknownStopIsAcceptedSoTheChargerDoesNotSendItAgain() async {
        let simulation = Simulation()
        let (central, _) = await connected(simulation)
        let answer = await central.stopTransaction("CP001", StopTransactionRequest(
            idTag: "RFID1", meterStop: 1, timestamp: "2026-12-06T10:00:00Z", transactionId: 4242))
        #expect(answer.idTagInfo?.status == .accepted)
        #expect(simulation.log.named(.sessionStopped).isEmpty)
    }
}
