import AppConnection
import Foundation
import Logging
import Messages
import NIOWebSocket
import WSClient

/// A virtual phone: one user's WebSocket to the gateway, and everything it received, kept so
/// that an `expect` can look back (a response and a push race each other) and take each
/// message once.
actor Phone {
    struct Received: Sendable {
        var text: String
        var json: JSONValue?
        var at: ContinuousClock.Instant
        var taken = false
    }

    struct Close: Sendable {
        var code: Int?
        var reason: String?
    }

    let name: String
    let token: String
    let reconnect: Bool
    let signal = ChangeSignal()
    private(set) var inbox: [Received] = []
    private(set) var closes: [Close] = []
    private(set) var isOpen = false
    private var writer: AppWriter?
    private var queue: OutboundQueue?
    private var task: Task<Void, Never>?

    init(name: String, token: String, reconnect: Bool) {
        self.name = name
        self.token = token
        self.reconnect = reconnect
    }

    /// Starts the connection; `expect` steps wait for what it brings.
    func open(gatewayURL: String, logger: Logger) {
        guard task == nil else { return }
        if reconnect {
            let queue = OutboundQueue(limit: 1_000)
            self.queue = queue
            let connection = ReconnectingConnection(gatewayURL: gatewayURL, token: token, logger: logger)
            // Messages keep their order through one stream (a task per message would not).
            let (messages, sink) = AsyncStream<String>.makeStream()
            task = Task {
                async let delivered: Void = { for await text in messages { await self.received(text) } }()
                let outcome = await connection.run(queue: queue, onMessage: { sink.yield($0) }, onStatus: { _ in })
                sink.finish()
                await delivered
                if case .refused(let code, let reason) = outcome { self.closed(Close(code: Int(code), reason: reason)) }
                self.ended()
            }
            isOpen = true
            return
        }
        let connection = GatewayConnection(gatewayURL: gatewayURL, token: token, logger: logger)
        task = Task {
            do {
                let frame = try await connection.run { reader, writer in
                    await self.attach(writer)
                    while let text = try await reader.next() { await self.received(text) }
                }
                self.closed(Close(code: frame.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) }, reason: frame?.reason))
            } catch {
                self.closed(Close(code: nil, reason: "\(error)"))
            }
            self.ended()
        }
    }

    func send(_ text: String) async throws {
        if let queue {
            guard await queue.enqueue(text) else { throw ClientError.step("\(name)'s outbound queue is full") }
            return
        }
        guard let writer, isOpen else { throw ClientError.step("\(name) is not connected (open it first)") }
        try await writer.sendRaw(text)
    }

    /// Closes with 1000 and waits until the connection is gone.
    func close() async {
        if let queue {
            await queue.finish()
        } else {
            try? await writer?.close()
        }
        let running = task
        await running?.value
        task = nil
    }

    var messageCount: Int { inbox.count }

    /// Marks the messages at `indices` as taken by a step.
    func take(_ indices: [Int]) {
        for index in indices where inbox.indices.contains(index) { inbox[index].taken = true }
    }

    private func attach(_ writer: AppWriter) {
        self.writer = writer
        isOpen = true
        signal.fire()
    }

    private func received(_ text: String) {
        inbox.append(Received(text: text, json: try? JSONReader.parse(text), at: .now))
        signal.fire()
    }

    private func closed(_ close: Close) {
        closes.append(close)
        isOpen = false
        writer = nil
        signal.fire()
    }

    private func ended() {
        isOpen = false
        signal.fire()
    }
}
