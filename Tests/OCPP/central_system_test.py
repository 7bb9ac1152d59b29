#!/usr/bin/env python3
"""charger-sim's CSMS side against a charge point written with the mobilityhouse `ocpp` library
(which checks every payload against the official OCPP 1.6 JSON schemas, both ways).

The charge point connects at /ocpp/CP001 and stands in for the simulated CP001; an app's
start_charging through the gateway reaches it as RemoteStartTransaction, its StartTransaction
gets the backend's transaction id, its MeterValues reach the app as session_update pushes, and
stop_charging reaches it as RemoteStopTransaction. Then what a CSMS must refuse: an unknown
charger id, no ocpp1.6 subprotocol, malformed CALLs (answered with the CALLERROR OCPP-J names,
the connection staying up). Exit 0 when every check passed. Run by scripts/ocpp-test.
"""
import argparse, asyncio, json, sys, time
from datetime import datetime, timezone

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (Action, AuthorizationStatus, ChargePointErrorCode, ChargePointStatus, Measurand, Phase,
                            ReadingContext, Reason, RegistrationStatus, RemoteStartStopStatus, UnitOfMeasure)

from ocpp_common import App, start, start_stack, stop, token

parser = argparse.ArgumentParser()
parser.add_argument("--bin", required=True)
args = parser.parse_args()


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class BenchCharger(ChargePoint):
    """A lab-bench charger: starts when told to, meters every 0.2 s, stops when told to."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.register, self.transaction, self.sent_meter_values, self.remote_starts = 5000, None, [], []
        self.metering = None

    async def status(self, status, connector=1):
        await self.call(call.StatusNotification(connector_id=connector, error_code=ChargePointErrorCode.no_error,
                                                status=status, timestamp=now()))

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag, connector_id=None, **_):
        self.remote_starts.append((id_tag, connector_id))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @after(Action.remote_start_transaction)
    async def begin(self, id_tag, connector_id=None, **_):
        await self.status(ChargePointStatus.preparing)
        answer = await self.call(call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=self.register, timestamp=now()))
        assert answer.id_tag_info["status"] == AuthorizationStatus.accepted, answer
        self.transaction, self.meter_start = answer.transaction_id, self.register
        await self.status(ChargePointStatus.charging)
        self.metering = asyncio.ensure_future(self.meter())

    async def meter(self):
        while True:
            await asyncio.sleep(0.2)  # the charger's meter interval, not a wait for an event
            self.register += 150
            sampled = [
                {"value": str(self.register), "measurand": Measurand.energy_active_import_register, "unit": UnitOfMeasure.wh,
                 "context": ReadingContext.sample_periodic},
                {"value": "10.8", "measurand": Measurand.power_active_import, "unit": UnitOfMeasure.kw},
                *({"value": "15.6", "measurand": Measurand.current_import, "unit": UnitOfMeasure.a, "phase": phase}
                  for phase in (Phase.l1, Phase.l2, Phase.l3)),
                *({"value": "231.0", "measurand": Measurand.voltage, "unit": UnitOfMeasure.v, "phase": phase}
                  for phase in (Phase.l1_n, Phase.l2_n, Phase.l3_n)),
            ]
            self.sent_meter_values.append(self.register)
            await self.call(call.MeterValues(connector_id=1, transaction_id=self.transaction,
                                             meter_value=[{"timestamp": now(), "sampled_value": sampled}]))

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id, **_):
        ok = transaction_id == self.transaction
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.accepted if ok else RemoteStartStopStatus.rejected)

    @after(Action.remote_stop_transaction)
    async def end(self, transaction_id, **_):
        if transaction_id != self.transaction:
            return
        self.metering.cancel()
        await self.call(call.StopTransaction(meter_stop=self.register, timestamp=now(), transaction_id=self.transaction,
                                             reason=Reason.remote))
        await self.status(ChargePointStatus.finishing)
        await self.status(ChargePointStatus.available)


checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition)))
    print(f"{'ok  ' if condition else 'FAIL'} {name}" + (f": {detail}" if detail and not condition else ""))


async def raw_calls(ocpp_url):
    """Malformed CALLs on a raw socket, as a buggy charger would send them."""
    async with websockets.connect(f"{ocpp_url}/CP002", subprotocols=["ocpp1.6"]) as socket:
        check("the CSMS agrees on the ocpp1.6 subprotocol", socket.subprotocol == "ocpp1.6", socket.subprotocol)
        cases = [
            ("not JSON", "this is not json", "-1", "FormationViolation"),
            ("a field the schema lacks", '[2,"a","Heartbeat",{"extra":1}]', "a", "FormationViolation"),
            ("a required field missing", '[2,"b","BootNotification",{"chargePointVendor":"Bench"}]', "b", "OccurenceConstraintViolation"),
            ("a string too long", '[2,"c","Authorize",{"idTag":"0123456789012345678901"}]', "c", "TypeConstraintViolation"),
            ("a wrong type", '[2,"d","StartTransaction",{"connectorId":"1","idTag":"X","meterStart":0,"timestamp":"2026-01-01T00:00:00Z"}]',
             "d", "TypeConstraintViolation"),
            ("a value the enumeration lacks", '[2,"e","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]',
             "e", "PropertyConstraintViolation"),
            ("an action OCPP 1.6 does not have", '[2,"f","Teleport",{}]', "f", "NotImplemented"),
            ("an action the CSMS does not take", '[2,"g","DiagnosticsStatusNotification",{"status":"Idle"}]', "g", "NotSupported"),
        ]
        for name, text, message_id, code in cases:
            await socket.send(text)
            answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
            check(f"{name} gets CALLERROR {code}", answer[:3] == [4, message_id, code], answer)
        await socket.send('[2,"h","Heartbeat",{}]')
        answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
        check("the connection still answers after all of them", answer[0] == 3 and answer[1] == "h" and "currentTime" in answer[2], answer)

    try:
        async with websockets.connect(f"{ocpp_url}/NOSUCHCHARGER", subprotocols=["ocpp1.6"]):
            check("an unknown charger id is refused", False)
    except websockets.exceptions.InvalidStatus as error:
        # hummingbird-websocket answers every refused upgrade with 400.
        check("an unknown charger id is refused at the handshake", error.response.status_code == 400, error.response.status_code)

    async with websockets.connect(f"{ocpp_url}/CP003") as socket:
        try:
            await asyncio.wait_for(socket.recv(), 10)
            check("no subprotocol: the CSMS closes", False)
        except websockets.exceptions.ConnectionClosed as closed:
            check("no subprotocol: the CSMS closes with 1002", closed.rcvd is not None and closed.rcvd.code == 1002, closed)


async def main(gateway, cms, secret):
    ocpp_url = cms.replace("http://", "ws://") + "/ocpp"
    async with websockets.connect(f"{ocpp_url}/CP001", subprotocols=["ocpp1.6"]) as socket:
        charger = BenchCharger("CP001", socket)
        runner = asyncio.ensure_future(charger.start())
        boot = await charger.call(call.BootNotification(charge_point_model="Bench", charge_point_vendor="Lab"))
        check("BootNotification is Accepted with a heartbeat interval", boot.status == RegistrationStatus.accepted and boot.interval > 0, boot)
        heartbeat = await charger.call(call.Heartbeat())
        check("Heartbeat gets the time", bool(heartbeat.current_time), heartbeat)
        await charger.status(ChargePointStatus.available)
        await charger.status(ChargePointStatus.available, connector=0)

        async with websockets.connect(f"{gateway}/?token={token(123, secret)}") as app_socket:
            app = App(app_socket)
            await app.send("start_charging", {"charger_id": "CP001", "connector_id": 1})
            started = await app.wait_for("session_started", lambda m: m.get("event") == "session_started")
            check("the charger got RemoteStartTransaction with the user's card", charger.remote_starts == [("RFID123", 1)], charger.remote_starts)
            check("StartTransaction got the backend's transaction id", started["transaction_id"] == charger.transaction,
                  (started["transaction_id"], charger.transaction))
            check("session_started carries the charger's meter start", started["data"].get("meter_start") == charger.meter_start, started)
            meter = await app.wait_for("three meter values", lambda m: len(app.session_updates("meter_value")) >= 3)
            values = app.session_updates("meter_value")
            first = values[0]["data"]
            check("meter values carry the charger's register", first.get("meter_value") in charger.sent_meter_values, first)
            check("energy_delivered is the register less the meter start, in kWh",
                  abs(first.get("energy_delivered", -1) - (first.get("meter_value", 0) - charger.meter_start) / 1000) < 1e-9, first)
            check("power is read from kW, current and voltage per phase", first.get("power") == 10.8 and first.get("current") == 15.6
                  and first.get("voltage") == 231.0, first)
            await app.send("stop_charging", {"charger_id": "CP001"})
            stopped = await app.wait_for("session_stopped", lambda m: m.get("event") == "session_stopped")
            check("session_stopped has the charger's meter stop, and its reason Remote by the spec's name", stopped["data"].get("meter_stop") == charger.register
                  and stopped["data"].get("stop_reason") == "RemoteStop", stopped)
            completed = await app.wait_for("session_completed", lambda m: m.get("event") == "session_completed")
            check("session_completed follows once the connector is Available", completed["transaction_id"] == charger.transaction, completed)
        runner.cancel()

    await raw_calls(ocpp_url)


async def own_port():
    """--ocpp-port: charge points on a port of their own, the API's port without /ocpp."""
    sim, found = start([f"{args.bin}/charger-sim", "--host", "127.0.0.1", "--port", "0", "--ocpp-port", "0",
                        "--backend-url", "http://127.0.0.1:9", "--cms-secret", "s"],
                       {"ocpp": r"connect at (ws://\S+)/ocpp/CHARGER_ID", "api": r"listening on (http://\S+)"})
    try:
        async with websockets.connect(f"{found['ocpp']}/ocpp/CP001", subprotocols=["ocpp1.6"]) as socket:
            await socket.send('[2,"1","BootNotification",{"chargePointVendor":"Lab","chargePointModel":"Bench"}]')
            answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
            check("--ocpp-port: a charge point boots on the port of its own", answer[0] == 3 and answer[2].get("status") == "Accepted", answer)
        try:
            async with websockets.connect(found["api"].replace("http://", "ws://") + "/ocpp/CP001", subprotocols=["ocpp1.6"]):
                check("--ocpp-port: the API's port takes no charge point", False)
        except websockets.exceptions.InvalidStatus as error:
            check("--ocpp-port: the API's port takes no charge point", error.response.status_code == 404, error.response.status_code)
    finally:
        stop(sim)


stack, urls = start_stack(args.bin)
started = time.time()
try:
    asyncio.run(main(urls["gateway"], urls["cms"], urls["secret"]))
except Exception as error:
    check("the flow ran to its end", False, repr(error))
finally:
    stop(stack)
try:
    asyncio.run(own_port())
except Exception as error:
    check("the --ocpp-port flow ran to its end", False, repr(error))
failed = [name for name, passed in checks if not passed]
print(f"{len(checks) - len(failed)} of {len(checks)} checks passed in {time.time() - started:.1f} s")
sys.exit(1 if failed or not checks else 0)
