/// One charger of the fleet, as both mock-backend and charger-sim read it.
public struct ChargerDefinition: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case ac = "AC", dc = "DC" }

    public var id: String
    public var name: String
    public var kind: Kind
    /// Number of connectors, numbered from 1.
    public var connectors: Int
    /// AC: phases, volts per phase and amps per phase.
    public var phases: Int?
    public var voltage: Double?
    public var maxCurrent: Double?
    /// DC: the charger's maximum power in kW.
    public var maxPower: Double?

    public init(id: String, name: String, kind: Kind, connectors: Int, phases: Int? = nil, voltage: Double? = nil,
                maxCurrent: Double? = nil, maxPower: Double? = nil) {
        self.id = id
        self.name = name
        self.kind = kind
        self.connectors = connectors
        self.phases = phases
        self.voltage = voltage
        self.maxCurrent = maxCurrent
        self.maxPower = maxPower
    }

    public static func ac(_ id: String, name: String, connectors: Int, phases: Int = 3, voltage: Double = 230, maxCurrent: Double) -> Self {
        ChargerDefinition(id: id, name: name, kind: .ac, connectors: connectors, phases: phases, voltage: voltage, maxCurrent: maxCurrent)
    }

    public static func dc(_ id: String, name: String, connectors: Int, maxPower: Double) -> Self {
        ChargerDefinition(id: id, name: name, kind: .dc, connectors: connectors, maxPower: maxPower)
    }

    /// AC phases in use: one unless the fleet file says otherwise.
    public var phaseCount: Int { phases ?? 1 }

    /// The most the charger itself can deliver, kW.
    public var ratedPower: Double {
        switch kind {
        case .ac: Double(phaseCount) * (voltage ?? 230) * (maxCurrent ?? 16) / 1000
        case .dc: maxPower ?? 50
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind = "type", connectors, phases, voltage, maxCurrent = "max_current", maxPower = "max_power"
    }
}
