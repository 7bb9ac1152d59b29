import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import OCPP

/// `GET /ocpp/CHARGER_ID` with a WebSocket upgrade: where charge points connect (OCPP-J 1.6,
/// subprotocol `ocpp1.6`). A charger id the CSMS does not know is refused at the handshake
/// (HTTP 400: hummingbird-websocket answers every refused upgrade so).
enum OCPPChargePointRoute {
    static let subprotocol = "ocpp1.6"
    /// OCPP-J does not bound a message; a MeterValues with a long transactionData is the largest.
    static let maximumMessageSize = 1 << 20

    static func add(to router: Router<BasicWebSocketRequestContext>, centralSystem: CentralSystem, logger: Logger) {
        router.ws("/ocpp/:charger", shouldUpgrade: { request, context in
            guard let chargerID = context.parameters.get("charger"), await centralSystem.admits(chargerID) else {
                logger.notice("charge point refused: unknown id", metadata: ["charger": "\(context.parameters.get("charger") ?? "")"])
                return .dontUpgrade
            }
            // OCPP-J 3.1.2: without a subprotocol both sides speak, the CSMS completes the
            // handshake without one and closes at once (the handler does).
            return offersSubprotocol(request.headers) ? .upgrade([.secWebSocketProtocol: subprotocol]) : .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            guard let chargerID = context.requestContext.parameters.get("charger") else { return }
            var logger = logger
            logger[metadataKey: "charger"] = "\(chargerID)"
            guard offersSubprotocol(context.request.headers) else {
                logger.notice("charge point refused: it did not offer the ocpp1.6 subprotocol")
                try await outbound.close(.protocolError, reason: "Subprotocol ocpp1.6 required")
                return
            }
            let connectionID = await centralSystem.makeConnectionID()
            let peer = OCPPPeer(
                handlers: centralSystem.handlers(for: chargerID), callTimeout: centralSystem.configuration.callTimeout, logger: logger
            ) { text in
                try await outbound.write(.text(text))
            }
            await centralSystem.connected(chargerID, CentralSystem.Connection(id: connectionID, peer: peer, close: {
                try? await outbound.close(.goingAway, reason: "Replaced by a newer connection")
            }))
            do {
                for try await message in inbound.messages(maxSize: maximumMessageSize) {
                    guard case .text(let text) = message else {
                        try await outbound.close(.dataInconsistentWithMessage, reason: "OCPP-J messages are text")
                        break
                    }
                    await peer.received(text)
                }
            } catch {
                logger.info("charge point connection ended", metadata: ["error": "\(error)"])
            }
            await centralSystem.disconnected(chargerID, connectionID: connectionID)
        })
    }

    static func offersSubprotocol(_ headers: HTTPFields) -> Bool {
        headers[values: .secWebSocketProtocol].contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == subprotocol }
        }
    }
}

extension CentralSystem {
    /// What the CSMS answers to one charge point's CALLs.
    nonisolated func handlers(for chargerID: String) -> OCPPHandlers {
        var handlers = OCPPHandlers()
        handlers.on(BootNotificationRequest.self) { _ in await self.booted(chargerID) }
        handlers.on(HeartbeatRequest.self) { _ in await self.heartbeat() }
        handlers.on(StatusNotificationRequest.self) { request in
            await self.statusNotification(chargerID, request)
            return EmptyPayload()
        }
        // Every card is good here: the backend, not the CSMS, decides who may charge.
        handlers.on(AuthorizeRequest.self) { _ in AuthorizeResponse(idTagInfo: IdTagInfo(status: .accepted)) }
        handlers.on(StartTransactionRequest.self) { request in await self.startTransaction(chargerID, request) }
        handlers.on(MeterValuesRequest.self) { request in
            await self.meterValues(chargerID, request)
            return EmptyPayload()
        }
        handlers.on(StopTransactionRequest.self) { request in await self.stopTransaction(chargerID, request) }
        handlers.on(DataTransferRequest.self) { _ in DataTransferResponse(status: .unknownVendorId) }
        return handlers
    }
}
