"""Property: whatever EMQX (or anyone holding a token) posts, the tier never answers 500."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webhooks import create_app
from webhooks.envelope import MESSAGE_FIELDS, PRESENCE_FIELDS
from tests.factories import AUTH, TOKEN, envelope, payload_for

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
FIELD_VALUES = JSON | st.just("undefined") | st.sampled_from(["MM001", "milk_meters", "dairy/farm-a/milk_meters/MM001/data"])


@st.composite
def envelopes(draw):
    """Valid envelopes with some fields replaced, dropped or payloads mangled."""
    path = draw(st.sampled_from(["milk_meters", "temperature", "collars", "gates"]))
    body = envelope(path)
    for name in draw(st.lists(st.sampled_from(MESSAGE_FIELDS + PRESENCE_FIELDS), max_size=3)):
        if draw(st.booleans()):
            body.pop(name, None)
        else:
            body[name] = draw(FIELD_VALUES)
    if draw(st.booleans()):
        payload = payload_for(path)
        payload.update(draw(st.dictionaries(st.sampled_from(list(payload) + ["x"]), JSON, max_size=3)))
        body["payload"] = draw(st.sampled_from([json.dumps(payload), json.dumps(payload)[:-3], str(payload)]))
    return body


BODIES = envelopes().map(json.dumps) | JSON.map(json.dumps) | st.binary(max_size=200).map(bytes)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from webhooks.migrations import migrate_up

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'ingest.db'}"
    migrate_up("ingest", url)
    app = create_app({"database_url": url, "webhook_tokens": (TOKEN,)})
    yield app.test_client()
    app.extensions["sdiot_store"].close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, stream=st.sampled_from(["telemetry", "status", "alerts", "presence"]))
def test_no_body_gets_a_500(client, body, stream):
    """Every answer is one the contract allows; in particular never 500."""
    # With its length, as EMQX (any HTTP/1.1 client) sends it; a body with none is 411 (test_exact_inputs).
    response = client.post(f"/v1/ingest/{stream}", data=body, headers=AUTH,
                           environ_overrides={"CONTENT_LENGTH": str(len(body))})
    assert response.status_code in (200, 422), (response.status_code, response.get_json())
    if response.status_code == 422:
        assert response.json["dead_letter_id"] > 0
