"""Publish the simulated traffic to a real MQTT broker (``sdiot simulate --mqtt``), publish-only.

Each device is its own MQTT client (client id and username = its device id), connected and
disconnected as the simulation's presence events say, so the broker's authentication, ACL,
presence events and rules all run for real. paho-mqtt is an optional extra (``mqtt``), imported
only here. Bounded: at most MAX_CLIENTS devices, and a deadline for the broker's acknowledgements.
"""
import time
from collections import Counter
from urllib.parse import urlsplit

MAX_CLIENTS = 2000
ACK_SECONDS = 30.0
CONNECT_SECONDS = 10.0


def _client(paho, clientid, host, port, username, password):
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=clientid, protocol=paho.MQTTv5)
    if username:
        client.username_pw_set(username, password)
    client.connect(host, port, keepalive=60)
    client.loop_start()
    deadline = time.monotonic() + CONNECT_SECONDS
    while not client.is_connected():  # a publish before CONNACK would be refused, not queued
        if time.monotonic() > deadline:
            client.loop_stop()
            raise ConnectionError(f"{clientid}: no CONNACK from {host}:{port} within {CONNECT_SECONDS:.0f} s")
        time.sleep(0.01)
    return client


def _settle(infos, seconds):
    deadline = time.monotonic() + seconds
    for info in infos:
        info.wait_for_publish(max(0.0, deadline - time.monotonic()))
    return sum(info.is_published() for info in infos)


def publish_all(events, url, speedup=0.0, passwords=None):
    """Publish every event (paced to ``speedup`` × simulated time when it is set); a summary dict."""
    import paho.mqtt.client as paho  # the optional extra: ImportError tells the caller what to install

    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ValueError(f"{url!r}: expected mqtt://host:port")
    host, port = parts.hostname, parts.port or 1883
    passwords = passwords or {}
    clients, pending, counts = {}, {}, Counter()
    first = events[0].time_ms if events else 0
    began = time.monotonic()
    try:
        for e in events:
            if speedup:
                time.sleep(max(0.0, (e.time_ms - first) / 1000 / speedup - (time.monotonic() - began)))
            if not hasattr(e, "topic"):
                _presence(paho, clients, pending, e, host, port, passwords, counts)
                continue
            client = clients.get(e.clientid)
            if client is None:  # published before its connect event: connect now
                if len(clients) >= MAX_CLIENTS:
                    raise ValueError(f"more than {MAX_CLIENTS} devices: split the farm over several runs")
                client = clients[e.clientid] = _client(paho, e.clientid, host, port, e.username,
                                                       passwords.get(e.username))
            pending.setdefault(e.clientid, []).append(client.publish(e.topic, e.payload.encode("utf-8"), qos=e.qos))
            counts["published"] += 1
        counts["acknowledged"] += _settle([i for infos in pending.values() for i in infos], ACK_SECONDS)
    finally:
        for client in clients.values():
            client.disconnect()
            client.loop_stop()
    counts["failed"] = counts["published"] - counts["acknowledged"]
    return {**counts, "wall_seconds": round(time.monotonic() - began, 3)}


def _presence(paho, clients, pending, e, host, port, passwords, counts):
    if e.event == "client.connected" and e.clientid not in clients:
        clients[e.clientid] = _client(paho, e.clientid, host, port, e.username, passwords.get(e.username))
        counts["connects"] += 1
    elif e.event == "client.disconnected" and e.clientid in clients:
        client = clients.pop(e.clientid)
        counts["acknowledged"] += _settle(pending.pop(e.clientid, []), ACK_SECONDS)  # flush before leaving
        client.disconnect()
        client.loop_stop()
        counts["disconnects"] += 1
