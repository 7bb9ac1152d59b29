import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// POSTs to the backend over HTTP/1.1 keep-alive connections kept on each event loop: an
/// action is answered on the socket's own loop with one write and one read on a connection
/// already open, and no lock, thread hop or task on the way. (AsyncHTTPClient did the same
/// work with about 100 us more CPU per action.)
final class BackendHTTPClient: Sendable {
    struct Response: Sendable {
        let status: HTTPResponseStatus
        let body: ByteBuffer
    }

    enum CallError: Error, Equatable {
        case timeout
        case responseTooBig
        case connectionClosed
        /// A token that cannot go in a header (a verified JWT never is one).
        case invalidToken
    }

    /// Where requests go, from the URL once.
    struct Endpoint: Sendable {
        let host: String
        let port: Int
        let useTLS: Bool
        /// Path and query, as the request line carries them.
        let target: String
        /// The `Host` header: the port only when it is not the scheme's.
        let hostHeader: String

        init(url: String) throws {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
                throw GatewayConfigurationError("BACKEND_URL must be an http:// or https:// URL, not \(url)")
            }
            useTLS = scheme == "https"
            let defaultPort = useTLS ? 443 : 80
            port = components.port ?? defaultPort
            self.host = host
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            target = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
            let bracketed = host.contains(":") ? "[\(host)]" : host
            hostHeader = port == defaultPort ? bracketed : "\(bracketed):\(port)"
        }
    }

    let endpoint: Endpoint
    let maxResponseBytes: Int
    private let pools: [ObjectIdentifier: ConnectionPool]
    private let tls: NIOSSLContext?

    /// `maxConnectionsPerLoop` bounds the backend connections of each event loop; calls past it wait their turn.
    init(url: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxConnectionsPerLoop: Int = 64,
         connectTimeout: TimeAmount = .seconds(5), maxResponseBytes: Int = 1 << 20) throws {
        let endpoint = try Endpoint(url: url)
        self.endpoint = endpoint
        self.maxResponseBytes = maxResponseBytes
        let tls = endpoint.useTLS ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        self.tls = tls
        var pools: [ObjectIdentifier: ConnectionPool] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = ConnectionPool(
                eventLoop: loop, endpoint: endpoint, tls: tls, maxConnections: maxConnectionsPerLoop,
                connectTimeout: connectTimeout, maxResponseBytes: maxResponseBytes)
        }
        self.pools = pools
    }

    /// POSTs `body` as JSON with the bearer token; the future completes on `eventLoop`, by
    /// `deadline` at the latest.
    func post(body: ByteBuffer, bearer: String, on eventLoop: any EventLoop, deadline: NIODeadline) -> EventLoopFuture<Response> {
        // Only visible ASCII: a header cannot be split by what goes in it.
        guard bearer.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return eventLoop.makeFailedFuture(CallError.invalidToken)
        }
        let promise = eventLoop.makePromise(of: Response.self)
        var headers = HTTPHeaders()
        headers.reserveCapacity(6)
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Authorization", value: "Bearer \(bearer)")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.target, headers: headers)
        let call = Call(head: head, body: body, promise: promise, deadline: deadline)
        // A loop outside the group (tests) borrows the first pool's; the answer still comes on `eventLoop`.
        let pool = pools[ObjectIdentifier(eventLoop)] ?? pools.values.first!
        if pool.eventLoop.inEventLoop {
            pool.execute(call)
        } else {
            pool.eventLoop.execute { pool.execute(call) }
        }
        return promise.futureResult
    }

    /// Closes the connections waiting for work.
    func shutdown() async {
        for pool in pools.values {
            try? await pool.eventLoop.submit { pool.shutdown() }.get()
        }
    }
}

/// One request and who waits for its answer.
struct Call: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer
    let promise: EventLoopPromise<BackendHTTPClient.Response>
    let deadline: NIODeadline
}

/// The backend connections of one event loop: idle ones are reused, at most `maxConnections`
/// are open, and calls beyond that wait in order.
private final class ConnectionPool: @unchecked Sendable {
    // @unchecked: everything but the constants is touched on `eventLoop` only.
    let eventLoop: any EventLoop
    private let endpoint: BackendHTTPClient.Endpoint
    private let tls: NIOSSLContext?
    private let maxConnections: Int
    private let connectTimeout: TimeAmount
    private let maxResponseBytes: Int
    private var idle: [BackendConnection] = []
    private var open = 0
    private var waiting = CircularBuffer<Call>()
    private var closed = false
    /// Below the keep-alive timeouts servers use (nginx 75 s, Apache 5 s is the exception:
    /// a connection it closed is noticed when its FIN arrives).
    static let maxIdleTime = TimeAmount.seconds(30)

