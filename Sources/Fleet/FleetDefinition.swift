import Foundation

/// The chargers both mock-backend and charger-sim know, from a JSON file or built in.
///
/// File format: `{"chargers": [{"id": "CP001", "name": "...", "type": "AC", "connectors": 2,
/// "phases": 3, "voltage": 230, "max_current": 32}, {"id": "CP002", "type": "DC",
/// "connectors": 1, "max_power": 50}], "car": {"battery_capacity": 60, ...}}`.
public struct FleetDefinition: Codable, Sendable, Equatable {
    public var chargers: [ChargerDefinition] {
        didSet { positions = Self.positions(of: chargers) }
    }
    public var car: CarProfile
    /// Each charger id's place in `chargers` (the first, should one repeat): the simulator looks
    /// a charger up on every meter step, and a scan of 7,500 ids was a third of its CPU.
    private var positions: [String: Int]

    public init(chargers: [ChargerDefinition], car: CarProfile = .standard) {
        self.chargers = chargers
        self.car = car
        positions = Self.positions(of: chargers)
    }

    public func charger(_ id: String) -> ChargerDefinition? { positions[id].map { chargers[$0] } }

    private static func positions(of chargers: [ChargerDefinition]) -> [String: Int] {
        Dictionary(chargers.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.chargers == rhs.chargers && lhs.car == rhs.car }

    enum CodingKeys: String, CodingKey { case chargers, car }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        chargers = try container.decode([ChargerDefinition].self, forKey: .chargers)
        car = try container.decodeIfPresent(CarProfile.self, forKey: .car) ?? .standard
        positions = Self.positions(of: chargers)
    }

    /// Reads and checks a fleet file.
    public static func load(path: String) throws -> FleetDefinition {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FleetError.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        let fleet: FleetDefinition
        do {
            fleet = try JSONDecoder().decode(FleetDefinition.self, from: data)
        } catch {
            throw FleetError.invalid(path: path, reason: "\(error)")
        }
        try fleet.validate()
        return fleet
    }

    /// The fleet file given, or the built-in one.
    public static func load(path: String?) throws -> FleetDefinition {
        guard let path else { return .builtIn }
        return try load(path: path)
    }

    public func validate() throws {
        var seen = Set<String>()
        guard !chargers.isEmpty else { throw FleetError.invalid(path: nil, reason: "no chargers") }
        for charger in chargers {
            guard !charger.id.isEmpty, seen.insert(charger.id).inserted else {
                throw FleetError.invalid(path: nil, reason: "charger ids must be unique and not empty: '\(charger.id)'")
            }
            guard (1...32).contains(charger.connectors) else {
                throw FleetError.invalid(path: nil, reason: "\(charger.id): connectors must be 1...32")
            }
            guard charger.ratedPower > 0 else {
                throw FleetError.invalid(path: nil, reason: "\(charger.id): rated power must be positive")
            }
            switch charger.kind {
            case .ac:
                guard [1, 3].contains(charger.phaseCount), (charger.voltage ?? 230) > 0, (charger.maxCurrent ?? 16) > 0 else {
                    throw FleetError.invalid(path: nil, reason: "\(charger.id): AC needs phases 1 or 3 and a positive voltage and max_current")
                }
            case .dc:
                guard charger.maxPower != nil else { throw FleetError.invalid(path: nil, reason: "\(charger.id): DC needs max_power") }
            }
        }
        guard car.batteryCapacity > 0, car.onboardACLimit > 0, 0 <= car.startSoC, car.startSoC < car.targetSoC, car.targetSoC <= 100 else {
            throw FleetError.invalid(path: nil, reason: "car: battery_capacity and onboard_ac_limit must be positive and 0 <= start_soc < target_soc <= 100")
        }
    }

    /// CP001 to CP010: CP001 is AC, three-phase 230 V 32 A with two connectors; CP002 is DC.
    public static let builtIn = FleetDefinition(chargers: [
        .ac("CP001", name: "Main Street AC 1", connectors: 2, maxCurrent: 32),
        .dc("CP002", name: "Main Street DC Fast", connectors: 1, maxPower: 50),
        .ac("CP003", name: "Station Car Park 1", connectors: 2, maxCurrent: 16),
        .ac("CP004", name: "Station Car Park 2", connectors: 1, phases: 1, maxCurrent: 32),
        .dc("CP005", name: "Motorway Services HPC", connectors: 2, maxPower: 150),
        .ac("CP006", name: "Supermarket 1", connectors: 3, maxCurrent: 32),
        .ac("CP007", name: "Supermarket 2", connectors: 2, maxCurrent: 16),
        .dc("CP008", name: "Depot DC", connectors: 1, maxPower: 100),
        .ac("CP009", name: "Office Garage", connectors: 2, maxCurrent: 32),
        .dc("CP010", name: "Harbour DC", connectors: 3, maxPower: 50),
    ])
}

public enum FleetError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String?, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read fleet file \(path): \(reason)"
        case .invalid(let path, let reason): "invalid fleet\(path.map { " file \($0)" } ?? ""): \(reason)"
        }
    }
}
