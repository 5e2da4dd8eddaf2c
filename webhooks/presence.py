"""Presence events (``$events/client_connected`` / ``client_disconnected``) → a device_presence row."""
from dataclasses import dataclass
from datetime import datetime

from webhooks.binding import ms_to_datetime
from webhooks.device_types import DEVICE_ID_RE
from webhooks.envelope import PRESENCE_EVENTS, clean
from webhooks.errors import Rejected

# A disconnect caused by the same client connecting again (session takeover, or a clean start
# that discarded the old session) says nothing about whether the device is online: the new
# connection's own event does. EMQX can emit it after the new `connected`, so it must not win.
SUPERSEDED = ("takenover", "takeovered", "discarded")


@dataclass(frozen=True)
class Presence:
    clientid: str
    device_id: str | None  # the username when it is a device id (devices log in as themselves)
    username: str | None
    connected: bool
    event_at: datetime
    peerhost: str | None
    reason: str | None
    node: str | None

    @property
    def superseded(self):
        return not self.connected and self.reason in SUPERSEDED


def _opt_str(env, name, max_len=256):
    value = env.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise Rejected("invalid_envelope", f"'{name}' must be a string of at most {max_len} characters")
    return value


def bind_presence(body):
    if not isinstance(body, dict):
        raise Rejected("invalid_envelope", f"body is a JSON {type(body).__name__}, not an object")
    env = clean(body)
    event = env.get("event")
    if event not in PRESENCE_EVENTS:
        raise Rejected("invalid_envelope", f"'event' must be one of {', '.join(PRESENCE_EVENTS)}")
    clientid = _opt_str(env, "clientid")
    if not clientid:
        raise Rejected("invalid_envelope", "'clientid' is missing")
    username = _opt_str(env, "username")
    return Presence(
        clientid=clientid,
        device_id=username if username and DEVICE_ID_RE.match(username) else None,
        username=username,
        connected=event == "client.connected",
        event_at=ms_to_datetime(env.get("at"), "at"),
        peerhost=_opt_str(env, "peerhost", 64),
        reason=_opt_str(env, "reason", 64),
        node=_opt_str(env, "node", 255),
    )
