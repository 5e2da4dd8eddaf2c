"""``GET /``: the tier's status page for people — devices, traffic, latest readings, dead letters, outbox.

Server-rendered HTML (webhooks/templates/status.html), no external assets, readable on a phone.
When ``SDIOT_ADMIN_TOKENS`` is set the page needs one of those tokens, as ``Authorization: Bearer``
or, for a browser, ``?token=`` (compared in constant time, like the ingest tokens). It reads the
store's ``dashboard`` (the queries live in webhooks/store/admin.py) and lays the numbers out.
"""
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, current_app, render_template, request

from webhooks import auth_tokens
from webhooks.device_types import type_of_device_id
from webhooks.store import StoreError

bp = Blueprint("status_page", __name__, template_folder="templates")
MINUTES = 30
HIDDEN = ("device_id", "timestamp", "seq", "battery_level", "signal_strength", "rfid_tag")
STREAM_OF_KIND = {"data": "telemetry", "status": "status", "alerts": "alerts"}
# (stream, outcome, colour): greens/blues/orange for what was stored, reds for dead letters
SERIES = (("telemetry", "accepted", "#2e7d32"), ("status", "accepted", "#1565c0"),
          ("alerts", "accepted", "#ef6c00"), ("telemetry", "rejected", "#b71c1c"),
          ("status", "rejected", "#e53935"), ("alerts", "rejected", "#ef9a9a"))

def init_app(app):
    app.register_blueprint(bp)


@bp.get("/")
def status():
    settings = current_app.config["SDIOT"]
    if settings.admin_tokens:
        token = auth_tokens.bearer(request.headers.get("Authorization")) or request.args.get("token", "")
        if not auth_tokens.valid(f"Bearer {token}", settings.admin_tokens):
            return Response("admin token required (Authorization: Bearer, or ?token=)\n", 401,
                            {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain; charset=utf-8"})
    try:
        page = snapshot(current_app.extensions["sdiot_store"])
    except StoreError as exc:  # never 500: the page says what is wrong
        body = f"the ingest store is unavailable: {str(exc)[:200]}\n"
        return Response(body, 503, {"Retry-After": "5", "Content-Type": "text/plain; charset=utf-8"})
    return render_template("status.html", **page)


def snapshot(store, minutes=MINUTES, now=None):
    """Everything the page shows, as plain data (also what the tests compare)."""
    now = now or datetime.now(timezone.utc)
    raw = store.dashboard(now, minutes)
    outbox = {r["state"]: r for r in raw["outbox"]}
    oldest = outbox.get("pending", {}).get("oldest")
    return {
        "now": now,
        "minutes": minutes,
        "devices": _devices(raw["last_per_device"], raw["presence"]),
        "chart": _chart(raw, minutes),
        "latest": [_reading(r) for r in raw["latest"]],
        "dead_by_reason": raw["dead_by_reason"],
        "dead_latest": raw["dead_latest"],
        "outbox": {"pending": outbox.get("pending", {}).get("n", 0), "failed": outbox.get("failed", {}).get("n", 0),
                   "presence_pending": raw["presence_pending"],
                   "oldest_age_s": None if oldest is None else max(0, int((now - oldest).total_seconds()))},
    }


def _devices(last_seen, presence):
    """Per (farm, type): online / offline / no presence yet; plus the offline devices."""
    seen = {r["device_id"]: r for r in last_seen}
    state = {(p["device_id"] or p["clientid"]): p for p in presence}
    groups, last = defaultdict(Counter), {}
    offline = []
    for device_id in sorted(set(seen) | set(state)):
        device_type = type_of_device_id(device_id)
        farm = seen[device_id]["farm_id"] if device_id in seen else "(no readings)"
        kind = device_type.name if device_type else "other"
        p = state.get(device_id)
        where = "unknown" if p is None else "online" if p["connected"] else "offline"
        groups[(farm, kind)][where] += 1
        if device_id in seen:
            last[(farm, kind)] = max(last.get((farm, kind)) or seen[device_id]["last_seen"],
                                     seen[device_id]["last_seen"])
        if where == "offline":
            offline.append({"device_id": device_id, "farm": farm, "since": p["event_at"], "reason": p["reason"]})
    totals = Counter()
    for counts in groups.values():
        totals.update(counts)
    rows = [(key, counts, last.get(key)) for key, counts in sorted(groups.items())]
    return {"groups": rows, "offline": offline, "totals": totals}


def _chart(raw, minutes):
    cutoff = raw["cutoff"]
    keys = [(cutoff + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M") for i in range(minutes)]
    counts = defaultdict(Counter)
    for r in raw["accepted_per_minute"]:
        counts[r["minute"]][(STREAM_OF_KIND.get(r["kind"], r["kind"]), "accepted")] += r["n"]
    for r in raw["rejected_per_minute"]:
        counts[r["minute"]][(r["stream"], "rejected")] += r["n"]
    top = max([sum(counts[k].values()) for k in keys] + [1])
    width, height, slot = 600, 160, 600 / minutes
    bars = []
    for i, key in enumerate(keys):
        y = height
        for stream, outcome, colour in SERIES:
            n = counts[key][(stream, outcome)]
            if n:
                h = n / top * height
                y -= h
                bars.append({"x": round(i * slot + 1, 1), "y": round(y, 1), "w": round(slot - 2, 1),
                             "h": round(h, 1), "colour": colour, "title": f"{key[11:]} {stream} {outcome}: {n}"})
    totals = Counter()
    for c in counts.values():
        totals.update(c)
    return {"bars": bars, "top": top, "width": width, "height": height, "first": keys[0][11:],
            "last": keys[-1][11:], "series": [(s, o, c, totals[(s, o)]) for s, o, c in SERIES]}


def _reading(row):
    payload = row["payload"]
    values = [(k, v) for k, v in payload.items() if k not in HIDDEN and isinstance(v, (int, float, str))]
    numbers = [kv for kv in values if not isinstance(kv[1], str)]  # measurements first, then labels
    shown = (numbers + [kv for kv in values if isinstance(kv[1], str)])[:4]
    return {**row, "fields": shown}
