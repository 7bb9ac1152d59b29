import NIOConcurrencyHelpers
import NIOCore
import WebSocketWire

/// Asks a socket to drain: answer what it has sent, then close with 1001.
struct DrainEvent: Sendable {}

/// The gateway's drain on SIGTERM: from its first moment `/health` answers 503 and upgrades are
/// refused; each socket delivers the responses of the actions it has in flight, answers new ones
/// with "Server shutting down", and closes with 1001 once nothing is left to answer.
final class GatewayDrain: Sendable {
    private let draining = NIOLockedValueBox(false)

    var isDraining: Bool { draining.withLockedValue { $0 } }

    func begin() { draining.withLockedValue { $0 = true } }

    /// The answer to an action that arrives during the drain.
    static let refusal = BackendAnswer.failure(
        error: "Server shutting down", message: "The gateway is shutting down; send it again once reconnected")

    /// Drains every socket of `registry`, those that register meanwhile too, until all are closed
    /// or `timeout` has passed; what is left then is closed with 1001 at once. Returns how many
    /// sockets had to be closed that way.
    static func drain(_ registry: ConnectionRegistry, timeout: Duration, on loop: any EventLoop) async -> Int {
        let deadline = ContinuousClock.now + timeout
        var round = registry.allChannels
        while !round.isEmpty, ContinuousClock.now < deadline {
            for channel in round { channel.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
            await waitUntilClosed(round, timeout: deadline - ContinuousClock.now, on: loop)
            round = registry.allChannels
        }
        let left = registry.allChannels
        for channel in left {
            let frame = WebSocketFrameCodec.closeFrame(.goingAway, allocator: channel.allocator)
            channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        }
        await waitUntilClosed(left, timeout: .seconds(2), on: loop)
        return left.count
    }

    /// Returns once every channel has closed, or after `timeout`.
    static func waitUntilClosed(_ channels: [any Channel], timeout: Duration, on loop: any EventLoop) async {
        guard !channels.isEmpty else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let pending = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(continuation)
            let finish: @Sendable () -> Void = { pending.withLockedValue { waiting in defer { waiting = nil }; return waiting }?.resume() }
            let timer = loop.scheduleTask(in: .nanoseconds(Int64(max(timeout, .zero) / .nanoseconds(1)))) { finish() }
            EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: loop).whenComplete { _ in
                timer.cancel()
                finish()
            }
        }
    }
}
