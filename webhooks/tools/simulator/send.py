"""The simulated traffic through the project's EMQX rules to a webhook tier, as EMQX would POST it.

Each publish becomes EMQX's ``message.publish`` column map (``emqx_rules.replay.publish_context``),
each presence event the ``client.connected`` / ``client.disconnected`` map; every rule file is
evaluated offline on it and each output is POSTed to the rule's action path with EMQX's headers,
one request per output. Like EMQX, a 503/429 or a connection error is retried (a few times, not
for 45 s); every other answer is final. Latency is the client's: request sent → answer read.
"""
import queue
import threading
import time
from dataclasses import dataclass

import requests

from emqx_rules import RuleError, replay

RETRIES = 3


@dataclass(frozen=True)
class Request:
    due: float  # seconds after the first event, in simulated time
    stream: str  # telemetry | status | alerts | presence (the action path's last level)
    rule: str
    path: str
    body: bytes
    device_type: str
    fault: str | None


@dataclass(frozen=True)
class Outcome:
    request: Request
    http: int | None  # None: no answer (connection error)
    status: str  # accepted | duplicate | rejected | unauthorized | too_large | unavailable | error
    reason: str | None
    latency: float  # seconds, the last attempt's
    attempts: int


def presence_context(event, connected_at=None):
    """EMQX's client.connected / client.disconnected column map (emqx_rule_events.erl)."""
    ctx = {"event": event.event, "clientid": event.clientid, "peername": f"{event.peerhost}:50312",
           "sockname": "10.20.0.5:8883", "proto_name": "MQTT", "proto_ver": 5, "keepalive": 60,
           "clean_start": True, "expiry_interval": 0, "is_bridge": False, "client_attrs": {},
           "timestamp": event.time_ms + 2, "node": "emqx@127.0.0.1"}
    if event.username is not None:
        ctx["username"] = event.username
    if event.event == "client.connected":
        ctx.update(connected_at=event.time_ms, conn_props={"User-Property": {}})
    else:
        ctx.update(disconnected_at=event.time_ms, reason=event.reason or "normal", disconn_props={},
                   connected_at=connected_at or event.time_ms)
    return ctx


def plan(events, rules=None):
    """Every request the rules make of the events, in order (the rules run here, offline)."""
    rules = rules if rules is not None else replay.compiled_rules()
    first = events[0].time_ms if events else 0
    connected, out = {}, []
    for e in events:
        if hasattr(e, "topic"):
            ctx = replay.publish_context(e.topic, e.payload, e.clientid, e.username, e.qos, e.time_ms)
        else:
            ctx = presence_context(e, connected.get(e.clientid))
            if e.event == "client.connected":
                connected[e.clientid] = e.time_ms
        for rule, compiled in rules:
            try:
                bodies = compiled.evaluate(ctx, rule_id=rule.id)
            except RuleError:
                continue  # EMQX counts the rule as failed and sends nothing
            stream = rule.action.path.rstrip("/").rsplit("/", 1)[-1]
            out += [Request((e.time_ms - first) / 1000, stream, rule.id, rule.action.path,
                            replay.encode_body(b), e.device_type, e.fault) for b in bodies]
    return out


def send(requests_, base_url, token, concurrency=4, speedup=0.0, progress=None, timeout=(5, 30)):
    """POST every request (paced to ``speedup`` × simulated time, or as fast as answered if 0)."""
    headers = {**replay.EMQX_DEFAULT_HEADERS, "authorization": f"Bearer {token}"}
    base = base_url.rstrip("/")
    todo, outcomes, lock = queue.Queue(maxsize=concurrency * 4), [], threading.Lock()

    def worker():
        session = requests.Session()
        while (req := todo.get()) is not None:
            outcome = _post(session, base + req.path, headers, req, timeout)
            with lock:
                outcomes.append(outcome)
                if progress:
                    progress(len(outcomes))
        session.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    began = time.monotonic()
    for req in requests_:
        if speedup:
            time.sleep(max(0.0, req.due / speedup - (time.monotonic() - began)))  # pacing, not waiting
        todo.put(req)
    for _ in threads:
        todo.put(None)
    for t in threads:
        t.join()
    return outcomes


def _post(session, url, headers, req, timeout):
    for attempt in range(1, RETRIES + 1):
        started = time.perf_counter()
        try:
            resp = session.post(url, data=req.body, headers=headers, timeout=timeout)
        except requests.RequestException:
            outcome = Outcome(req, None, "error", None, time.perf_counter() - started, attempt)
        else:
            outcome = _read(req, resp, time.perf_counter() - started, attempt)
        if outcome.status not in ("unavailable", "error") or attempt == RETRIES:
            return outcome
        time.sleep(0.2 * attempt)  # EMQX's buffer worker retries after a pause too
    return outcome


def _read(req, resp, latency, attempt):
    try:
        body = resp.json()
    except ValueError:
        body = {}
    status = {200: body.get("status", "accepted"), 401: "unauthorized", 413: "too_large",
              422: "rejected", 429: "unavailable", 503: "unavailable"}.get(resp.status_code, "error")
    return Outcome(req, resp.status_code, status, body.get("reason"), latency, attempt)
