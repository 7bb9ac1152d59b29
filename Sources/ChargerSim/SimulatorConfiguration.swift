import Foundation
/// Everything charger-sim is told at start; DESIGN.md lists the environment variables.
struct SimulatorConfiguration: Sendable {
    var host = "0.0.0.0"
    var port = 9000
    var backendURL = "http://127.0.0.1:8000"
    var cmsSecret: String
    var fleetPath: String?
    /// Wall-clock seconds between meter values.
    var meterInterval: Double = 10
    /// Simulated seconds per wall-clock second.
    var speed: Double = 1
    var seed: UInt64 = UInt64.random(in: 0...UInt64.max)
    /// Simulated seconds between a remote stop and the driver unplugging.
    var unplugDelay: Double = 30
    /// Walk-in drivers start and stop sessions by themselves (`--auto`).
    var auto = false
    /// The simulated clock starts paused (a scenario moves it).
    var paused = false
    /// Simulated time at launch; nil: the wall clock's.
    var clockStart: Date?
    /// Mean simulated seconds between two walk-in drivers at a free connector.
    var meanArrival: Double = 20 * 60
    /// Hop records kept for `GET /debug/traces/ID`; 0 keeps none.
    var traceRecords = 10_000
    /// The CSMS side, where real charge points connect.
    var centralSystem = CentralSystem.Configuration()
    /// nil: no charger talks OCPP to a CSMS (`--ocpp-csms-url` not given).
    var chargePoints: OCPPChargePointOptions?

    init(cmsSecret: String) { self.cmsSecret = cmsSecret }

    /// Simulated seconds covered by one meter step.
    var simulatedStep: Double { meterInterval * speed }
}
