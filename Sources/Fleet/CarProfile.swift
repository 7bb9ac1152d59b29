/// The simulated car that plugs in for a session.
public struct CarProfile: Codable, Sendable, Equatable {
    /// kWh.
    public var batteryCapacity: Double
    /// State of charge at arrival and where charging stops, percent.
    public var startSoC: Double
    public var targetSoC: Double
    /// The car's on-board AC charger, kW: the limit on AC chargers.
    public var onboardACLimit: Double

    public init(batteryCapacity: Double = 60, startSoC: Double = 20, targetSoC: Double = 100, onboardACLimit: Double = 11) {
        self.batteryCapacity = batteryCapacity
        self.startSoC = startSoC
        self.targetSoC = targetSoC
        self.onboardACLimit = onboardACLimit
    }

    public static let standard = CarProfile()

    enum CodingKeys: String, CodingKey {
        case batteryCapacity = "battery_capacity", startSoC = "start_soc", targetSoC = "target_soc"
        case onboardACLimit = "onboard_ac_limit"
    }
}
