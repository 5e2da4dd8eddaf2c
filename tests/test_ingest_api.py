"""The ingest endpoints answer exactly as contract 1 says, on PostgreSQL and on SQLite."""
import json

import pytest

from webhooks import create_app
from tests.sqlconn import connect
from tests.factories import AUTH, PATHS, TOKEN, envelope, iso, now_ms, payload_for


@pytest.fixture
def app(ingest_url):
    return create_app({"database_url": ingest_url, "webhook_tokens": ("old-token", TOKEN)})


@pytest.fixture
def client(app):
    return app.test_client()


def rows(url, sql):
    conn = connect(url)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def post(client, body, stream="telemetry", headers=AUTH):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(f"/v1/ingest/{stream}", data=data, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_device_path_is_accepted_once_then_duplicate(client, ingest_url, path):
    """A valid reading of every device type is stored once; the resend is answered duplicate."""
    body = envelope(path)
    first = post(client, body)
    resend = post(client, {**body, "msg_id": "F" * 32})  # a reconnect resend has a new EMQX id
    assert (first.status_code, first.json["status"]) == (200, "accepted")
    assert (resend.status_code, resend.json["status"]) == (200, "duplicate")
    assert rows(ingest_url, "SELECT count(*), min(state) FROM message") == [(1, "pending")]


@pytest.mark.parametrize("kind", ["status", "alerts"])
def test_status_and_alerts_streams_store_their_kind(client, ingest_url, kind):
    """Status and alerts land in the outbox with the Odoo model they feed."""
    response = post(client, envelope("collars", kind=kind), stream=kind)
    assert response.status_code == 200, response.json
    model = {"status": "iot.device", "alerts": "iot.alert"}[kind]
    assert rows(ingest_url, "SELECT kind, odoo_model FROM message") == [(kind, model)]


def test_same_instant_in_another_offset_is_a_duplicate(client):
    """The dedup key uses the device time as an instant, not as the text the device sent."""
    ms = now_ms() - 60_000
    utc = payload_for("temperature", ts_ms=ms)
    shifted = dict(utc, timestamp=iso(ms).replace("Z", "+00:00"))
    assert post(client, envelope("temperature", payload=utc)).json["status"] == "accepted"
    assert post(client, envelope("temperature", payload=shifted)).json["status"] == "duplicate"


def test_sequence_number_separates_readings_with_one_timestamp(client):
    """Two readings with the same timestamp but different seq are both kept."""
    p = payload_for("waterers", seq=1)
    assert post(client, envelope("waterers", payload=p)).json["status"] == "accepted"
    assert post(client, envelope("waterers", payload=dict(p, seq=2))).json["status"] == "accepted"


def test_device_alert_and_derived_alert_at_one_instant_are_distinct(client):
    """Alerts are keyed by alert type too, so a rule-derived alert never hides a device's own."""
    p = payload_for("temperature", kind="alerts")
    derived = dict(p, alert_type="cold_chain_excursion", severity="critical", source="rule:cold_chain")
    assert post(client, envelope("temperature", kind="alerts", payload=p), "alerts").json["status"] == "accepted"
    body = envelope("temperature", kind="alerts", payload=derived)
    body["topic"] = body["topic"].rsplit("/", 1)[0] + "/data"  # cold_chain posts from the data topic
    assert post(client, body, "alerts").json["status"] == "accepted"


def test_late_backfill_is_accepted(client):
    """Readings buffered offline for hours are valid."""
    old = payload_for("feeders", ts_ms=now_ms() - 6 * 3600 * 1000)
    assert post(client, envelope("feeders", payload=old)).status_code == 200


def _mutate(body, **changes):
    out = dict(body)
    out.update(changes)
    return out


def _payload(**changes):
    return json.dumps({**payload_for("milk_meters"), **changes})


REJECTIONS = [
    ("invalid_json", b"{not json"),
    ("invalid_envelope", b"[1, 2]"),
    ("invalid_envelope", lambda: _mutate(envelope(), msg_id=None)),
    ("invalid_envelope", lambda: _mutate(envelope(), received_at="yesterday")),
    ("invalid_envelope", lambda: _mutate(envelope(), qos=7)),
    ("invalid_envelope", lambda: {k: v for k, v in envelope().items() if k != "payload"}),
    ("invalid_topic", lambda: _mutate(envelope(), topic="dairy/farm-b/milk_meters/MM001/data")),
    ("invalid_topic", lambda: _mutate(envelope(), kind="status")),
    ("invalid_topic", lambda: envelope(farm="Farm A")),
    ("unknown_device_path", lambda: envelope("milk_meters", device_path="robots",
                                             topic="dairy/farm-a/robots/MM001/data")),
    ("device_prefix_mismatch", lambda: envelope("milk_meters", device_id="TS001",
                                                payload=payload_for("milk_meters", "TS001"))),
    ("identity_mismatch", lambda: _mutate(envelope(), username="MM002")),
    ("identity_mismatch", lambda: _mutate(envelope(), username="undefined")),
    ("identity_mismatch", lambda: envelope(payload=payload_for("milk_meters", device_id="MM002"))),
    ("payload_not_json", lambda: envelope(payload="temperature=3.9")),
    ("payload_not_object", lambda: envelope(payload="[12.5]")),
    ("payload_too_deep", lambda: envelope(payload=_payload(quality={"a": [[[[[[[[1]]]]]]]]}))),
    ("payload_too_deep", lambda: envelope(payload='{"a":' * 5000 + "1" + "}" * 5000)),
    ("payload_invalid_characters", lambda: envelope(payload=_payload(animal_id="COW\u0000"))),  # a \u0000 escape
    ("payload_invalid_characters", lambda: envelope(payload=_payload(animal_id="COW\ud800"))),  # a lone surrogate escape
    ("schema_violation", lambda: envelope(payload=_payload(yield_liters="12"))),
    ("schema_violation", lambda: envelope(payload=_payload(yield_liters=75))),
    ("schema_violation", lambda: envelope(payload=_payload(animal_id="C" * 500))),
    ("schema_violation", lambda: envelope(payload=_payload(timestamp="2026-02-30T10:00:00Z"))),
    ("schema_violation", lambda: envelope(payload=_payload(colour="blue"))),
    ("timestamp_in_future", lambda: envelope(payload=_payload(timestamp=iso(now_ms() + 3600_000)))),
    ("timestamp_too_old", lambda: envelope(payload=_payload(timestamp="2020-01-01T00:00:00Z"))),
]


@pytest.mark.parametrize("reason,body", REJECTIONS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(REJECTIONS)])
def test_rejections_are_stored_with_their_reason(client, ingest_url, reason, body):
    """Each bad body is answered 422 only after it is kept as a dead letter with its reason."""
    body = body() if callable(body) else body
    response = post(client, body)
    assert response.status_code == 422, response.json
    assert response.json["reason"] == reason
    stored = rows(ingest_url, "SELECT reason, detail, body, state FROM dead_letter")
    assert len(stored) == 1 and stored[0][0] == reason and stored[0][3] == "new"
    assert stored[0][1] == response.json["detail"]
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    assert stored[0][2] == raw.decode()
    assert rows(ingest_url, "SELECT count(*) FROM message") == [(0,)]


