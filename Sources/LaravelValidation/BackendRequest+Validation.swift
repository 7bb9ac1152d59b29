import Messages

extension BackendRequest {
    /// The envelope of `POST /api/websocket/message` as a Laravel controller validates it:
    /// `action` required|string, `data` present|array (`{}` must pass, and `required` fails
    /// an empty array), `userId` required|integer. Failures answer as Laravel's validator does.
    public static func validated(_ fields: RequestFields) -> Result<BackendRequest, ValidationErrors> {
        var errors = ValidationErrors()
        let action = fields.requiredString("action", errors: &errors)
        let data = fields.presentArray("data", errors: &errors)
        let userID = fields.requiredInteger("userId", errors: &errors)
        guard let action, let data, let userID else { return .failure(errors) }
        return .success(BackendRequest(action: ActionName(rawValue: action), data: data, userId: userID))
    }
}

extension CMSEvent {
    /// One event of `POST /api/cms/events`: `event` and `charger_id` required|string,
    /// `connector_id` and `transaction_id` nullable|integer, `data` nullable|array.
    public static func validated(_ fields: RequestFields) -> Result<CMSEvent, ValidationErrors> {
        var errors = ValidationErrors()
        let event = fields.requiredString("event", errors: &errors)
        let chargerID = fields.requiredString("charger_id", errors: &errors)
        let connectorID = fields.nullableInteger("connector_id", errors: &errors)
        let transactionID = fields.nullableInteger("transaction_id", errors: &errors)
        let data = fields.nullableArray("data", errors: &errors)
        guard let event, let chargerID, let connectorID, let transactionID, let data else { return .failure(errors) }
        return .success(CMSEvent(
            event: CMSEventName(rawValue: event), chargerID: chargerID, connectorID: connectorID, transactionID: transactionID, data: data))
    }
}
