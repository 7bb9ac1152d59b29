"""What the OCPP tests share: starting the stack (`client up`) and an app's WebSocket."""
import asyncio, base64, hashlib, hmac, json, os, re, secrets, signal, subprocess, threading, time


def start(command, patterns, timeout=90, env=None):
    """Starts a program and reads its output until every pattern matched once; returns the
    process and the first group of each. The output is read on after that, so it never blocks."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, env={**os.environ, **(env or {})})
    found, deadline, lines = {}, time.time() + timeout, []
    for line in process.stdout:
        lines.append(line)
        for name, pattern in patterns.items():
            match = re.search(pattern, line)
            if match and name not in found:
                found[name] = match.group(1)
        if len(found) == len(patterns):
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, found
        if time.time() > deadline:
            break
    stop(process)
    raise RuntimeError(f"{command[0]} did not start:\n" + "".join(lines[-40:]))


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=15)
    except Exception:
        os.killpg(process.pid, signal.SIGKILL)


def start_stack(bin_dir, extra=()):
    """`client up` on free ports; returns the process and its gateway, charger-sim and secret."""
    return start(
        [f"{bin_dir}/client", "up", "--gateway-port", "0", "--backend-port", "0", "--cms-port", "0", "--redis-port", "0",
         "--no-console", "--bin-dir", bin_dir, *extra],
        {"gateway": r"gateway\s+(ws://[^/\s]+)", "cms": r"charger-sim\s+(http://\S+)", "secret": r"JWT_SECRET=(\S+)"})


def token(user_id, secret, ttl=3600):
    """A token as the backend's login issues it (HS256, jwt-auth's claims)."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    now = int(time.time())
    header = b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
    claims = b64(json.dumps({"sub": user_id, "iat": now, "nbf": now, "exp": now + ttl, "jti": secrets.token_hex(8),
                             "iss": "ocpp-test", "prv": "23bd5c8949f600adb39e701c400872db7a5976f7"}).encode())
    signature = b64(hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest())
    return f"{header}.{claims}.{signature}"


class App:
    """The mobile app's socket: sends actions, keeps every message, waits for the one wanted."""

    def __init__(self, socket):
        self.socket, self.messages, self.seen = socket, [], asyncio.Condition()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        async for text in self.socket:
            async with self.seen:
                self.messages.append(json.loads(text))
                self.seen.notify_all()

    async def send(self, action, data):
        await self.socket.send(json.dumps({"action": action, "data": data}))

    async def wait_for(self, what, predicate, timeout=20):
        async def matched():
            async with self.seen:
                await self.seen.wait_for(lambda: any(predicate(m) for m in self.messages))
                return next(m for m in self.messages if predicate(m))
        try:
            return await asyncio.wait_for(matched(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"the app got no {what}; it got: {json.dumps(self.messages)[-2000:]}")

    def session_updates(self, event):
        return [m for m in self.messages if m.get("type") == "session_update" and m.get("event") == event]
