#!/usr/bin/env python3
"""charger-sim's chargers as OCPP 1.6J charge points, against a CSMS written with the
mobilityhouse `ocpp` library (which checks every payload against the official 1.6 schemas).

charger-sim runs with --ocpp-csms-url for CP001 (AC, three phases, two connectors) and CP002
(DC): the CSMS sees them boot (Pending first, then Accepted), report their statuses, heartbeat,
take remote start (StartTransaction, MeterValues with the CSMS's transaction id, per-phase
current and voltage, SoC for DC), trigger message, configuration, remote stop and reset; then
a charger goes offline mid-session and sends what it queued, in order, once it is back.
Exit 0 when every check passed. Run by scripts/ocpp-test.
"""
import argparse, asyncio, base64, json, socket, sys, time, urllib.request
from datetime import datetime, timezone

import websockets
from websockets.asyncio.server import serve
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (Action, AuthorizationStatus, ConfigurationStatus, MessageTrigger, RegistrationStatus,
                            RemoteStartStopStatus, ResetStatus, ResetType, TriggerMessageStatus)

from ocpp_common import start, stop

parser = argparse.ArgumentParser()
parser.add_argument("--bin", required=True)
args = parser.parse_args()

PASSWORD = "a-long-enough-password-1"
CMS_SECRET = "ocpp-test-secret"
checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition)))
    print(f"{'ok  ' if condition else 'FAIL'} {name}" + (f": {detail}" if detail and not condition else ""))


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Station(ChargePoint):
    """What the CSMS knows of one connected charge point: every CALL it made, in order."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.calls, self.errors, self.boots, self.heartbeats, self.changed = [], [], [], [], asyncio.Condition()
        self.next_transaction = 4242 if self.id == "CP001" else 5252

    async def _send(self, message):
        if message.startswith("[4,"):
            self.errors.append(message)  # a CALLERROR the library sent: a payload broke its schema
        await super()._send(message)

    async def record(self, action, payload):
        async with self.changed:
            self.calls.append((action, payload))
            self.changed.notify_all()

    async def wait_for(self, what, predicate, timeout=30):
        async def found():
            async with self.changed:
                await self.changed.wait_for(lambda: any(predicate(a, p) for a, p in self.calls))
                return next((a, p) for a, p in self.calls if predicate(a, p))
        try:
            return await asyncio.wait_for(found(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.id}: no {what}; got {[(a, p.get('connector_id'), p.get('status')) for a, p in self.calls][-12:]}")

    def of(self, action):
        return [p for a, p in self.calls if a == action]

    @on(Action.boot_notification)
    async def on_boot(self, **payload):
        await self.record("BootNotification", payload)
        self.boots.append(time.time())
        # The first boot of each charger waits: Pending, retry in a second.
        pending = len(self.of("BootNotification")) == 1
        return call_result.BootNotification(current_time=now(), interval=1 if pending else 2,
                                            status=RegistrationStatus.pending if pending else RegistrationStatus.accepted)

    @on(Action.status_notification)
    async def on_status(self, **payload):
        await self.record("StatusNotification", payload)
        return call_result.StatusNotification()

    @on(Action.heartbeat)
    async def on_heartbeat(self, **payload):
        self.heartbeats.append(time.time())
        await self.record("Heartbeat", payload)
        return call_result.Heartbeat(current_time=now())

    @on(Action.authorize)
    async def on_authorize(self, **payload):
        await self.record("Authorize", payload)
        status = AuthorizationStatus.blocked if payload["id_tag"] == "BLOCKED" else AuthorizationStatus.accepted
        return call_result.Authorize(id_tag_info={"status": status})

    @on(Action.start_transaction)
    async def on_start(self, **payload):
        await self.record("StartTransaction", payload)
        self.next_transaction += 1
        return call_result.StartTransaction(transaction_id=self.next_transaction, id_tag_info={"status": AuthorizationStatus.accepted})

    @on(Action.meter_values)
    async def on_meter(self, **payload):
        await self.record("MeterValues", payload)
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop(self, **payload):
        await self.record("StopTransaction", payload)
        return call_result.StopTransaction()


class CSMS:
    def __init__(self):
        self.stations, self.connected, self.auth = {}, asyncio.Condition(), {}

    async def process_request(self, connection, request):
        self.auth[request.path.rsplit("/", 1)[-1]] = request.headers.get("Authorization")

    async def handler(self, connection):
        charger_id = connection.request.path.rsplit("/", 1)[-1]
        station = Station(charger_id, connection)
        previous = self.stations.get(charger_id)
        if previous:
            # One history per charger across its connections.
            station.calls, station.boots, station.changed = previous.calls, previous.boots, previous.changed
            station.next_transaction = previous.next_transaction
        async with self.connected:
            self.stations[charger_id] = station
            self.connected.notify_all()
        try:
            await station.start()
        except websockets.exceptions.ConnectionClosed:
            pass

    async def station(self, charger_id, reconnected_after=None, timeout=30):
        async def found():
            async with self.connected:
                await self.connected.wait_for(lambda: charger_id in self.stations and self.stations[charger_id] is not reconnected_after)
                return self.stations[charger_id]
        return await asyncio.wait_for(found(), timeout)


def api(cms_url, method, path, body=None):
    request = urllib.request.Request(cms_url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {CMS_SECRET}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sampled(meter_values_payload):
    return [s for value in meter_values_payload["meter_value"] for s in value["sampled_value"]]


async def main():
    csms = CSMS()
    async with serve(csms.handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"], process_request=csms.process_request) as server:
        port = server.sockets[0].getsockname()[1]
        dead = socket.socket()
        dead.bind(("127.0.0.1", 0))
        backend = f"http://127.0.0.1:{dead.getsockname()[1]}"  # nobody listens: CP001 and CP002 report to the CSMS only
        sim, found = await asyncio.to_thread(start, [
            f"{args.bin}/charger-sim", "--host", "127.0.0.1", "--port", "0", "--backend-url", backend, "--cms-secret", CMS_SECRET,
            "--meter-interval", "0.2", "--speed", "60", "--seed", "7",
            "--ocpp-csms-url", f"ws://127.0.0.1:{port}/ocpp", "--ocpp-chargers", "CP001,CP002", "--ocpp-password", PASSWORD],
            {"url": r"listening on (http://\S+)"})
        cms_url = found["url"].replace("0.0.0.0", "127.0.0.1")
        try:
            await flows(csms, cms_url)
        finally:
            stop(sim)


async def flows(csms, cms_url):
    cp1 = await csms.station("CP001")
    cp2 = await csms.station("CP002")
    expected = "Basic " + base64.b64encode(f"CP001:{PASSWORD}".encode()).decode()
    check("the charge point authenticates with HTTP Basic (security profile 1)", csms.auth.get("CP001") == expected, csms.auth.get("CP001"))

    # Boot: Pending first, then Accepted a second later.
    await cp1.wait_for("second boot", lambda a, p: a == "BootNotification" and len(cp1.of("BootNotification")) >= 2)
    boot = cp1.of("BootNotification")[0]
    check("BootNotification names vendor, model and serial", boot.get("charge_point_vendor") and boot.get("charge_point_model")
          and boot.get("charge_point_serial_number") == "CP001", boot)
    check("a Pending boot is retried at the interval the CSMS gave (1 s)", 0.9 <= cp1.boots[1] - cp1.boots[0] <= 2.0,
          [round(t - cp1.boots[0], 2) for t in cp1.boots])
    await cp1.wait_for("the statuses after the boot", lambda a, p: a == "StatusNotification" and p["connector_id"] == 2)
    statuses = [(p["connector_id"], p["status"]) for p in cp1.of("StatusNotification")]
    check("after the boot: a status for the charge point and each connector", statuses[:3] == [(0, "Available"), (1, "Available"), (2, "Available")], statuses)
    await cp1.wait_for("two heartbeats", lambda a, p: a == "Heartbeat" and len(cp1.heartbeats) >= 2)
    gap = cp1.heartbeats[1] - cp1.heartbeats[0]
    check("Heartbeat at the interval of the boot's answer (2 s)", 1.8 <= gap <= 3.0, round(gap, 2))

    # Configuration.
    config = await cp1.call(call.GetConfiguration())
    keys = {k["key"]: k for k in config.configuration_key}
    check("GetConfiguration lists the core keys", keys.get("HeartbeatInterval", {}).get("value") == "2"
          and keys.get("NumberOfConnectors", {}).get("value") == "2" and keys["NumberOfConnectors"]["readonly"], keys.get("HeartbeatInterval"))
    some = await cp1.call(call.GetConfiguration(key=["MeterValueSampleInterval", "NoSuchKey"]))
    check("GetConfiguration of some keys lists the unknown ones", some.unknown_key == ["NoSuchKey"]
          and [k["key"] for k in some.configuration_key] == ["MeterValueSampleInterval"], some)
    answers = [(await cp1.call(call.ChangeConfiguration(key=k, value=v))).status for k, v in
               [("MeterValueSampleInterval", "12"), ("NumberOfConnectors", "5"), ("NoSuchKey", "1"), ("HeartbeatInterval", "soon")]]
    check("ChangeConfiguration: Accepted, Rejected (read-only), NotSupported, Rejected (not a number)",
          answers == [ConfigurationStatus.accepted, ConfigurationStatus.rejected, ConfigurationStatus.not_supported, ConfigurationStatus.rejected], answers)

    # Remote start: StartTransaction, then meter values with the CSMS's transaction id.
    answer = await cp1.call(call.RemoteStartTransaction(id_tag="RFID123", connector_id=1))
    check("RemoteStartTransaction is Accepted", answer.status == RemoteStartStopStatus.accepted, answer)
    _, start_payload = await cp1.wait_for("StartTransaction", lambda a, p: a == "StartTransaction")
    check("StartTransaction carries the card, connector and meter start", start_payload["id_tag"] == "RFID123"
          and start_payload["connector_id"] == 1 and start_payload["meter_start"] >= 0, start_payload)
    transaction = cp1.next_transaction
    check("a remote start sends no Authorize (AuthorizeRemoteTxRequests is false)", not cp1.of("Authorize"), cp1.of("Authorize"))
    await cp1.wait_for("two MeterValues", lambda a, p: a == "MeterValues" and len(cp1.of("MeterValues")) >= 2)
    meter = cp1.of("MeterValues")[0]
    measurands = [(s.get("measurand"), s.get("phase")) for s in sampled(meter)]
    check("MeterValues carry the CSMS's transaction id", all(p.get("transaction_id") == transaction for p in cp1.of("MeterValues")), meter)
    check("MeterValues: energy register, power, current and voltage per phase (AC)",
          ("Energy.Active.Import.Register", None) in measurands and ("Power.Active.Import", None) in measurands
          and {("Current.Import", f"L{i}") for i in (1, 2, 3)} <= set(measurands)
          and {("Voltage", f"L{i}-N") for i in (1, 2, 3)} <= set(measurands), measurands)
    registers = [float(s["value"]) for p in cp1.of("MeterValues") for s in sampled(p) if s.get("measurand") == "Energy.Active.Import.Register"]
    check("the register only rises", registers == sorted(registers) and registers[-1] >= start_payload["meter_start"], registers)
    times = [datetime.fromisoformat(p["meter_value"][0]["timestamp"].replace("Z", "+00:00")) for p in cp1.of("MeterValues")[:2]]
    check("MeterValueSampleInterval is simulated seconds: 12 s apart at 60x", (times[1] - times[0]).total_seconds() == 12, times)
    charging = [p["status"] for p in cp1.of("StatusNotification") if p["connector_id"] == 1]
    check("the connector went Preparing, then Charging", charging[-2:] == ["Preparing", "Charging"], charging)

    trigger = await cp1.call(call.TriggerMessage(requested_message=MessageTrigger.meter_values, connector_id=1))
    check("TriggerMessage MeterValues is Accepted", trigger.status == TriggerMessageStatus.accepted, trigger)
    _, triggered = await cp1.wait_for("the triggered MeterValues", lambda a, p: a == "MeterValues" and any(s.get("context") == "Trigger" for s in sampled(p)))
    check("the triggered MeterValues has context Trigger and the transaction's id", triggered.get("transaction_id") == transaction, triggered)
    trigger = await cp1.call(call.TriggerMessage(requested_message=MessageTrigger.firmware_status_notification))
    check("TriggerMessage of a message it does not send: NotImplemented", trigger.status == TriggerMessageStatus.not_implemented, trigger)

    answer = await cp1.call(call.RemoteStopTransaction(transaction_id=transaction))
    check("RemoteStopTransaction is Accepted", answer.status == RemoteStartStopStatus.accepted, answer)
    _, stop_payload = await cp1.wait_for("StopTransaction", lambda a, p: a == "StopTransaction")
    check("StopTransaction: the CSMS's id, reason Remote, meter stop at the last register", stop_payload["transaction_id"] == transaction
          and stop_payload["reason"] == "Remote" and stop_payload["meter_stop"] >= registers[-1], stop_payload)
    unknown = await cp1.call(call.RemoteStopTransaction(transaction_id=999999))
    check("RemoteStopTransaction of no transaction is Rejected", unknown.status == RemoteStartStopStatus.rejected, unknown)

    # DC: SoC in its meter values.
    await cp2.wait_for("CP002's accepted boot", lambda a, p: a == "StatusNotification")
    changed = await cp2.call(call.ChangeConfiguration(key="AuthorizeRemoteTxRequests", value="true"))
    await cp2.call(call.RemoteStartTransaction(id_tag="RFID124"))
    await cp2.wait_for("CP002's MeterValues", lambda a, p: a == "MeterValues")
    order = [(a, p.get("id_tag")) for a, p in cp2.calls if a in ("Authorize", "StartTransaction")]
    check("with AuthorizeRemoteTxRequests true a remote start sends Authorize, then StartTransaction",
          changed.status == ConfigurationStatus.accepted and order == [("Authorize", "RFID124"), ("StartTransaction", "RFID124")], order)
    dc = [s.get("measurand") for s in sampled(cp2.of("MeterValues")[0])]
    check("a DC charger's MeterValues carry SoC and no phases", "SoC" in dc and all(s.get("phase") is None for s in sampled(cp2.of("MeterValues")[0])), dc)

    # Reset: the charger stops its transaction, reboots and boots again.
    boots = len(cp2.of("BootNotification"))
    reset = await cp2.call(call.Reset(type=ResetType.soft))
    check("Reset is Accepted", reset.status == ResetStatus.accepted, reset)
    _, stop2 = await cp2.wait_for("CP002's StopTransaction", lambda a, p: a == "StopTransaction")
    check("the reset stops the transaction with reason SoftReset", stop2["reason"] == "SoftReset", stop2)
    new_cp2 = await csms.station("CP002", reconnected_after=cp2)
    await new_cp2.wait_for("a boot after the reset", lambda a, p: a == "BootNotification" and len(new_cp2.of("BootNotification")) > boots)
    order = [a for a, _ in new_cp2.calls]
    check("after the reset the charger connects and boots again, its StopTransaction sent before",
          order.index("StopTransaction") < len(order) - 1 - order[::-1].index("BootNotification"), order[-8:])

    # Offline mid-session: the transaction messages wait and arrive in order after the reconnect.
    api(cms_url, "POST", "/api/chargers/CP001/connectors/2/walk-in", {"id_tag": "WALKIN1"})
    _, walk_in = await cp1.wait_for("the walk-in's StartTransaction", lambda a, p: a == "StartTransaction" and p["connector_id"] == 2)
    walk_in_transaction = cp1.next_transaction
    cards = [(a, p.get("id_tag")) for a, p in cp1.calls if a in ("Authorize", "StartTransaction") and p.get("id_tag") == "WALKIN1"]
    check("a card presented at the charger: Authorize, then StartTransaction", cards == [("Authorize", "WALKIN1"), ("StartTransaction", "WALKIN1")], cards)
    await cp1.wait_for("a walk-in MeterValues", lambda a, p: a == "MeterValues" and p.get("transaction_id") == walk_in_transaction)
    before = len(cp1.of("MeterValues"))
    api(cms_url, "POST", "/api/chargers/CP001/offline")
    await asyncio.sleep(1.5)  # the outage itself: seven simulated steps pass while the charger is away
    check("offline: nothing reaches the CSMS", len(cp1.of("MeterValues")) <= before + 1, len(cp1.of("MeterValues")) - before)
    api(cms_url, "POST", "/api/chargers/CP001/online")
    new_cp1 = await csms.station("CP001", reconnected_after=cp1)
    await new_cp1.wait_for("the queued MeterValues", lambda a, p: a == "MeterValues" and len(new_cp1.of("MeterValues")) >= before + 5)
    queued = [p for p in new_cp1.of("MeterValues") if p.get("transaction_id") == walk_in_transaction]
    stamps = [p["meter_value"][0]["timestamp"] for p in queued]
    check("after the reconnect the queued MeterValues arrive in order, with the CSMS's id", stamps == sorted(stamps) and len(stamps) >= 6, stamps)
    # At least once: the one in flight when the connection dropped may come twice (same timestamp).
    unique = sorted(set(stamps))
    steps = [(datetime.fromisoformat(b.replace("Z", "+00:00")) - datetime.fromisoformat(a.replace("Z", "+00:00"))).total_seconds()
             for a, b in zip(unique, unique[1:])]
    check("none is lost: one every 12 simulated seconds, at most the one in flight twice",
          all(step == 12 for step in steps) and len(stamps) - len(unique) <= 1, (steps, len(stamps) - len(unique)))

    # A fault from the API shows on the wire as a real charger reports one.
    api(cms_url, "POST", "/api/chargers/CP001/connectors/1/fault", {"error_code": "GroundFailure", "info": "bench test"})
    _, fault = await new_cp1.wait_for("the Faulted status", lambda a, p: a == "StatusNotification" and p["status"] == "Faulted")
    check("a fault is StatusNotification Faulted with its error code", fault["connector_id"] == 1 and fault["error_code"] == "GroundFailure", fault)
    api(cms_url, "POST", "/api/chargers/CP001/connectors/1/clear-fault")
    _, cleared = await new_cp1.wait_for("the status after the fault", lambda a, p: a == "StatusNotification" and p["connector_id"] == 1
                                        and p["status"] != "Faulted" and new_cp1.calls.index((a, p)) > new_cp1.calls.index(("StatusNotification", fault)))
    check("clearing it reports the connector free again, NoError", cleared["status"] == "Available" and cleared["error_code"] == "NoError", cleared)

    # A card the CSMS blocks: no transaction starts, and the connector is freed.
    api(cms_url, "POST", "/api/chargers/CP001/connectors/1/walk-in", {"id_tag": "BLOCKED"})
    await new_cp1.wait_for("the blocked card's Authorize", lambda a, p: a == "Authorize" and p["id_tag"] == "BLOCKED")
    authorized_at = next(i for i, (a, p) in enumerate(new_cp1.calls) if a == "Authorize" and p["id_tag"] == "BLOCKED")
    _, after = await new_cp1.wait_for("the connector freed after the refusal", lambda a, p: a == "StatusNotification" and p["connector_id"] == 1
                                      and p["status"] in ("Finishing", "Available") and new_cp1.calls.index((a, p)) > authorized_at)
    started = [(a, p) for a, p in new_cp1.calls[authorized_at:] if a in ("StartTransaction", "StopTransaction")]
    check("a blocked card starts no transaction on the wire", not started, started)

    for station in (new_cp1, new_cp2, cp1, cp2):
        check(f"{station.id}: no CALLERROR from the schema-checking CSMS", not station.errors, station.errors[:3])


async def over_tls():
    """wss://: the charge point trusts the CSMS's certificate through --ocpp-ca-file (a host name:
    TLS's SNI takes no IP address)."""
    import ssl, subprocess, tempfile
    folder = tempfile.mkdtemp()
    cert, key = f"{folder}/cert.pem", f"{folder}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    csms = CSMS()
    async with serve(csms.handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"], process_request=csms.process_request, ssl=context) as server:
        port = server.sockets[0].getsockname()[1]
        sim, _ = await asyncio.to_thread(start, [
            f"{args.bin}/charger-sim", "--host", "127.0.0.1", "--port", "0", "--backend-url", "http://127.0.0.1:9", "--cms-secret", CMS_SECRET,
            "--ocpp-csms-url", f"wss://localhost:{port}/ocpp", "--ocpp-chargers", "CP003", "--ocpp-ca-file", cert],
            {"url": r"listening on (http://\S+)"})
        try:
            station = await csms.station("CP003")
            await station.wait_for("a boot over TLS", lambda a, p: a == "BootNotification")
            check("wss://: the charge point connects over TLS, trusting --ocpp-ca-file, and boots", True)
        finally:
            stop(sim)


async def csms_outage():
    """The CSMS itself goes away mid-session (its server closes; connections are refused) and
    comes back on the same port: the charge point reconnects with backoff and sends what it
    queued meanwhile, in order, with the transaction's id; an unplug during the outage is a
    StopTransaction (EVDisconnected) after the queued MeterValues. CP004 is single-phase."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    holder.close()
    csms = CSMS()
    server = await serve(csms.handler, "127.0.0.1", port, subprotocols=["ocpp1.6"], process_request=csms.process_request)
    sim, found = await asyncio.to_thread(start, [
        f"{args.bin}/charger-sim", "--host", "127.0.0.1", "--port", "0", "--backend-url", "http://127.0.0.1:9", "--cms-secret", CMS_SECRET,
        "--meter-interval", "0.2", "--speed", "60", "--seed", "11",
        "--ocpp-csms-url", f"ws://127.0.0.1:{port}/ocpp", "--ocpp-chargers", "CP004"],
        {"url": r"listening on (http://\S+)"})
    cms_url = found["url"].replace("0.0.0.0", "127.0.0.1")
    try:
        cp = await csms.station("CP004")
        await cp.wait_for("CP004's accepted boot", lambda a, p: a == "StatusNotification" and p["connector_id"] == 1)
        config = await cp.call(call.GetConfiguration(key=["MeterValueSampleInterval"]))
        interval = float(config.configuration_key[0]["value"])
        await cp.call(call.RemoteStartTransaction(id_tag="RFID200", connector_id=1))
        await cp.wait_for("CP004's StartTransaction", lambda a, p: a == "StartTransaction")
        transaction = cp.next_transaction
        await cp.wait_for("CP004's MeterValues", lambda a, p: a == "MeterValues")
        phases = {s.get("phase") for s in sampled(cp.of("MeterValues")[0]) if s.get("measurand") == "Current.Import"}
        check("a single-phase charger reports Current.Import on L1 only", phases == {"L1"}, phases)
        before = len(cp.of("MeterValues"))

        server.close()  # closes the connections too; nobody listens on the port now
        await server.wait_closed()
        await asyncio.sleep(2.5)  # the outage: several MeterValueSampleIntervals of simulated time
        api(cms_url, "POST", "/api/chargers/CP004/connectors/1/unplug")
        await asyncio.sleep(0.5)
        down_for = time.time()
        server = await serve(csms.handler, "127.0.0.1", port, subprotocols=["ocpp1.6"], process_request=csms.process_request)
        back = await csms.station("CP004", reconnected_after=cp, timeout=90)
        _, stopped = await back.wait_for("the StopTransaction queued in the outage", lambda a, p: a == "StopTransaction")
        waited = time.time() - down_for
        check(f"the charge point is back within its backoff (1 to 60 s doubling; here {waited:.1f} s after the CSMS)", waited <= 60, waited)
        calls = back.calls
        boot_at = max(i for i, (a, _) in enumerate(calls) if a == "BootNotification")
        after = [(a, p) for a, p in calls[boot_at:] if a in ("MeterValues", "StopTransaction")]
        queued = [p for a, p in after if a == "MeterValues"]
        stamps = [p["meter_value"][0]["timestamp"] for p in queued]
        check("after the CSMS is back, the MeterValues of the outage arrive, in order, with the transaction's id",
              len(queued) >= 2 and stamps == sorted(stamps) and all(p.get("transaction_id") == transaction for p in queued),
              (len(queued), stamps, [p.get("transaction_id") for p in queued]))
        check("then the unplug's StopTransaction: EVDisconnected, the transaction's id, last in the queue",
              stopped["reason"] == "EVDisconnected" and stopped["transaction_id"] == transaction and after[-1][0] == "StopTransaction",
              (stopped, [a for a, _ in after]))
        every = sorted({p["meter_value"][0]["timestamp"] for p in cp.of("MeterValues")})
        steps = [(datetime.fromisoformat(y.replace("Z", "+00:00")) - datetime.fromisoformat(x.replace("Z", "+00:00"))).total_seconds()
                 for x, y in zip(every, every[1:])]
        check(f"none was lost across the outage: one MeterValues every {interval:g} simulated seconds (MeterValueSampleInterval)",
              len(every) >= before + 2 and all(step == interval for step in steps), steps)
        check("one StartTransaction for the one session", len(cp.of("StartTransaction")) == 1, len(cp.of("StartTransaction")))
        check("CP004: no CALLERROR from the schema-checking CSMS", not cp.errors and not back.errors, (cp.errors + back.errors)[:3])
    finally:
        stop(sim)
        server.close()


started = time.time()
try:
    asyncio.run(main())
    asyncio.run(over_tls())
    asyncio.run(csms_outage())
except Exception as error:
    check("the flow ran to its end", False, repr(error))
failed = [name for name, passed in checks if not passed]
print(f"{len(checks) - len(failed)} of {len(checks)} checks passed in {time.time() - started:.1f} s")
sys.exit(1 if failed or not checks else 0)
