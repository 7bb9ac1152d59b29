import OCPP
import Testing

@Suite("OCPP meter readings")
struct MeterReadingTests {
    private func reading(_ samples: [SampledValue]) -> MeterReading {
        MeterValue(timestamp: "2026-12-06T10:00:00Z", sampledValue: samples).reading
    }

    @Test func unitsAndPhasesComeOutInFixedUnits() {
        let three = reading([
            SampledValue(value: "12.5", measurand: .energyActiveImportRegister, unit: .kWh),
            SampledValue(value: "3.6", measurand: .powerActiveImport, phase: .l1, unit: .kW),
            SampledValue(value: "3.6", measurand: .powerActiveImport, phase: .l2, unit: .kW),
            SampledValue(value: "3.6", measurand: .powerActiveImport, phase: .l3, unit: .kW),
            SampledValue(value: "16", measurand: .currentImport, phase: .l1),
            SampledValue(value: "14", measurand: .currentImport, phase: .l2),
            SampledValue(value: "2", measurand: .currentImport, phase: .n),
            SampledValue(value: "229", measurand: .voltage, phase: .l1N),
            SampledValue(value: "231", measurand: .voltage, phase: .l2N),
        ])
        #expect(three == MeterReading(energyWh: 12_500, powerW: 10_800, currentA: 15, voltageV: 230))
    }

    @Test func aTotalWinsOverItsPhasesAndTheDefaultMeasurandIsTheRegister() {
        let sampled = reading([
            SampledValue(value: "900"),
            SampledValue(value: "7000", measurand: .powerActiveImport),
            SampledValue(value: "2400", measurand: .powerActiveImport, phase: .l1),
            SampledValue(value: "80", measurand: .soc, unit: .percent),
        ])
        #expect(sampled == MeterReading(energyWh: 900, powerW: 7000, soc: 80))
    }

    @Test func whatIsNotANumberOrIsSignedIsSkipped() {
        let sampled = reading([
            SampledValue(value: "abc", measurand: .energyActiveImportRegister),
            SampledValue(value: "1234", format: .signedData, measurand: .energyActiveImportRegister),
            SampledValue(value: "nan", measurand: .powerActiveImport),
            SampledValue(value: "50", measurand: .frequency),
        ])
        #expect(sampled == MeterReading())
    }
}

@Suite("OCPP meter values written")
struct MeterValueWritingTests {
    @Test func aThreePhaseReadingIsWrittenPerPhaseAndReadBackTheSame() throws {
        let reading = MeterReading(energyWh: 12_345, powerW: 11_040, currentA: 16, voltageV: 230)
        let value = MeterValue(reading: reading, phases: 3, timestamp: "2026-12-06T10:00:00Z")
        #expect(value.sampledValue.map(\.measurand) == [.energyActiveImportRegister, .powerActiveImport]
            + Array(repeating: .currentImport, count: 3) + Array(repeating: .voltage, count: 3))
        #expect(value.sampledValue.map(\.value) == ["12345", "11040", "16", "16", "16", "230", "230", "230"])
        #expect(value.reading == reading)
        _ = try MeterValuesRequest(connectorId: 1, transactionId: 1, meterValue: [value]).validatedJSON()
    }

    @Test func aDCReadingHasNoPhasesAndCarriesTheStateOfCharge() {
        let reading = MeterReading(energyWh: 500, powerW: 50_000, currentA: 125.5, voltageV: 398.4, soc: 63)
        let value = MeterValue(reading: reading, phases: nil, timestamp: "2026-12-06T10:00:00Z")
        #expect(value.sampledValue.allSatisfy { $0.phase == nil })
        #expect(value.sampledValue.first { $0.measurand == .soc }?.location == .ev)
        #expect(value.reading == reading)
    }
}