    init(eventLoop: any EventLoop, endpoint: BackendHTTPClient.Endpoint, tls: NIOSSLContext?, maxConnections: Int,
         connectTimeout: TimeAmount, maxResponseBytes: Int) {
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.tls = tls
        self.maxConnections = maxConnections
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    func execute(_ call: Call) {
        guard !closed else {
            call.promise.fail(BackendHTTPClient.CallError.connectionClosed)
            return
        }
        let now = NIODeadline.now()
        while let connection = idle.popLast() {
            // A connection idle for long may have been dropped on the way (a NAT, a proxy)
            // without a word, or be about to be closed by the backend: a new one is cheaper
            // than a call lost to it.
            guard connection.isUsable, now - connection.idleSince < Self.maxIdleTime else {
                connection.close()
                continue
            }
            connection.send(call)
            return
        }
        // The deadline covers waiting for a connection too; the connection that takes the call
        // later has its own timer, which also gives the connection up. (A call sent at once
        // needs only that one.) A second failure of the promise is ignored.
        let timer = eventLoop.scheduleTask(deadline: call.deadline) { call.promise.fail(BackendHTTPClient.CallError.timeout) }
        call.promise.futureResult.whenComplete { _ in timer.cancel() }
        waiting.append(call)
        if open < maxConnections { connect() }
    }

    private func connect() {
        open += 1
        let (endpoint, tls, maxResponseBytes) = (endpoint, tls, maxResponseBytes)
        let pool = NIOLoopBound(self, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI takes names, not addresses.
                        let name = (try? SocketAddress(ipAddress: endpoint.host, port: 0)) == nil ? endpoint.host : nil
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    // The headers are ours and checked once (`post`), not again per request.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(
                        BackendConnection(maxResponseBytes: maxResponseBytes) { connection, reusable in
                            pool.value.finished(connection, reusable: reusable)
                        })
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                let pool = pool.value
                switch result {
                case .success(let channel):
                    guard let connection = try? channel.pipeline.syncOperations.handler(type: BackendConnection.self) else {
                        channel.close(promise: nil)
                        pool.open -= 1
                        if !pool.waiting.isEmpty, !pool.closed { pool.connect() }
                        return
                    }
                    // Counted from here: other attempts of the same connect (Happy Eyeballs)
                    // that lose and close must not be.
                    connection.countedAsOpen = true
                    pool.finished(connection, reusable: true)
                case .failure(let error):
                    pool.open -= 1
                    // With no connection left to serve them, the calls waiting fail now rather
                    // than at their deadline; otherwise they wait for the busy ones.
                    if pool.open == 0 {
                        while let call = pool.waiting.popFirst() { call.promise.fail(error) }
                    }
                }
            }
    }

    /// A connection is free again (or gone).
    private func finished(_ connection: BackendConnection, reusable: Bool) {
        guard reusable, connection.isUsable, !closed else {
            if connection.countedAsOpen {
                connection.countedAsOpen = false
                open -= 1
                connection.close()
            }
            if !waiting.isEmpty, open < maxConnections, !closed { connect() }
            return
        }
        // Calls whose deadline passed while they waited have been answered already.
        let now = NIODeadline.now()
        while let call = waiting.popFirst() {
            if call.deadline > now {
                connection.send(call)
                return
            }
        }
        connection.idleSince = now
        idle.append(connection)
    }

    func shutdown() {
        closed = true
        for connection in idle { connection.close() }
        idle.removeAll()
        while let call = waiting.popFirst() { call.promise.fail(BackendHTTPClient.CallError.connectionClosed) }
    }
}

/// One keep-alive connection: a request at a time, its answer gathered up to the size limit.
private final class BackendConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let maxResponseBytes: Int
    private let onFinished: (BackendConnection, _ reusable: Bool) -> Void
    private var context: ChannelHandlerContext?
    private var call: Call?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var timeout: Scheduled<Void>?
    /// Whether the pool counts this connection among its open ones.
    var countedAsOpen = false
    /// When it last became free.
    var idleSince = NIODeadline.now()

    init(maxResponseBytes: Int, onFinished: @escaping (BackendConnection, Bool) -> Void) {
        self.maxResponseBytes = maxResponseBytes
        self.onFinished = onFinished
    }

    var isUsable: Bool { context?.channel.isActive == true && call == nil }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func send(_ call: Call) {
        guard let context else {
            call.promise.fail(BackendHTTPClient.CallError.connectionClosed)
            return
        }
        self.call = call
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(deadline: call.deadline) {
            // The answer may still come; the connection cannot be trusted with the next call.
            bound.value.fail(BackendHTTPClient.CallError.timeout)
        }
        context.write(wrapOutboundOut(.head(call.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(call.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard call != nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var part):
            guard (body?.readableBytes ?? 0) + part.readableBytes <= maxResponseBytes else {
                fail(BackendHTTPClient.CallError.responseTooBig)
                return
            }
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let call, let head else { return }
            let response = BackendHTTPClient.Response(status: head.status, body: body ?? ByteBuffer())
            reset()
            call.promise.succeed(response)
            onFinished(self, head.isKeepAlive)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(BackendHTTPClient.CallError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
    }

    /// Fails the call in progress, if any, and gives the connection up.
    private func fail(_ error: any Error) {
        if let call {
            reset()
            call.promise.fail(error)
        }
        onFinished(self, false)
    }

    func close() {
        context?.close(promise: nil)
    }

    private func reset() {
        timeout?.cancel()
        timeout = nil
        call = nil
        head = nil
        body = nil
    }
}
