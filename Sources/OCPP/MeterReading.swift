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
