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

    /// DC: the battery's voltage rises from `dcMinimumVoltage` to `dcChargeVoltage` during the
    /// constant-current phase, then holds while the current tapers (constant voltage).
    static let dcMinimumVoltage = 350.0
    static let dcChargeVoltage = 400.0
    /// State of charge where DC charging turns from constant current to constant voltage.
    static let constantVoltageFrom = 80.0
    /// Simulated seconds a DC charger takes to ramp up to full current.
    static let dcRampSeconds = 30.0

    /// - Parameters:
    ///   - elapsed: simulated seconds since the session started (the DC ramp).
    ///   - fluctuation: 0..<1, lowers the current by up to 2 %, so readings vary but never
    ///     pass the limits.
    func reading(soc: Double, elapsed: Double, fluctuation: Double) -> Reading {
        guard soc < car.targetSoC else {
            return Reading(power: 0, voltage: charger.kind == .ac ? (charger.voltage ?? 230) : Self.dcChargeVoltage, current: 0)
        }
        let scale = 1 - 0.02 * fluctuation
        switch charger.kind {
        case .ac:
            // Power = phases x voltage x current, limited by the car's on-board charger.
            let phases = Double(charger.phaseCount)
            let voltage = charger.voltage ?? 230
            let power = min(charger.ratedPower, car.onboardACLimit) * scale
            return Reading(power: power, voltage: voltage, current: power * 1000 / (phases * voltage))
        case .dc:
            let maximumCurrent = charger.ratedPower * 1000 / Self.dcChargeVoltage
            let ramp = min(1, max(0, elapsed) / Self.dcRampSeconds)
            let voltage: Double
            var current: Double
            // A car that stops early (a low target) still gets its constant-voltage phase.
            let constantVoltageFrom = min(Self.constantVoltageFrom, car.targetSoC * 0.8)
            if soc < constantVoltageFrom {
                voltage = Self.dcMinimumVoltage + (Self.dcChargeVoltage - Self.dcMinimumVoltage) * soc / constantVoltageFrom
                current = maximumCurrent
            } else {
                voltage = Self.dcChargeVoltage
                current = maximumCurrent * max(0.05, (car.targetSoC - soc) / (car.targetSoC - constantVoltageFrom))
            }
            current *= ramp * scale
            return Reading(power: voltage * current / 1000, voltage: voltage, current: current)
        }
    }
}
