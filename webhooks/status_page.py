"""``GET /``: the tier's status page for people — alerts, devices, traffic, latest values, dead letters, outbox.

Server-rendered HTML (webhooks/templates/status.html), no external assets, readable on a phone.
Who may see it is webhooks/status_login.py (a login and a session cookie, or ``Authorization:
Bearer``). It reads the store — ``dashboard`` (webhooks/store/admin.py) and ``outbox.stats``, the
outbox numbers ``sdiot demo`` prints too — and lays them out; units are webhooks/units.py's.
"""
import logging
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, current_app, render_template

from webhooks import status_login, units
from webhooks.device_types import type_of_device_id
from webhooks.outbox_summary import age_text, sentence
from webhooks.store import StoreError

log = logging.getLogger(__name__)
bp = Blueprint("status_page", __name__, template_folder="templates")
MINUTES = 30
LATEST_PER_TYPE = 25  # rows of each device type's table; the rest are counted, not listed
SEVERITIES = ("critical", "warning", "info")
STREAM_OF_KIND = {"data": "telemetry", "status": "status", "alerts": "alerts"}
# (stream, outcome, colour): greens/blues/orange for what was stored, reds for dead letters
SERIES = (("telemetry", "accepted", "#2e7d32"), ("status", "accepted", "#1565c0"),
          ("alerts", "accepted", "#ef6c00"), ("telemetry", "rejected", "#b71c1c"),
          ("status", "rejected", "#e53935"), ("alerts", "rejected", "#ef9a9a"))


def init_app(app):
    app.register_blueprint(bp)
    status_login.init_app(app)


@bp.get("/")
def status():
    refused = status_login.refusal()
    if refused is not None:
        return refused
    try:
        page = snapshot(current_app.extensions["sdiot_store"])
    except StoreError as exc:  # never 500: the page says what is wrong; the log says where (host, port)
        log.warning("status page: the ingest store is unavailable: %s", exc)
        return Response("the ingest store is unavailable; retry shortly\n", 503,
                        {"Retry-After": str(current_app.config["SDIOT"].retry_after_seconds),
                         "Content-Type": "text/plain; charset=utf-8"})
    html = render_template("status.html", logged_in=status_login.logged_in(), **page)
    return Response(html, 200, {"Cache-Control": "no-store"})


def snapshot(store, minutes=MINUTES, now=None):
    """Everything the page shows, as plain data (also what the tests compare)."""
    now = now or datetime.now(timezone.utc)
    raw = store.dashboard(now, minutes)
    outbox = store.outbox.stats(delivered=False)  # delivered would count the whole retention window
    age = outbox["oldest_pending_age_seconds"]
    return {
        "now": now,
        "minutes": minutes,
        "alerts": _alerts(raw["alerts"], raw["alerts_by_severity"], now),
        "devices": _devices(raw["last_per_device"], raw["presence"]),
        "chart": _chart(raw, minutes),
        "latest": _latest(raw["latest"], now),
        "dead_by_reason": raw["dead_by_reason"],
        "dead_latest": raw["dead_latest"],
        "outbox": {**outbox, "sentence": sentence(outbox), "oldest_age": None if age is None else age_text(age)},
    }


def _alerts(rows, by_severity, now):
    counts = Counter()
    for r in by_severity:
        counts[_severity(r["severity"])] += r["n"]
    listed = [{"device_id": r["device_id"], "device_type": r["device_type"], "farm_id": r["farm_id"],
               "device_ts": r["device_ts"], "at": _clock(r["device_ts"], now),
               "severity": _severity(r["payload"].get("severity")), "alert_type": r["payload"].get("alert_type", ""),
               "message": _alert_text(r["payload"]), "source": r["payload"].get("source", "")} for r in rows]
    return {"counts": [(s, counts[s]) for s in SEVERITIES], "total": sum(counts.values()), "rows": listed}


def _severity(value):
    """The payload's severity; anything else (the schema allows none) is shown as info."""
    return value if value in SEVERITIES else "info"


def _alert_text(payload):
    """The alert's message; or, for a device that sent none, its value against the threshold."""
    if payload.get("message"):
        return payload["message"]
    unit = f" {payload['unit']}" if payload.get("unit") else ""
    if "value" in payload and "threshold" in payload:
        return f"{payload['value']}{unit} (threshold {payload['threshold']}{unit})"
    return ""


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


def _latest(rows, now):
    """One table per device type: its devices' newest readings, with the type's columns and units."""
    by_type = defaultdict(list)
    for r in rows:
        by_type[r["device_type"]].append(r)
    tables = []
    for device_type, devices in sorted(by_type.items()):
        columns = units.columns(device_type)
        numeric = [n for _, _, n in columns]
        listed = [{"device_id": r["device_id"], "farm_id": r["farm_id"], "device_ts": r["device_ts"],
                   "at": _clock(r["device_ts"], now),
                   "cells": list(zip(units.cells(device_type, r["payload"]), numeric))}
                  for r in devices[:LATEST_PER_TYPE]]
        tables.append({"device_type": device_type, "columns": columns, "rows": listed,
                       "more": max(0, len(devices) - LATEST_PER_TYPE)})
    return tables


def _clock(instant, now):
    """UTC time of day, with the date when it is not today's."""
    instant = instant.astimezone(timezone.utc)
    return instant.strftime("%H:%M:%S" if instant.date() == now.date() else "%m-%d %H:%M:%S")