def test_schema_violation_names_the_field(client):
    """The detail points at the offending field so an operator can fix the device."""
    response = post(client, envelope(payload=_payload(quality={"fat_percentage": 14})))
    assert response.json["detail"].startswith("$.quality.fat_percentage: 14 is greater than the maximum of 10")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}])
def test_without_a_valid_token_nothing_is_stored(client, ingest_url, headers):
    """401 for a caller without a valid bearer token, and no row of any kind."""
    response = post(client, envelope(), headers=headers)
    assert response.status_code == 401
    assert rows(ingest_url, "SELECT (SELECT count(*) FROM message) + (SELECT count(*) FROM dead_letter)") == [(0,)]


def test_every_configured_token_is_accepted(client):
    """Two tokens at once, so EMQX can be moved to a new one without downtime."""
    response = post(client, envelope(), headers={"Authorization": "Bearer old-token"})
    assert response.status_code == 200


def test_body_over_the_limit_is_413_and_a_bounded_prefix_is_kept(ingest_url):
    """Oversized bodies are refused with 413; the first bytes are kept for diagnosis."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,), "max_body_bytes": 2048,
                      "dead_letter_body_bytes": 1024})
    body = envelope(payload=_payload(animal_id="x" * 5000))
    response = post(app.test_client(), body)
    assert response.status_code == 413
    (reason, truncated, size), = rows(ingest_url, "SELECT reason, body_truncated, length(body) FROM dead_letter")
    assert (reason, bool(truncated), size) == ("body_too_large", True, 1024)


def test_unknown_stream_is_404_and_get_is_405(client):
    """Only the four streams exist, and only for POST."""
    assert post(client, envelope(), stream="weather").status_code == 404
    assert client.get("/v1/ingest/telemetry").status_code == 405


def test_undefined_optional_fields_are_missing_not_values(client, ingest_url):
    """EMQX renders absent columns as "undefined"; qos and clientid absent are fine."""
    response = post(client, _mutate(envelope(), qos="undefined", clientid="undefined"))
    assert response.status_code == 200


def test_draining_answers_503_with_retry_after(ingest_url):
    """While draining the tier asks EMQX to retry elsewhere, and /readyz fails."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)})
    app.extensions["sdiot_draining"].drain()
    client = app.test_client()
    response = post(client, envelope())
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_outbox_over_its_limit_answers_503(ingest_url):
    """Past SDIOT_OUTBOX_LIMIT pending rows the tier pushes back so EMQX buffers instead."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,), "outbox_limit": 1})
    app.extensions["sdiot_store"].PENDING_TTL = 0
    client = app.test_client()
    assert post(client, envelope("gates")).status_code == 200
    response = post(client, envelope("waterers"))
    assert response.status_code == 503 and "outbox" in response.json["detail"]


@pytest.mark.parametrize("reason,body", [
    ("payload_invalid_characters", lambda: json.dumps(envelope(payload=_payload(animal_id="COW\udc80"))).encode()),
    ("invalid_json", lambda: json.dumps(envelope()).encode().replace(b"COW-17", b"COW\xed\xb2\x80")),
    ("invalid_topic", lambda: json.dumps(_mutate(envelope(), kind="\u0000")).encode()),
    ("invalid_topic", lambda: json.dumps(_mutate(envelope(), topic="dairy/\udc80/x")).encode()),
], ids=["surrogate-in-payload", "invalid-utf8-bytes", "nul-in-kind", "surrogate-in-topic"])
def test_unstorable_characters_still_end_as_dead_letters(client, ingest_url, reason, body):
    """NUL and lone surrogates anywhere in the body are a 422 with a kept body, never a 503 loop."""
    response = post(client, body())
    assert response.status_code == 422, response.json
    assert response.json["reason"] == reason
    assert rows(ingest_url, "SELECT count(*) FROM dead_letter") == [(1,)]


def test_seq_written_as_a_float_keys_like_the_integer(client):
    """seq 5 and seq 5.0 are the same reading (the schema's integer admits both)."""
    p = payload_for("waterers", seq=5)
    assert post(client, envelope("waterers", payload=p)).json["status"] == "accepted"
    assert post(client, envelope("waterers", payload=json.dumps(p).replace('"seq": 5', '"seq": 5.0'))
                ).json["status"] == "duplicate"


def test_sub_microsecond_readings_stay_distinct(client):
    """Nanosecond clocks: two readings 0.5 µs apart are two readings, not a duplicate."""
    base = payload_for("environmental")
    first = dict(base, timestamp="2026-11-27T10:00:00.123456001Z")
    second = dict(base, timestamp="2026-11-27T10:00:00.123456999Z")
    assert post(client, envelope("environmental", payload=first)).json["status"] == "accepted"
    assert post(client, envelope("environmental", payload=second)).json["status"] == "accepted"


@pytest.mark.parametrize("timestamp", ["2026-06-30T23:59:60Z", "9999-12-31T23:59:59-01:00"])
def test_unrepresentable_device_times_are_a_precise_rejection(client, timestamp):
    """A leap second or an instant past year 9999 is a schema_violation naming the field, not a bug."""
    response = post(client, envelope(payload=_payload(timestamp=timestamp)))
    assert response.status_code == 422 and response.json["reason"] in ("schema_violation", "timestamp_in_future")
    assert response.json["reason"] != "internal_error"


@pytest.mark.parametrize("message", [
    "tank \\u0000 sensor",        # a backslash and "u0000" as plain text: storable, not a NUL
    "cow \U0001F404 in pen 4",     # sent as the escaped surrogate pair \ud83d\udc04
    "path C:\\\\ud800\\x",         # a backslash before "ud800": text, not a lone surrogate
])
def test_escapes_that_decode_to_storable_text_are_accepted(client, message):
    """Only what decodes to NUL or a lone surrogate is refused; look-alike text is a normal reading."""
    body = payload_for("temperature", kind="alerts", alert_type="sensor_fault", severity="warning",
                       message=message)
    text = json.dumps(body)  # ensure_ascii: non-ASCII travels as \\u escapes, as many devices send it
    assert "\\u" in text or "\\\\" in text
    response = post(client, envelope("temperature", kind="alerts", payload=text), stream="alerts")
    assert response.status_code == 200, response.json


def test_the_outbox_count_stops_at_the_limit(ingest_url):
    """The pressure valve counts no further than it needs: limit + 1 rows, however many wait."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,), "outbox_limit": 0})
    client = app.test_client()
    for seq in range(5):
        assert post(client, envelope("gates", payload=payload_for("gates", seq=seq))).status_code == 200
    store = app.extensions["sdiot_store"]
    assert store.pending_count(2, max_age=0) == 3
    assert store.pending_count(100, max_age=0) == 5


def test_a_sender_gone_mid_body_leaves_no_dead_letter(client, ingest_url):
    """A body shorter than its Content-Length is a broken connection, not a reading: nothing kept
    (a fragment could never be replayed), and 503 asks for it again should anyone still listen."""
    from webhooks.store import open_store

    whole = json.dumps(envelope()).encode()
    response = client.post("/v1/ingest/telemetry", data=whole[:40], headers={**AUTH, "Content-Type": "application/json"},
                           environ_overrides={"CONTENT_LENGTH": str(len(whole))})
    assert response.status_code == 503 and f"after 40 of {len(whole)} bytes" in response.json["detail"]
    assert response.headers["Retry-After"]
    store = open_store(ingest_url)
    try:
        assert store.dead_letters() == []
    finally:
        store.close()
