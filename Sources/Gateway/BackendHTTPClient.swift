import HopTrace
import ByteStreams
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import HTTPWire

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
        /// An answer that is not HTTP/1.1 as RFC 9112 frames it.
        case malformedResponse
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
    /// The request line and the headers that never change, up to the token.
    private let requestStart: [UInt8]

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
        requestStart = Array((
            "POST \(endpoint.target) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\n"
                + "Content-Type: application/json\r\nAccept: application/json\r\nAuthorization: Bearer "
        ).utf8)
    }

    /// POSTs `body` as JSON with the bearer token; `completion` runs once, on `eventLoop`, by
    /// `deadline` at the latest.
    func post(body: some Collection<UInt8>, bearer: String, traceparent: TraceParent? = nil, on eventLoop: any EventLoop, deadline: NIODeadline,
              completion: @escaping @Sendable (Result<Response, any Error>) -> Void) {
        // Only visible ASCII: a header cannot be split by what goes in it.
        guard bearer.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            if eventLoop.inEventLoop {
                completion(.failure(CallError.invalidToken))
            } else {
                eventLoop.execute { completion(.failure(CallError.invalidToken)) }
            }
            return
        }
        // The whole request in one buffer: one write(2).
        var request = ByteBufferAllocator().buffer(capacity: requestStart.count + bearer.utf8.count + 110 + body.count)
        request.writeBytes(requestStart)
        request.writeString(bearer)
        // Formatted by TraceParent: hex and dashes only.
        if let traceparent {
            request.writeStaticString("\r\ntraceparent: ")
            traceparent.withHeaderValue { _ = request.writeBytes($0) }
        }
        request.writeStaticString("\r\nContent-Length: ")
        request.writeString(String(body.count))
        request.writeStaticString("\r\n\r\n")
        request.writeBytes(body)
        // A loop outside the group (tests) borrows the first pool's; the answer still comes on `eventLoop`.
        let pool = pools[ObjectIdentifier(eventLoop)] ?? pools.values.first!
        let call = pool.eventLoop === eventLoop
            ? Call(request: request, deadline: deadline, completion: completion)
            : Call(request: request, deadline: deadline) { result in eventLoop.execute { completion(result) } }
        if pool.eventLoop.inEventLoop {
            pool.execute(call)
        } else {
            pool.eventLoop.execute { pool.execute(call) }
        }
    }

    /// `post` with a future, for callers that are not on the hot path.
    func post(body: some Collection<UInt8>, bearer: String, on eventLoop: any EventLoop, deadline: NIODeadline) -> EventLoopFuture<Response> {
        let promise = eventLoop.makePromise(of: Response.self)
        post(body: body, bearer: bearer, on: eventLoop, deadline: deadline) { promise.completeWith($0) }
        return promise.futureResult
    }

    /// Closes the connections waiting for work.
    func shutdown() async {
        for pool in pools.values {
            try? await pool.eventLoop.submit { pool.shutdown() }.get()
        }
    }
}

/// One request and who waits for its answer; touched on its pool's event loop only, once handed over.
final class Call: @unchecked Sendable {
    let request: ByteBuffer
    let deadline: NIODeadline
    private var completion: ((Result<BackendHTTPClient.Response, any Error>) -> Void)?

    init(request: ByteBuffer, deadline: NIODeadline, completion: @escaping (Result<BackendHTTPClient.Response, any Error>) -> Void) {
        self.request = request
        self.deadline = deadline
        self.completion = completion
    }

    /// Its deadline, while it waits for a connection or for the answer.
    var timer: Scheduled<Void>?

    /// Whether its answer (or failure) has been given.
    var isDone: Bool { completion == nil }

    /// The first result counts; a later one (a timer that fired meanwhile) is dropped.
    func complete(_ result: Result<BackendHTTPClient.Response, any Error>) {
        guard let completion else { return }
        self.completion = nil
        timer?.cancel()
        timer = nil
        completion(result)
    }

