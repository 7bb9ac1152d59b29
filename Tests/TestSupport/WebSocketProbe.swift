import Foundation
import HTTPTypes
import Logging
import Messages
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import WSClient

/// A scripted WebSocket client for tests: it records everything it receives and how the
/// connection closed, and lets the test wait for messages instead of sleeping.
public final class WebSocketProbe: Sendable {
    private struct State {
        var received: [String] = []
        var waiters: [(id: Int, predicate: @Sendable (String) -> Bool, continuation: CheckedContinuation<String, any Error>)] = []
        var nextWaiter = 0
        var outbound: WebSocketOutboundWriter?
        var closed = false
        var failure: String?
    }

    private let state = NIOLockedValueBox(State())
    private let task: Task<WebSocketCloseFrame?, any Error>
    private let ready: Announcement<Void>

    public init(url: String, headers: [(String, String)] = [], tls: TLSConfiguration? = nil) {
        let state = self.state
        let ready = Announcement<Void>()
        self.ready = ready
        var configuration = WebSocketClientConfiguration()
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { configuration.additionalHeaders[field] = value }
        }
        task = Task {
            defer {
                Self.finish(state)
                ready.announce(())
            }
            do {
                return try await WebSocketClient.connect(
                    url: url, configuration: configuration, tlsConfiguration: tls, logger: Logger(label: "probe")
                ) { inbound, outbound, _ in
                    state.withLockedValue { $0.outbound = outbound }
                    ready.announce(())
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        guard case .text(let text) = message else { continue }
                        Self.receive(text, state)
                    }
                }
            } catch {
                state.withLockedValue { $0.failure = "\(error)" }
                throw error
            }
        }
    }

    private static func receive(_ text: String, _ state: NIOLockedValueBox<State>) {
        let resumed = state.withLockedValue { state -> [CheckedContinuation<String, any Error>] in
            state.received.append(text)
            var resumed: [CheckedContinuation<String, any Error>] = []
            state.waiters.removeAll { waiter in
                guard waiter.predicate(text) else { return false }
                resumed.append(waiter.continuation)
                return true
            }
            return resumed
        }
        for continuation in resumed { continuation.resume(returning: text) }
    }

    private static func finish(_ state: NIOLockedValueBox<State>) {
        let waiters = state.withLockedValue { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        let reason = state.withLockedValue { $0.failure.map { "connection failed: \($0)" } ?? "connection closed" }
        for waiter in waiters { waiter.resume(throwing: TestSupportError(reason)) }
    }

    public var received: [String] { state.withLockedValue { $0.received } }

    /// The close frame the server sent (nil if none), once the connection is over.
    public func closeFrame(timeout: Duration = .seconds(10)) async throws -> WebSocketCloseFrame? {
        try await withDeadline(timeout) { try await self.task.value }
    }

    public func send(_ text: String) async throws {
        try await withDeadline(.seconds(10)) { await self.ready.value }
        guard let outbound = state.withLockedValue({ $0.closed ? nil : $0.outbound }) else {
            throw TestSupportError("connection closed")
        }
        try await outbound.write(.text(text))
    }

    public func send(_ message: ClientMessage) async throws {
        try await send(try JSONCoding.encodeString(message))
    }

    public func sendFrame(_ frame: WebSocketOutboundWriter.OutboundFrame) async throws {
        try await withDeadline(.seconds(10)) { await self.ready.value }
        try await state.withLockedValue { $0.outbound }?.write(frame)
    }

    public func close() async throws {
        try await state.withLockedValue { $0.outbound }?.close(.normalClosure, reason: nil)
        _ = try? await closeFrame()
    }

    /// The first message (already received or still to come) that `predicate` accepts.
    public func message(timeout: Duration = .seconds(10), where predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        let id = state.withLockedValue { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withDeadline(timeout) {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let immediate: Result<String, any Error>? = self.state.withLockedValue { state in
                        if let found = state.received.first(where: predicate) { return .success(found) }
                        if state.closed { return .failure(TestSupportError(state.failure.map { "connection failed: \($0)" } ?? "connection closed")) }
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiters.append((id, predicate, continuation))
                        return nil
                    }
                    if let immediate { continuation.resume(with: immediate) }
                }
            } onCancel: {
                let waiter = self.state.withLockedValue { state in
                    state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Waits for the `index`-th (from 0) message of `type`, decoded.
    public func message(ofType type: MessageType, index: Int = 0, timeout: Duration = .seconds(10),
                        where extra: @escaping @Sendable (JSONValue) -> Bool = { _ in true }) async throws -> JSONValue {
        let counter = NIOLockedValueBox(0)
        let text = try await message(timeout: timeout) { text in
            guard let value = try? JSONCoding.decode(JSONValue.self, from: text), value["type"]?.stringValue == type.rawValue, extra(value)
            else { return false }
            return counter.withLockedValue { count in
                defer { count += 1 }
                return count == index
            }
        }
        return try JSONCoding.decode(JSONValue.self, from: text)
    }

    deinit { task.cancel() }
}

/// Runs `body`, throwing if it takes longer than `timeout`.
public func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TestSupportError("timed out after \(timeout)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
