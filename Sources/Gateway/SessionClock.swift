import NIOConcurrencyHelpers
import NIOCore

/// Something on an event loop that wants to be told the time now and then.
protocol ClockedSession: AnyObject {
    /// Called on the session's loop, with the context it was added with.
    func tick(now: NIODeadline, context: ChannelHandlerContext)
}

/// One timer per event loop instead of two per socket: every `resolution` it lets each socket on
/// that loop send its heartbeat and check its token's expiry. Timers per socket cost memory that
/// tens of thousands of idle sockets notice; one sweep costs nanoseconds per socket.
final class SessionClock: Sendable {
    let resolution: TimeAmount

    private struct Loop: Sendable {
        let sessions: NIOLoopBound<LoopSessions>
        let timer: RepeatedTask
    }

    private let loops = NIOLockedValueBox<[ObjectIdentifier: Loop]>([:])

    init(resolution: TimeAmount) {
        self.resolution = resolution
    }

    /// Called on the context's event loop.
    func add(_ session: some ClockedSession, context: ChannelHandlerContext) {
        sessions(on: context.eventLoop).value.members[ObjectIdentifier(session)] = (session, context)
    }

    /// Called on the session's event loop.
    func remove(_ session: some ClockedSession, on eventLoop: any EventLoop) {
        sessions(on: eventLoop).value.members[ObjectIdentifier(session)] = nil
    }

    /// Stops every loop's timer (on shutdown).
    func stop() {
        let timers = loops.withLockedValue { loops in
            defer { loops.removeAll() }
            return loops.values.map(\.timer)
        }
        for timer in timers { timer.cancel() }
    }

    private func sessions(on eventLoop: any EventLoop) -> NIOLoopBound<LoopSessions> {
        loops.withLockedValue { loops in
            if let loop = loops[ObjectIdentifier(eventLoop)] { return loop.sessions }
            let sessions = NIOLoopBound(LoopSessions(), eventLoop: eventLoop)
            let timer = eventLoop.scheduleRepeatedTask(initialDelay: resolution, delay: resolution) { _ in
                sessions.value.tick()
            }
            loops[ObjectIdentifier(eventLoop)] = Loop(sessions: sessions, timer: timer)
            return sessions
        }
    }
}

/// The sessions of one event loop; touched only on that loop.
private final class LoopSessions {
    var members: [ObjectIdentifier: (session: any ClockedSession, context: ChannelHandlerContext)] = [:]

    func tick() {
        let now = NIODeadline.now()
        // A session may leave while it ticks (it closes): iterate over a copy.
        for (session, context) in members.values {
            session.tick(now: now, context: context)
        }
    }
}