    func fail(_ error: any Error) { complete(.failure(error)) }
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
            call.fail(BackendHTTPClient.CallError.connectionClosed)
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
        // later sets a timer of its own, which also gives the connection up.
        call.timer = eventLoop.scheduleTask(deadline: call.deadline) { call.fail(BackendHTTPClient.CallError.timeout) }
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
                        if pool.hasCallsWaiting, !pool.closed { pool.connect() }
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
                        while let call = pool.waiting.popFirst() { call.fail(error) }
                    }
                }
            }
    }

    /// A connection is free again (or gone).
    private func finished(_ connection: BackendConnection, reusable: Bool) {
        guard reusable, connection.isUsable, !closed else {
            // A connection gives up once (a second signal of the same end changes nothing), and
            // one that was never counted (a Happy Eyeballs loser) was never the pool's.
            guard connection.countedAsOpen else { return }
            connection.countedAsOpen = false
            open -= 1
            connection.close()
            idle.removeAll { $0 === connection }
            if hasCallsWaiting, open < maxConnections, !closed { connect() }
            return
        }
        // Calls whose deadline passed while they waited have been answered already.
        let now = NIODeadline.now()
        while let call = waiting.popFirst() {
            if !call.isDone, call.deadline > now {
                connection.send(call)
                return
            }
        }
        connection.idleSince = now
        idle.append(connection)
    }

    /// Whether a call still waits (those whose deadline passed are dropped from the front).
    private var hasCallsWaiting: Bool {
        while let first = waiting.first, first.isDone { waiting.removeFirst() }
        return !waiting.isEmpty
    }

    func shutdown() {
        closed = true
        for connection in idle { connection.close() }
        idle.removeAll()
        while let call = waiting.popFirst() { call.fail(BackendHTTPClient.CallError.connectionClosed) }
    }
}

/// One keep-alive connection: a request at a time, its answer read by `HTTPResponseReader` up
/// to the size limit.
private final class BackendConnection: ChannelInboundHandler, NIOScheduledCallbackHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let onFinished: (BackendConnection, _ reusable: Bool) -> Void
    private var context: ChannelHandlerContext?
    private var call: Call?
    /// The call's deadline (a callback, not a task: no promise per call).
    private var deadline: NIOScheduledCallback?
    private var reader: HTTPResponseReader
    private var unparsed = UnparsedInput()
    /// Whether the pool counts this connection among its open ones.
    var countedAsOpen = false
    /// When it last became free.
    var idleSince = NIODeadline.now()

    init(maxResponseBytes: Int, onFinished: @escaping (BackendConnection, Bool) -> Void) {
        self.reader = HTTPResponseReader(maxBodyBytes: maxResponseBytes)
        self.onFinished = onFinished
    }

    var isUsable: Bool { context?.channel.isActive == true && call == nil }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func send(_ call: Call) {
        guard let context else {
            call.fail(BackendHTTPClient.CallError.connectionClosed)
            return
        }
        // The wait for a connection is over; from here the connection keeps the time.
        call.timer?.cancel()
        call.timer = nil
        guard let deadline = try? context.eventLoop.assumeIsolated().scheduleCallback(at: call.deadline, handler: self) else {
            call.fail(BackendHTTPClient.CallError.connectionClosed)
            return
        }
        self.call = call
        self.deadline = deadline
        context.writeAndFlush(wrapOutboundOut(call.request), promise: nil)
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        deadline = nil
        // The answer may still come; the connection cannot be trusted with the next call.
        if call != nil { fail(BackendHTTPClient.CallError.timeout) }
    }

    /// The call in progress, now answered: it leaves the connection with its deadline.
    private func takeCall() -> Call? {
        deadline?.cancel()
        deadline = nil
        defer { call = nil }
        return call
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard call != nil else {
            // Nothing was asked (a server's 408 before it hangs up, say): not a connection to reuse.
            fail(BackendHTTPClient.CallError.connectionClosed)
            return
        }
        var input = unparsed.join(unwrapInboundIn(data))
        do {
            guard let response = try reader.read(&input) else {
                unparsed.keep(input)
                return
            }
            unparsed.discard()
            takeCall()?.complete(.success(BackendHTTPClient.Response(status: HTTPResponseStatus(statusCode: response.status), body: response.body)))
            // Bytes past the answer were not asked for either.
            onFinished(self, response.keepAlive && input.readableBytes == 0)
        } catch {
            unparsed.discard()
            fail(error == .bodyTooBig ? BackendHTTPClient.CallError.responseTooBig : BackendHTTPClient.CallError.malformedResponse)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // An answer framed by the end of the connection is complete now.
        if call != nil, let response = reader.end() {
            takeCall()?.complete(.success(BackendHTTPClient.Response(status: HTTPResponseStatus(statusCode: response.status), body: response.body)))
            onFinished(self, false)
        } else {
            fail(BackendHTTPClient.CallError.connectionClosed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
    }

    /// Fails the call in progress, if any, and gives the connection up.
    private func fail(_ error: any Error) {
        takeCall()?.fail(error)
        onFinished(self, false)
    }

    func close() {
        context?.close(promise: nil)
    }
}
