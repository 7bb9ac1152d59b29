/// The figures of one `MeterValue` in fixed units, whatever units and phases the charge point
/// sent them in: what a CSMS needs from it.
public struct MeterReading: Sendable, Equatable {
    /// Energy.Active.Import.Register (the measurand a sampled value without one has), Wh.
    public var energyWh: Double?
    /// Power.Active.Import, W: the total, or the phases added up when only they are sent.
    public var powerW: Double?
    /// Current.Import, A: per phase, the mean of the phases reported.
    public var currentA: Double?
    /// Voltage, V: the mean of the phases reported.
    public var voltageV: Double?
    /// SoC, percent.
    public var soc: Double?

    public init(energyWh: Double? = nil, powerW: Double? = nil, currentA: Double? = nil, voltageV: Double? = nil, soc: Double? = nil) {
        self.energyWh = energyWh
        self.powerW = powerW
        self.currentA = currentA
        self.voltageV = voltageV
        self.soc = soc
    }
}

extension MeterValue {
    /// Reads the raw sampled values of the import side; values that are not numbers, signed
    /// data and other measurands are skipped.
    public var reading: MeterReading {
        var energy: [Double] = [], power: [Double] = [], powerPerPhase: [Double] = [], current: [Double] = [], voltage: [Double] = [], soc: [Double] = []
        for sample in sampledValue where sample.format != .signedData {
            guard let number = Double(sample.value), number.isFinite else { continue }
            // A kilo- unit is a thousand of its base unit.
            let scaled = [.kWh, .kW].contains(sample.unit) ? number * 1000 : number
            // The neutral's current is not a phase's.
            if sample.phase == .n { continue }
            switch sample.measurand ?? .energyActiveImportRegister {
            case .energyActiveImportRegister: energy.append(scaled)
            case .powerActiveImport: if sample.phase == nil { power.append(scaled) } else { powerPerPhase.append(scaled) }
            case .currentImport: current.append(scaled)
            case .voltage: voltage.append(scaled)
            case .soc: soc.append(scaled)
            default: continue
            }
        }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        return MeterReading(
            // A register per phase and one for the total: the total is the largest.
            energyWh: energy.max(), powerW: power.last ?? (powerPerPhase.isEmpty ? nil : powerPerPhase.reduce(0, +)),
            currentA: mean(current), voltageV: mean(voltage), soc: soc.last)
    }
}

extension MeterValue {
    /// What a charge point sends for `reading`: the register in Wh, power in W, and current
    /// and voltage per phase when `phases` is given (an AC charger), once when it is not (DC).
    public init(reading: MeterReading, phases: Int?, context: ReadingContext = .samplePeriodic, timestamp: String) {
        var sampled: [SampledValue] = []
        func add(_ value: Double?, _ measurand: Measurand, _ unit: UnitOfMeasure, phase: Phase? = nil, decimals: Int = 1) {
            guard let value, value.isFinite else { return }
            sampled.append(SampledValue(value: Self.text(value, decimals: decimals), context: context, measurand: measurand,
                                        phase: phase, location: measurand == .soc ? .ev : .outlet, unit: unit))
        }
        add(reading.energyWh, .energyActiveImportRegister, .wh, decimals: 0)
        add(reading.powerW, .powerActiveImport, .w, decimals: 0)
        let phaseNames: [(current: Phase, voltage: Phase)] = [(.l1, .l1N), (.l2, .l2N), (.l3, .l3N)]
        if let phases, phases > 0 {
            for phase in phaseNames.prefix(min(phases, 3)) { add(reading.currentA, .currentImport, .a, phase: phase.current) }
            for phase in phaseNames.prefix(min(phases, 3)) { add(reading.voltageV, .voltage, .v, phase: phase.voltage) }
        } else {
            add(reading.currentA, .currentImport, .a)
            add(reading.voltageV, .voltage, .v)
        }
        add(reading.soc, .soc, .percent, decimals: 0)
        self.init(timestamp: timestamp, sampledValue: sampled)
    }

    /// A decimal without exponent or trailing zeros: what a meter prints.
    static func text(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if decimals == 0 || rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
