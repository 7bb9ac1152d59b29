import Fleet
import Foundation
import Testing

@Suite("Fleet")
struct FleetDefinitionTests {
    @Test func builtInFleetMatchesTheContract() throws {
        let fleet = FleetDefinition.builtIn
        try fleet.validate()
        #expect(fleet.chargers.map(\.id) == (1...10).map { String(format: "CP%03d", $0) })
        let cp001 = try #require(fleet.charger("CP001"))
        #expect(cp001.kind == .ac && cp001.phases == 3 && cp001.voltage == 230 && cp001.maxCurrent == 32 && cp001.connectors == 2)
        #expect(abs(cp001.ratedPower - 22.08) < 0.001)
        #expect(fleet.charger("CP002")?.kind == .dc)
        #expect(fleet.chargers.allSatisfy { (1...3).contains($0.connectors) })
        #expect(fleet.car == CarProfile(batteryCapacity: 60, startSoC: 20, targetSoC: 100, onboardACLimit: 11))
    }

    /// The lookup by id is an index: it must follow every change of `chargers`.
    @Test func lookupByIDFollowsChangesToTheChargers() throws {
        var fleet = FleetDefinition.builtIn
        #expect(fleet.charger("CP011") == nil)
        let added = try #require(fleet.charger("CP001"))
        fleet.chargers.append(ChargerDefinition(id: "CP011", name: "added", kind: added.kind, connectors: 1,
                                                phases: added.phases, voltage: added.voltage, maxCurrent: added.maxCurrent))
        #expect(fleet.charger("CP011")?.name == "added")
        fleet.chargers.removeFirst()
        #expect(fleet.charger("CP001") == nil)
        #expect(fleet.charger("CP002")?.kind == .dc)
        let decoded = try JSONDecoder().decode(FleetDefinition.self, from: JSONEncoder().encode(fleet))
        #expect(decoded == fleet && decoded.charger("CP011")?.name == "added")
    }

    @Test func loadsAFleetFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-\(UUID()).json").path
        try #"{"chargers":[{"id":"X1","name":"Test","type":"DC","connectors":1,"max_power":120}],"car":{"battery_capacity":80,"start_soc":10,"target_soc":90,"onboard_ac_limit":7.4}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fleet = try FleetDefinition.load(path: path)
        #expect(fleet.chargers == [.dc("X1", name: "Test", connectors: 1, maxPower: 120)])
        #expect(fleet.car.batteryCapacity == 80)
    }

    @Test func refusesBadFleets() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for bad in [#"{"chargers":[]}"#, #"{"chargers":[{"id":"A","name":"a","type":"AC","connectors":0}]}"#,
                    #"{"chargers":[{"id":"A","name":"a","type":"AC","connectors":1},{"id":"A","name":"b","type":"AC","connectors":1}]}"#,
                    #"{"chargers":[{"id":"A","name":"a","type":"AC","connectors":1,"phases":2}]}"#,
                    #"{"chargers":[{"id":"A","name":"a","type":"DC","connectors":1}]}"#,
                    #"{"chargers":[{"id":"A","name":"a","type":"AC","connectors":1}],"car":{"battery_capacity":60,"start_soc":90,"target_soc":80,"onboard_ac_limit":11}}"#,
                    #"{"chargers":[{"id":"A","name":"a","type":"AC","connectors":1}],"car":{"battery_capacity":0,"start_soc":10,"target_soc":80,"onboard_ac_limit":11}}"#,
                    "not json"] {
            try bad.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: FleetError.self) { try FleetDefinition.load(path: path) }
        }
        #expect(throws: FleetError.self) { try FleetDefinition.load(path: "/nonexistent/fleet.json") }
    }
}
