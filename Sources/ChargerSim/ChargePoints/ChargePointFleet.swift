import Fleet
import Logging
import Messages
import ServiceLifecycle

/// The simulated chargers that talk OCPP to a CSMS, as one service: each connects, and
/// reconnects, until shutdown. Their events go to their charge point instead of the backend
/// (the CSMS stands where charger-sim's own CMS stood).
final class ChargePointFleet: Service, Sendable {
    let chargePoints: [String: SimulatedChargePoint]

    init(fleet: FleetDefinition, options: OCPPChargePointOptions, simulator: FleetSimulator, logger: Logger) {
        var chargePoints: [String: SimulatedChargePoint] = [:]
        for charger in fleet.chargers where options.chargers?.contains(charger.id) ?? true {
            chargePoints[charger.id] = SimulatedChargePoint(definition: charger, options: options, simulator: simulator, logger: logger)
        }
        self.chargePoints = chargePoints
    }

    /// True when the event is a charge point's to send.
    func deliver(_ event: CMSEvent) -> Bool {
        guard let chargePoint = chargePoints[event.chargerID] else { return false }
        chargePoint.deliver(event)
        return true
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for chargePoint in self.chargePoints.values {
                    group.addTask { await chargePoint.run() }
                }
            }
        }
    }
}
