import Fleet

/// What a charger delivers to the car at a given state of charge.
struct ChargingPhysics: Sendable {
    let charger: ChargerDefinition
    let car: CarProfile

    struct Reading: Sendable, Equatable {
        /// kW, volts, amps.
        var power: Double
        var voltage: Double
        var current: Double
    }

    /// `fluctuation` in 0...1 lowers the power by up to 2 %, so readings vary but never pass the
    /// limits.
    func reading(soc: Double, fluctuation: Double) -> Reading {
        guard soc < car.targetSoC else {
            return Reading(power: 0, voltage: charger.kind == .ac ? (charger.voltage ?? 230) : 400, current: 0)
        }
        let scale = 1 - 0.02 * fluctuation
        switch charger.kind {
        case .ac:
            // Power = phases x voltage x current, limited by the car's on-board charger.
            let phases = Double(charger.phases ?? 1)
            let voltage = charger.voltage ?? 230
            let power = min(charger.ratedPower, car.onboardACLimit) * scale
            let current = power * 1000 / (phases * voltage)
            return Reading(power: power, voltage: voltage, current: current)
        case .dc:
            // Constant current up to 80 %, then the current tapers as the battery fills.
            let taper = soc < 80 ? 1.0 : max(0.1, (100 - soc) / 20)
            let voltage = 350 + 50 * soc / 100
            let power = charger.ratedPower * taper * scale
            return Reading(power: power, voltage: voltage, current: power * 1000 / voltage)
        }
    }
}
