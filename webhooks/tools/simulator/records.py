"""What the simulator emits: MQTT publishes and client presence events, as a broker would see them.

``Reading`` is a device's own view (its clock, its sequence number) before the field gets at it;
``Publish`` is what reaches the broker (the recorded-message format ``sdiot rules replay`` reads,
plus ``fault``: what the simulator did to it, so a run can be checked against its own plan).
"""
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

PRESENCE_EVENTS = ("client.connected", "client.disconnected")
TRANSIT_SECONDS = 0.08  # device to broker over the farm's network


def iso(seconds):
    """RFC 3339 UTC with milliseconds, as device firmware usually formats it."""
    dt = datetime.fromtimestamp(seconds, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def ms(seconds):
    return int(round(seconds * 1000))


@dataclass
class Reading:
    at: float  # device time, epoch seconds
    device: object  # roster.Device
    kind: str  # data | status | alerts
    body: dict  # payload fields other than device_id, timestamp and seq
    seq: int | None = None
    sent: float | None = None  # when it reaches the broker; None: right away

    def payload(self, timestamp=None, device_id=None):
        head = {"device_id": device_id or self.device.device_id, "timestamp": iso(timestamp or self.at)}
        if self.seq is not None:
            head["seq"] = self.seq
        return {**head, **self.body}


@dataclass(frozen=True)
class Publish:
    time_ms: int  # broker receive time (publish_received_at)
    topic: str
    payload: str
    clientid: str
    username: str | None
    device_type: str
    kind: str
    qos: int = 1
    fault: str | None = None  # None: clean; duplicate, backfill, clock_skew, non_json, spoof

    def to_dict(self):
        out = {"topic": self.topic, "payload": self.payload, "clientid": self.clientid,
               "username": self.username, "qos": self.qos, "time": self.time_ms}
        if self.fault:
            out["fault"] = self.fault
        return out


@dataclass(frozen=True)
class Presence:
    time_ms: int
    event: str  # client.connected | client.disconnected
    clientid: str
    username: str | None
    device_type: str
    reason: str | None = None  # disconnect reason as EMQX names it (keepalive_timeout, normal, ...)
    peerhost: str = "10.20.0.1"
    fault: str | None = field(default=None)

    def to_dict(self):
        out = {"event": self.event, "clientid": self.clientid, "username": self.username,
               "time": self.time_ms, "peerhost": self.peerhost}
        if self.reason:
            out["reason"] = self.reason
        return out


def publish(reading, fault=None, **changes):
    """The Publish for a reading; ``changes`` override payload text, time, topic or identity."""
    device = reading.device
    sent = reading.sent if reading.sent is not None else reading.at + TRANSIT_SECONDS
    text = changes.pop("payload", None)
    if text is None:
        text = json.dumps(reading.payload(), separators=(",", ":"))
    fields = dict(time_ms=ms(sent), topic=device.topic(reading.kind), payload=text, clientid=device.clientid,
                  username=device.username, device_type=device.device_type, kind=reading.kind, fault=fault)
    fields.update(changes)
    return Publish(**fields)
