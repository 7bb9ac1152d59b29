import OCPP
import Testing

@testable import ChargerSim

@Suite("OCPP core configuration keys")
struct CoreConfigurationTests {
    @Test func readsEveryKeyOrTheOnesAskedFor() {
        let configuration = CoreConfiguration(connectors: 2, heartbeatInterval: 300, meterValueSampleInterval: 60)
        let all = configuration.get(nil)
        #expect(all.unknownKey == nil)
        #expect(all.configurationKey?.count == 24)
        #expect(all.configurationKey?.first { $0.key == "NumberOfConnectors" } == ConfigurationKey(key: "NumberOfConnectors", readonly: true, value: "2"))
        let some = configuration.get(["HeartbeatInterval", "Colour"])
        #expect(some.configurationKey == [ConfigurationKey(key: "HeartbeatInterval", readonly: false, value: "300")])
        #expect(some.unknownKey == ["Colour"])
        #expect(configuration.get(["Colour"]).configurationKey == nil)
    }

    @Test(arguments: [
        ("HeartbeatInterval", "60", ConfigurationStatus.accepted),
        ("HeartbeatInterval", "-1", .rejected),
        ("HeartbeatInterval", "often", .rejected),
        ("NumberOfConnectors", "4", .rejected),
        ("LocalPreAuthorize", "TRUE", .accepted),
        ("LocalPreAuthorize", "yes", .rejected),
        ("MeterValuesSampledData", "Energy.Active.Import.Register, SoC", .accepted),
        ("MeterValuesSampledData", "Energy,Power", .rejected),
        ("Colour", "red", .notSupported),
    ])
    func changesWhatItMayWithValuesOfTheRightKind(key: String, value: String, status: ConfigurationStatus) {
        var configuration = CoreConfiguration(connectors: 2, heartbeatInterval: 300, meterValueSampleInterval: 60)
        let before = configuration
        #expect(configuration.change(key, to: value) == status)
        if status != .accepted { #expect(configuration == before) }
    }

    @Test func theIntervalsAndMeasurandsFollowTheirKeys() {
        var configuration = CoreConfiguration(connectors: 1, heartbeatInterval: 300, meterValueSampleInterval: 60)
        #expect(configuration.change("MeterValueSampleInterval", to: "15") == .accepted)
        #expect(configuration.meterValueSampleInterval == 15)
        #expect(configuration.change("MeterValuesSampledData", to: "Energy.Active.Import.Register") == .accepted)
        #expect(configuration.sampledMeasurands == [.energyActiveImportRegister])
        configuration.setHeartbeatInterval(45)
        #expect(configuration.heartbeatInterval == 45)
        #expect(configuration.get(["LocalPreAuthorize"]).configurationKey?.first?.value == "false")
    }
}
