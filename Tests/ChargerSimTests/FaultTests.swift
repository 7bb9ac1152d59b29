import Foundation
import Messages
import OCPP
import Testing

@testable import ChargerSim

/// Faults on demand, as app developers use them to test their error screens.
@Suite("charger-sim faults")
struct FaultTests {
    let cp001 = FleetSimulator.ConnectorKey(chargerID: "CP001", connectorID: 1)
    let cp001b = FleetSimulator.ConnectorKey(chargerID: "CP001", connectorID: 2)

    @Test func aFaultDuringASessionPausesItUntilCleared() async throws {
        let simulation = Simulation()
        let simulator = simulation.simulator
        _ = await simulator.remoteStart(cp001, idTag: "T", transactionID: 9)
        await simulation.run(steps: 2)
        #expect(await simulator.fault(cp001, errorCode: .groundFailure, info: "RCD tripped").isAccepted)
        #expect(await simulator.fault(cp001, errorCode: .groundFailure, info: nil) == .reject("Connector is already Faulted"))
        await simulation.run(steps: 3)
        #expect(simulation.log.named(.meterValue).count == 2)
        let faulted = try simulation.log.named(.statusChanged).last!.data.decode(as: StatusChangedData.self)
        #expect(faulted.status == "Faulted" && faulted.previousStatus == "Charging" && faulted.errorCode == "GroundFailure")
        #expect(simulation.log.named(.error).first?.data["info"] == "RCD tripped")
        let sessionError = try #require(simulation.log.named(.sessionError).first)
        #expect(sessionError.transactionID == 9 && sessionError.data["error_code"] == "GroundFailure")

        #expect(await simulator.clearFault(cp001).isAccepted)
        #expect(await simulator.clearFault(cp001) == .reject("Connector is not Faulted"))
        await simulation.run(steps: 2)
        #expect(simulation.log.statuses.suffix(2) == ["Faulted", "Charging"])
        #expect(simulation.log.named(.meterValue).count == 4)
    }

    @Test func unpluggingStopsTheSessionWithEVDisconnected() async throws {
        let simulation = Simulation()
        _ = await simulation.simulator.remoteStart(cp001, idTag: "T", transactionID: 3)
        await simulation.run(steps: 1)
        #expect(await simulation.simulator.unplug(cp001).isAccepted)
        #expect(await simulation.simulator.unplug(cp001) == .reject("No car is plugged in"))
        let stopped = try simulation.log.named(.sessionStopped)[0].data.decode(as: SessionStoppedData.self)
        #expect(stopped.stopReason == "EVDisconnected")
        #expect(simulation.log.statuses == ["Preparing", "Charging", "Available"])
        #expect(simulation.log.all.last?.event == .sessionCompleted)
    }

    @Test func unpluggingDuringFinishingFreesTheConnectorAtOnce() async throws {
        let simulation = Simulation()
        _ = await simulation.simulator.remoteStart(cp001, idTag: "T", transactionID: 3)
        _ = await simulation.simulator.remoteStop(cp001, transactionID: 3)
        #expect(await simulation.simulator.unplug(cp001).isAccepted)
        await simulation.run(seconds: 600)
        #expect(simulation.log.statuses == ["Preparing", "Charging", "Finishing", "Available"])
        #expect(simulation.log.named(.sessionCompleted).count == 1)
    }

    @Test func aFaultWhileFinishingStillEndsWithTheDriverUnplugging() async throws {
        let simulation = Simulation()
        _ = await simulation.simulator.remoteStart(cp001, idTag: "T", transactionID: 3)
        _ = await simulation.simulator.remoteStop(cp001, transactionID: 3)
        _ = await simulation.simulator.fault(cp001, errorCode: .otherError, info: nil)
        // The unplug comes due while Faulted; clearing the fault brings it back.
        await simulation.run(seconds: 120)
        #expect(await simulation.simulator.clearFault(cp001).isAccepted)
        await simulation.run(seconds: 120)
        #expect(simulation.log.statuses == ["Preparing", "Charging", "Finishing", "Faulted", "Finishing", "Available"])
        #expect(simulation.log.named(.sessionCompleted).count == 1)
    }

