"""A simulated Odoo for the tests and the benchmark: the companion addon's ``ingest`` and
``ingest_events`` behind Odoo's real wire formats, on loopback only.

Shapes follow Odoo's source (see shared reference odoo.md §1, §3, §10):
* ``POST /jsonrpc`` — odoo/odoo:odoo/addons/base/controllers/rpc.py (17/18) and
  addons/rpc/controllers/jsonrpc.py (19): ``{"jsonrpc", "id", "result"|"error"}``, HTTP 200 even
  for errors; ``error.code`` 200 on 16–18, 0 on 19+ (odoo/odoo PR #183902); ``error.data`` from
  ``serialize_exception`` in odoo/odoo:odoo/http.py, key order by version.
* ``POST /json/2/<model>/<method>`` — odoo/odoo:addons/rpc/controllers/json2.py (19): bearer key,
  keyword arguments, bare JSON result; errors with real statuses and the serialize_exception body.
* Bodies are ``json.dumps(..., ensure_ascii=False)`` with ``application/json; charset=utf-8``
  (``make_json_response``).

The addon's ``ingest`` keeps one record per ``message_key`` (its unique constraint), returns the
existing id for a key it already holds, and answers per row. ``faults`` is a queue of failures to
inject into the next requests; ``service_ms`` is the fixed time Odoo spends per call.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webhooks.tools.simfaults import (  # noqa: F401 - the faults are part of this module's API
    commit_then_stall,
    drop_connection,
    http_status,
    serialization_failure,
)


class SimOdoo:
    def __init__(self, version=19, api_key="sim-key", db="farm", uid=7, service_ms=0.0):
        self.version, self.api_key, self.db, self.uid = version, api_key, db, uid
        self.service_ms = service_ms
        self.lock = threading.Lock()
        self.records = {}  # model -> {message_key: (id, values)}
        self.devices = {}  # device key -> {"id", "event_at", "values"}
        self.commits = {}  # message_key -> time.time() of the commit
        self.calls = []  # (model, method, rows in the call)
        self.faults = []  # callables(handler) -> True when they answered the request themselves
        self.reject = lambda model, values: None  # -> error text for a row the addon refuses
        self._next_id = 1
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def count(self, model=None):
        with self.lock:
            return sum(len(r) for m, r in self.records.items() if model in (None, m))

    # -- the addon -------------------------------------------------------------------------
    def call(self, model, method, rows):
        if self.service_ms:
            time.sleep(self.service_ms / 1000.0)
        with self.lock:  # one transaction: Odoo serialises the writers of these rows
            self.calls.append((model, method, len(rows)))
            if method == "ingest_events":
                return [self._event(values) for values in rows]
            if method != "ingest":
                raise _OdooException("builtins.AttributeError", f"The method '{model}.{method}' does not exist", 404)
            now = time.time()
            return [self._ingest(model, values, now) for values in rows]

    def _ingest(self, model, values, now):
        table = self.records.setdefault(model, {})
        key = values.get("message_key")
        if key in table:
            return {"id": table[key][0]}
        error = self.reject(model, values) or (None if key else "message_key is required")
        if error:
            return {"error": error}
        table[key] = (self._take_id(), values)
        self.commits[key] = now
        return {"id": table[key][0]}

    def _event(self, values):
        key = values.get("device_ref")
        if not key:
            return {"error": "device_ref is required"}
        at = values.get("event_us", 0)
        kind = values.get("event", "presence")  # the addon keeps one clock per kind: presence, status
        device = self.devices.get(key)
        if device is None:
            device = self.devices[key] = {"id": self._take_id(), "event_us": {}, "values": {}, "events": 0}
        if at > device["event_us"].get(kind, -1):  # applied only when newer than what it holds
            device["event_us"][kind] = at
            device["values"] = {**device["values"], **values}
            device["events"] += 1
        return {"id": device["id"]}

    def _take_id(self):
        self._next_id += 1
        return self._next_id - 1

    # -- error bodies (serialize_exception) ------------------------------------------------
    def error_data(self, name, message):
        args = [message]
        if self.version >= 19:
            return {"name": name, "message": message, "arguments": args, "context": {},
                    "debug": f"Traceback (most recent call last):\n  ...\n{name}: {message}\n"}
        return {"name": name, "debug": f"Traceback (most recent call last):\n  ...\n{name}: {message}\n",
                "message": message, "arguments": args, "context": {}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that gave up (timeout) or a dropped connection is part of the simulation."""


class _OdooException(Exception):
    def __init__(self, name, message, status):
        super().__init__(message)
        self.name, self.message, self.status = name, message, status


def _handler(sim):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes; with Nagle on, the client's delayed ACK adds ~40 ms
        # to every call (a real Odoo behind werkzeug/nginx does not), which would swamp the figures.
        disable_nagle_algorithm = True
        answer_late = 0.0

        def log_message(self, *args):  # keep test output clean
            pass

        def do_GET(self):
            """``GET /web/version`` (19+, addons/web/controllers/webclient.py), for protocol=auto."""
            if self.path != "/web/version" or sim.version < 19:
                return self.send_raw(404, b"<h1>Not Found</h1>", "text/html; charset=utf-8")
            self.send_json(200, {"version_info": [sim.version, 0, 0, "final", 0, ""], "version": f"{sim.version}.0"})

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with sim.lock:
                fault = sim.faults.pop(0) if sim.faults else None
            self.json2 = self.path.startswith("/json/2/")
            self.request_id = None
            if fault is not None and fault(self):
                return
            try:
                body = json.loads(raw)
                result = self.json2_call(body) if self.json2 else self.jsonrpc_call(body)
            except _OdooException as exc:
                return self.odoo_error(exc.name, exc.message, exc.status)
            if self.answer_late:
                time.sleep(self.answer_late)
            if self.json2:
                return self.send_json(200, result)
            return self.send_json(200, {"jsonrpc": "2.0", "id": self.request_id, "result": result})

        def json2_call(self, body):
            _, _, _, model, method = self.path.split("/", 4)
            auth = self.headers.get("Authorization", "")
            if auth.split(" ", 1)[-1] != sim.api_key or not auth.lower().startswith("bearer "):
                raise _OdooException("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401)
            rows = next(v for k, v in body.items() if k not in ("context", "ids") and isinstance(v, list))
            return sim.call(model, method, rows)

        def jsonrpc_call(self, body):
            self.request_id = body.get("id")
            params = body["params"]
            service, method, args = params["service"], params["method"], params.get("args", [])
            if service == "common":
                if method == "version":
                    return {"server_version": f"{sim.version}.0", "server_version_info": [sim.version, 0, 0, "final", 0, ""],
                            "server_serie": f"{sim.version}.0", "protocol_version": 1}
                if method in ("login", "authenticate"):
                    return sim.uid if args[2] == sim.api_key else False
            if service == "object" and method == "execute_kw":
                db, uid, key, model, model_method, call_args = args[:6]
                if key != sim.api_key:
                    raise _OdooException("odoo.exceptions.AccessDenied", "Access Denied", 403)
                return sim.call(model, model_method, call_args[0] if call_args else [])
            raise _OdooException("builtins.KeyError", f"{service}.{method}", 500)

        def odoo_error(self, name, message, status):
            data = sim.error_data(name, message)
            if self.json2:
                return self.send_json(status, data)
            code = 200 if sim.version < 19 else 0
            self.send_json(200, {"jsonrpc": "2.0", "id": self.request_id,
                                 "error": {"code": code, "message": "Odoo Server Error", "data": data}})

        def send_json(self, status, data):
            self.send_raw(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

        def send_raw(self, status, body, content_type):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
