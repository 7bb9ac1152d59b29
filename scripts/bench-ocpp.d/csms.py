#!/usr/bin/env python3
"""A lean OCPP 1.6J CSMS for scripts/bench-ocpp: accepts every charge point, starts a transaction
on connector 1 of each once it reports Available, counts what arrives, and measures the
charger-sim process given (CPU from /proc, memory as RSS) while every charge point charges."""
import argparse, asyncio, collections, json, os, subprocess, sys, time
from datetime import datetime, timezone

from websockets.asyncio.server import serve

parser = argparse.ArgumentParser()
parser.add_argument("--charger-sim", required=True, help="the charger-sim binary")
parser.add_argument("--chargers", type=int, default=5000)
parser.add_argument("--meter-interval", type=int, default=60)
parser.add_argument("--window", type=int, default=60, help="seconds of steady state measured")
parser.add_argument("--fleet", required=True, help="where to write the generated fleet file")
args = parser.parse_args()
# Every charge point sends once per interval, all at about the same moment: a window of whole
# intervals counts each of them the same number of times.
args.window = max(1, round(args.window / args.meter_interval)) * args.meter_interval

counts, connected, started_at = collections.Counter(), set(), {}
transactions = iter(range(1, 10**9))
TICK = os.sysconf("SC_CLK_TCK")


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def answer(action, payload):
    if action == "BootNotification":
        return {"status": "Accepted", "currentTime": now(), "interval": 300}
    if action == "Heartbeat":
        return {"currentTime": now()}
    if action == "StartTransaction":
        return {"transactionId": next(transactions), "idTagInfo": {"status": "Accepted"}}
    if action == "Authorize":
        return {"idTagInfo": {"status": "Accepted"}}
    return {}


async def handler(socket):
    charger = socket.request.path.rsplit("/", 1)[-1]
    connected.add(charger)
    try:
        async for text in socket:
            message = json.loads(text)
            if message[0] != 2:
                continue
            _, message_id, action, payload = message
            counts[action] += 1
            await socket.send(json.dumps([3, message_id, answer(action, payload)]))
            if action == "StatusNotification" and payload["connectorId"] == 1 and payload["status"] == "Available" and charger not in started_at:
                started_at[charger] = time.time()
                await socket.send(json.dumps([2, f"start-{charger}", "RemoteStartTransaction", {"connectorId": 1, "idTag": "BENCH"}]))
    finally:
        connected.discard(charger)


def process_figures(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return cpu, rss * 1024


def write_fleet():
    chargers = [{"id": f"B{i:05d}", "name": f"Bench {i}", "type": "AC", "connectors": 1, "max_current": 32} for i in range(args.chargers)]
    with open(args.fleet, "w") as file:
        json.dump({"chargers": chargers}, file)


def launch(extra):
    return subprocess.Popen(
        [args.charger_sim, "--host", "127.0.0.1", "--port", "0", "--backend-url", "http://127.0.0.1:9", "--cms-secret", "bench",
         "--fleet", args.fleet, "--meter-interval", str(args.meter_interval), "--speed", "1", "--seed", "1", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "LOG_LEVEL": "error"})


async def settle(pid, seconds=5):
    await asyncio.sleep(seconds)  # the process's own start-up, before its memory is read
    return process_figures(pid)


async def main():
    write_fleet()
    baseline = launch([])
    _, baseline_rss = await settle(baseline.pid)
    baseline.terminate()
    baseline.wait()

    async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"], max_queue=64,
                     ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        began = time.time()
        sim = launch(["--ocpp-csms-url", f"ws://127.0.0.1:{port}/ocpp"])
        try:
            deadline = began + 300
            while counts["StartTransaction"] < args.chargers and time.time() < deadline and sim.poll() is None:
                await asyncio.sleep(0.5)  # polling the counters the handlers keep
            all_charging = time.time() - began
            boots = counts["BootNotification"]
            # Wait one meter interval so that every charge point has its meter values going.
            await asyncio.sleep(args.meter_interval)
            cpu_before, _ = process_figures(sim.pid)
            meter_before, window_began = counts["MeterValues"], time.time()
            await asyncio.sleep(args.window)
            cpu_after, rss = process_figures(sim.pid)
            window = time.time() - window_began
            meters = counts["MeterValues"] - meter_before
        finally:
            sim.terminate()
            sim.wait()
    cpu_share = (cpu_after - cpu_before) / window
    print(f"charge points          {args.chargers} (one connector each, AC), meter interval {args.meter_interval} s, speed 1")
    print(f"connected and booted   {len(connected) if connected else boots} connected at the end, {boots} boots, all charging after {all_charging:.1f} s")
    print(f"meter values           {meters} in {window:.0f} s ({meters / window:.1f}/s; expected {args.chargers / args.meter_interval:.1f}/s)")
    print(f"charger-sim CPU        {cpu_share * 100:.2f}% of one core; {cpu_share / args.chargers * 1e6:.2f} us per second per charge point"
          f" ({(cpu_after - cpu_before) / max(meters, 1) * 1e6:.0f} us per meter value sent)")
    print(f"charger-sim memory     {rss / 2**20:.1f} MiB RSS, {baseline_rss / 2**20:.1f} MiB for the same fleet without OCPP:"
          f" {(rss - baseline_rss) / args.chargers / 1024:.1f} KiB per charge point")
    ok = counts["StartTransaction"] >= args.chargers and meters >= 0.9 * args.chargers * window / args.meter_interval
    sys.exit(0 if ok else 1)


asyncio.run(main())
