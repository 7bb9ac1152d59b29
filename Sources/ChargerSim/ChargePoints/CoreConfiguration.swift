import Foundation
import OCPP

/// A charge point's configuration keys of the OCPP 1.6 Core profile (section 9.1), as
/// GetConfiguration reads them and ChangeConfiguration writes them.
struct CoreConfiguration: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case integer, boolean
        /// A comma-separated list of measurands.
        case measurands
        case text
    }

    struct Key: Sendable, Equatable {
        var kind: Kind
        var readonly: Bool
        var value: String
    }

    private(set) var keys: [String: Key]
    /// The order GetConfiguration lists them in.
    private let order: [String]

    init(connectors: Int, heartbeatInterval: Int, meterValueSampleInterval: Int) {
        let measurands = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC"
        let table: [(String, Kind, Bool, String)] = [
            ("AllowOfflineTxForUnknownId", .boolean, false, "false"),
            ("AuthorizationCacheEnabled", .boolean, false, "false"),
            ("AuthorizeRemoteTxRequests", .boolean, false, "false"),
            ("ClockAlignedDataInterval", .integer, false, "0"),
            ("ConnectionTimeOut", .integer, false, "60"),
            ("ConnectorPhaseRotation", .text, false, "NotApplicable"),
            ("GetConfigurationMaxKeys", .integer, true, "50"),
            ("HeartbeatInterval", .integer, false, String(heartbeatInterval)),
            ("LocalAuthorizeOffline", .boolean, false, "true"),
            ("LocalPreAuthorize", .boolean, false, "false"),
            ("MeterValuesAlignedData", .measurands, false, "Energy.Active.Import.Register"),
            ("MeterValuesSampledData", .measurands, false, measurands),
            ("MeterValueSampleInterval", .integer, false, String(meterValueSampleInterval)),
            ("NumberOfConnectors", .integer, true, String(connectors)),
            ("ResetRetries", .integer, false, "1"),
            ("StopTransactionOnEVSideDisconnect", .boolean, false, "true"),
            ("StopTransactionOnInvalidId", .boolean, false, "true"),
            ("StopTxnAlignedData", .measurands, false, ""),
            ("StopTxnSampledData", .measurands, false, "Energy.Active.Import.Register"),
            ("SupportedFeatureProfiles", .text, true, "Core,RemoteTrigger,Reservation"),
            ("TransactionMessageAttempts", .integer, false, "3"),
            ("TransactionMessageRetryInterval", .integer, false, "10"),
            ("UnlockConnectorOnEVSideDisconnect", .boolean, false, "true"),
            ("WebSocketPingInterval", .integer, false, "0"),
        ]
        order = table.map(\.0)
        keys = Dictionary(uniqueKeysWithValues: table.map { ($0.0, Key(kind: $0.1, readonly: $0.2, value: $0.3)) })
    }

    /// GetConfiguration: every key, or the ones asked for (the others are unknown).
    func get(_ requested: [String]?) -> GetConfigurationResponse {
        let names = requested ?? order
        let known = names.filter { keys[$0] != nil }
        let unknown = names.filter { keys[$0] == nil }
        return GetConfigurationResponse(
            configurationKey: known.isEmpty && requested != nil ? nil : known.compactMap { name in
                keys[name].map { ConfigurationKey(key: name, readonly: $0.readonly, value: $0.value) }
            },
            unknownKey: unknown.isEmpty ? nil : unknown)
    }

    /// ChangeConfiguration: NotSupported for a key this charger lacks, Rejected for a read-only
    /// one or a value of the wrong kind.
    mutating func change(_ name: String, to value: String) -> ConfigurationStatus {
        guard let key = keys[name] else { return .notSupported }
        guard !key.readonly else { return .rejected }
        switch key.kind {
        case .integer: guard let number = Int(value), number >= 0 else { return .rejected }
        case .boolean: guard ["true", "false"].contains(value.lowercased()) else { return .rejected }
        case .measurands:
            let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard items.allSatisfy({ Measurand(rawValue: $0) != nil }) else { return .rejected }
        case .text: break
        }
        keys[name]?.value = key.kind == .boolean ? value.lowercased() : value
        return .accepted
    }

    func integer(_ name: String) -> Int? { keys[name].flatMap { Int($0.value) } }

    var heartbeatInterval: Int { integer("HeartbeatInterval") ?? 300 }
    var meterValueSampleInterval: Int { integer("MeterValueSampleInterval") ?? 60 }
    var transactionMessageAttempts: Int { max(1, integer("TransactionMessageAttempts") ?? 3) }
    var transactionMessageRetryInterval: Int { integer("TransactionMessageRetryInterval") ?? 10 }
    var authorizeRemoteTxRequests: Bool { keys["AuthorizeRemoteTxRequests"]?.value == "true" }

    /// The measurands MeterValues carries (MeterValuesSampledData).
    var sampledMeasurands: Set<Measurand> {
        Set((keys["MeterValuesSampledData"]?.value ?? "").split(separator: ",").compactMap {
            Measurand(rawValue: $0.trimmingCharacters(in: .whitespaces))
        })
    }

    /// Boot told the interval: the key follows it.
    mutating func setHeartbeatInterval(_ seconds: Int) { keys["HeartbeatInterval"]?.value = String(seconds) }
}