    @Test func powerLossStopsEverySessionAndPowerBackFreesTheConnectors() async throws {
        let simulation = Simulation()
        let simulator = simulation.simulator
        _ = await simulator.remoteStart(cp001, idTag: "T", transactionID: 1)
        await simulation.run(steps: 1)
        #expect(await simulator.powerLoss("CP001").isAccepted)
        #expect(await simulator.remoteStart(cp001b, idTag: "U", transactionID: 2) == .reject("Charger has no power"))
        let stopped = try simulation.log.named(.sessionStopped)[0].data.decode(as: SessionStoppedData.self)
        #expect(stopped.stopReason == "PowerLoss")
        #expect(await simulator.status(of: cp001) == .unavailable)
        #expect(await simulator.status(of: cp001b) == .unavailable)
        #expect(simulation.log.named(.sessionCompleted).isEmpty)

        #expect(await simulator.powerRestore("CP001").isAccepted)
        #expect(await simulator.status(of: cp001) == .available)
        #expect(await simulator.status(of: cp001b) == .available)
        #expect(simulation.log.named(.sessionCompleted).map(\.transactionID) == [1])
    }

    @Test func anOfflineChargerRefusesCommandsAndKeepsItsEventsUntilItIsBack() async throws {
        let simulation = Simulation()
        let simulator = simulation.simulator
        _ = await simulator.remoteStart(cp001, idTag: "T", transactionID: 1)
        #expect(await simulator.setOnline("CP001", false).isAccepted)
        let before = simulation.log.all.count
        await simulation.run(steps: 3)
        #expect(await simulator.remoteStop(cp001, transactionID: 1) == .reject("Charger is offline"))
        // Only the CMS's own notice reached the backend meanwhile.
        #expect(simulation.log.all.count == before)
        #expect(simulation.log.all.last?.data["status"] == "Offline" && simulation.log.all.last?.connectorID == nil)

        #expect(await simulator.setOnline("CP001", true).isAccepted)
        let after = simulation.log.all.dropFirst(before)
        #expect(after.map(\.event) == [.statusChanged, .meterValue, .meterValue, .meterValue])
        #expect(after.first?.data["status"] == "Available")
    }

    @Test func aReservationHoldsTheConnectorForOneCardUntilItExpires() async throws {
        let simulation = Simulation()
        let simulator = simulation.simulator
        #expect(await simulator.reserve(cp001, idTag: "RFID123", reservationID: 1, expiresIn: 600).isAccepted)
        #expect(await simulator.reserve(cp001, idTag: "RFID124", reservationID: 2, expiresIn: 600) == .reject("Connector is Reserved"))
        #expect(await simulator.remoteStart(cp001, idTag: "RFID124", transactionID: 7) == .reject("Connector is Reserved for another card"))
        #expect(await simulator.remoteStart(cp001, idTag: "RFID123", transactionID: 8).isAccepted)
        #expect(simulation.log.statuses == ["Reserved", "Preparing", "Charging"])
        // Used up: it does not expire under the session.
        await simulation.run(seconds: 900)
        #expect(await simulator.status(of: cp001) == .charging)

        #expect(await simulator.reserve(cp001b, idTag: "RFID125", reservationID: 3, expiresIn: 600).isAccepted)
        await simulation.run(seconds: 601)
        #expect(await simulator.status(of: cp001b) == .available)
        #expect(await simulator.reserve(cp001b, idTag: "RFID125", reservationID: 4, expiresIn: 600).isAccepted)
        #expect(await simulator.cancelReservation(cp001b).isAccepted)
        #expect(await simulator.cancelReservation(cp001b) == .reject("Connector has no reservation"))
        #expect(await simulator.status(of: cp001b) == .available)
    }

    @Test func statusesFollowOCPPsTable() {
        #expect(!ChargePointStatus.available.canTransition(to: .finishing))
        #expect(!ChargePointStatus.preparing.canTransition(to: .unavailable))
        #expect(!ChargePointStatus.finishing.canTransition(to: .charging))
        #expect(ChargePointStatus.faulted.canTransition(to: .charging))
        #expect(ChargePointStatus.allowed.values.reduce(0) { $0 + $1.count } == 53)
        #expect(ChargePointStatus.allCases.allSatisfy { !$0.canTransition(to: $0) })
    }
}
