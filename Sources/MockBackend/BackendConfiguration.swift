/// Everything mock-backend is told at start; DESIGN.md lists the environment variables.
struct BackendConfiguration: Sendable {
    var host = "0.0.0.0"
    var port = 8000
    var jwtSecret: String
    var redisURL = "redis://127.0.0.1:6379"
    /// `host:port,...` of a Redis Cluster to publish to (REDIS_URL then gives only the credentials).
    var redisClusterNodes: String?
    /// `sharded` (SPUBLISH) or `classic` (PUBLISH); nil: classic for one Redis, sharded for a cluster.
    var redisPubSub: String?
    var databasePath = "mock-backend.sqlite"
    var cmsURL = "http://127.0.0.1:9000"
    var cmsSecret: String
    var fleetPath: String?
    /// Minutes, as jwt-auth's `JWT_TTL`.
    var tokenTTLMinutes = 60
    var issuer = "http://127.0.0.1:8000/api/auth/login"
    /// Hop records kept for `GET /debug/traces/ID`; 0 keeps none.
    var traceRecords = 10_000

    init(jwtSecret: String, cmsSecret: String) {
        self.jwtSecret = jwtSecret
        self.cmsSecret = cmsSecret
    }
}
