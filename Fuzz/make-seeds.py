#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (Fuzz/corpus/TARGET/NAME) from the spec's
examples and captures of what the programs send each other. Run again after changing it."""
import base64, hashlib, hmac, json, os, struct

here = os.path.dirname(os.path.abspath(__file__))
seeds = {}

def add(target, name, data):
    seeds.setdefault(target, {})[name] = data.encode() if isinstance(data, str) else data

def bulk(s):
    b = s.encode() if isinstance(s, str) else s
    return b"$%d\r\n%s\r\n" % (len(b), b)

def command(*words):
    return b"*%d\r\n" % len(words) + b"".join(bulk(w) for w in words)

# The spec's messages (sections 1, 3 and 4).
start = {"action": "start_charging", "data": {"charger_id": "CP001", "connector_id": 1}}
meter = {"type": "session_update", "session_id": 456, "transaction_id": 789, "event": "meter_value",
         "data": {"charger_id": "CP001", "connector_id": 1, "energy_delivered": 5.5, "power": 7.2,
                  "meter_value": 5500, "timestamp": "2025-01-29T12:05:00Z"}, "timestamp": "2025-01-29T12:05:00Z"}
charger = {"type": "charger_update", "charger_id": "CP001", "event": "status_changed",
           "data": {"status": "Charging", "previous_status": "Available", "connector_id": 1, "timestamp": "2025-01-29T12:00:00Z"},
           "timestamp": "2025-01-29T12:00:00Z"}
response = {"success": True, "data": {"session_id": 456, "transaction_id": 789, "charger_id": "CP001", "connector_id": 1,
                                      "status": "initiated", "message": "Charging session started"}}
error = {"success": False, "error": "Charger not available", "message": "The requested charger is currently unavailable"}

add("resp-command", "ping", command("PING"))
add("resp-command", "pipeline", command("PING") + command("PUBLISH", "a", "b") + b"ping x\r\n")
add("resp-command", "subscribe", command("SUBSCRIBE", "user:123:notifications", "user:123:session_updates", "user:123:charger_updates"))
add("resp-command", "publish-meter", command("PUBLISH", "user:123:session_updates", json.dumps(meter)))
add("resp-command", "hello-auth", command("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "gateway"))
add("resp-command", "inline-quoted", b'SET "a b" \'c\\\'d\' "\\x41\\n"\r\n')
add("resp-command", "empty-multibulk", b"*0\r\n*-1\r\n\r\n" + command("COMMAND"))
add("inline-command", "subscribe", b"SUBSCRIBE user:123:notifications\r\n")
add("inline-command", "quoted", b'ECHO "hello \\x41\\t" \'it\\\'s\'\r\nPING\n')
add("inline-command", "unbalanced", b'ECHO "unterminated\r\n')

add("resp-value", "simple", b"+OK\r\n-ERR unknown command\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n")
add("resp-value", "message", b"*3\r\n" + bulk("message") + bulk("user:123:session_updates") + bulk(json.dumps(meter)))
add("resp-value", "subscribe-replies", b"".join(b"*3\r\n" + bulk("subscribe") + bulk("user:123:%s" % c) + b":%d\r\n" % i
                                                 for i, c in enumerate(["notifications", "session_updates", "charger_updates"], 1)))
add("resp-value", "resp3", b"%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n>3\r\n+message\r\n+ch\r\n+x\r\n,3.14\r\n#t\r\n_\r\n~2\r\n:1\r\n:2\r\n,inf\r\n")
add("resp-value", "nested", b"*2\r\n*2\r\n:1\r\n:2\r\n*0\r\n")

def client_frame(opcode, payload, fin=True, key=b"\x12\x34\x56\x78"):
    payload = payload.encode() if isinstance(payload, str) else payload
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126: head += bytes([0x80 | n])
    elif n < 65536: head += bytes([0xFE]) + struct.pack(">H", n)
    else: head += bytes([0xFF]) + struct.pack(">Q", n)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))

add("websocket-frame", "start-charging", client_frame(1, json.dumps(start)))
add("websocket-frame", "fragmented", client_frame(1, '{"action":"list_', fin=False) + client_frame(9, "p") + client_frame(0, 'chargers","data":{}}'))
add("websocket-frame", "control", client_frame(9, "ping") + client_frame(10, "") + client_frame(8, struct.pack(">H", 1000) + b"bye"))
add("websocket-frame", "binary-and-long", client_frame(2, bytes(range(256))) + client_frame(1, "x" * 300))
add("websocket-frame", "utf8", client_frame(1, "κόσμε €😀".encode()) + client_frame(1, b"\xce\xba\xe1", fin=False) + client_frame(0, b"\xbd\xb9"))

key = base64.b64encode(b"0123456789abcdef").decode()
add("websocket-upgrade", "token-in-query", "GET /?token=eyJhbGciOiJIUzI1NiJ9.e30.x HTTP/1.1\r\nHost: localhost:8080\r\nUpgrade: websocket\r\n"
    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: https://app.example\r\n\r\n")
add("websocket-upgrade", "bearer", "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
    f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n")
add("websocket-upgrade", "health", "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

laravel = "HTTP/1.1 200 OK\r\nHost: 127.0.0.1:8000\r\nDate: Wed, 29 Jan 2025 12:00:00 GMT\r\nConnection: keep-alive\r\nCache-Control: no-cache, private\r\nContent-Type: application/json\r\nX-RateLimit-Limit: 60\r\n"
body = json.dumps(response)
add("http-response", "laravel-length", laravel + f"Content-Length: {len(body)}\r\n\r\n{body}")
chunked = json.dumps(error)
add("http-response", "chunked-trailers", f"HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n{len(chunked[:10]):x};ext=1\r\n{chunked[:10]}\r\n{len(chunked[10:]):x}\r\n{chunked[10:]}\r\n0\r\nX-Trailer: 1\r\n\r\n")
add("http-response", "continue-then-close", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)
add("http-response", "two-answers", ("HTTP/1.1 204 No Content\r\n\r\n" + "HTTP/1.1 401 Unauthorized\r\nContent-Length: 30\r\nConnection: close\r\n\r\n" + '{"message":"Unauthenticated."}'))

for name, value in [("start", start), ("meter", meter), ("charger", charger), ("response", response), ("error", error)]:
    add("json-reader", name, json.dumps(value, indent=2))
add("json-reader", "escapes", r'{"s":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","n":[0,-0,1e3,-2.5E-3,12345678901234567890],"b":[true,false,null],"k":1,"k":2}')
add("json-reader", "scalar", b' "just a string" ')

def token(secret, claims):
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
    head = enc(json.dumps({"typ": "JWT", "alg": "HS256"}).encode()) + b"." + enc(json.dumps(claims).encode())
    return head + b"." + enc(hmac.new(secret.encode(), head, hashlib.sha256).digest())

claims = {"iss": "http://127.0.0.1:8000/api/auth/login", "iat": 1738152000, "exp": 1738155600, "nbf": 1738152000,
          "jti": "abc", "sub": "123", "prv": "23bd5c8949f600adb39e701c400872db7a5976f7"}
add("jwt", "laravel", token("fuzz-secret", claims))
add("jwt", "other-secret", token("wrong", claims))
add("jwt", "none-alg", b"eyJhbGciOiJub25lIn0.eyJzdWIiOjEyM30.")
add("jwt", "garbage", b"a.b.c")

add("request-bodies", "backend-request", json.dumps({**start, "userId": 123}))
add("request-bodies", "cms-meter", json.dumps({"event": "meter_value", "charger_id": "CP001", "connector_id": 1, "transaction_id": 789,
                                               "data": meter["data"]}))
add("request-bodies", "cms-batch", json.dumps([{"event": "session_started", "charger_id": "CP001", "connector_id": 1, "transaction_id": 789},
                                               {"event": "status_changed", "charger_id": "CP002", "data": None}, {"event": 1}]))

for target, files in seeds.items():
    folder = os.path.join(here, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
print("wrote", sum(len(f) for f in seeds.values()), "seeds for", len(seeds), "targets")
