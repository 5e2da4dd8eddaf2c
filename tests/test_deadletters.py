"""Operators list dead letters and replay them against the current code and schemas."""
import json

import pytest

from webhooks import create_app, pipeline
from webhooks.cli import main
from tests.factories import TOKEN, envelope, iso, now_ms, payload_for
from tests.test_ingest_api import post, rows


@pytest.fixture
def env(ingest_url, monkeypatch):
    monkeypatch.setenv("SDIOT_DATABASE_URL", ingest_url)
    return ingest_url


def _client(url, **settings):
    return create_app({"database_url": url, "webhook_tokens": (TOKEN,), **settings}).test_client()


def test_list_filters_by_reason_and_prints_json(env, capsys):
    """`deadletters list --reason R --json` shows only that reason, with the detail."""
    client = _client(env)
    post(client, b"{oops")
    post(client, envelope(payload="not json"))
    assert main(["deadletters", "list", "--reason", "payload_not_json", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["result"]["dead_letters"]
    assert [r["reason"] for r in listed] == ["payload_not_json"] and listed[0]["device_id"] == "MM001"


def test_list_since_excludes_older_rows(env, capsys):
    """--since takes an age; nothing is older than the future."""
    post(_client(env), b"{oops")
    assert main(["deadletters", "list", "--since", "2999-01-01T00:00Z", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["dead_letters"] == []


def test_replay_accepts_what_now_passes_and_keeps_the_rest_with_a_new_reason(env, capsys, monkeypatch):
    """After a fix, replay stores the good bodies and re-labels the ones still bad."""
    strict = _client(env, max_backfill_days=1)  # yesterday's config: a 1-day backfill window
    week_old = payload_for("temperature", ts_ms=now_ms() - 7 * 86400_000)
    post(strict, envelope("temperature", payload=week_old))
    # a body that still fails after the change, now measured against the new window
    post(strict, envelope("gates", payload=payload_for("gates", ts_ms=now_ms() - 60 * 86400_000)))
    monkeypatch.setattr(pipeline, "bind", lambda *a, **k: 1 / 0)
    post(strict, envelope("collars"))  # a bug: internal_error
    monkeypatch.undo()
    monkeypatch.setenv("SDIOT_DATABASE_URL", env)
    assert sorted(r[0] for r in rows(env, "SELECT reason FROM dead_letter")) == [
        "internal_error", "timestamp_too_old", "timestamp_too_old"]

    assert main(["deadletters", "replay", "--json"]) == 0  # default window: 30 days
    report = json.loads(capsys.readouterr().out)["result"]
    assert report == {"accepted": 2, "duplicate": 0, "still_rejected": {"timestamp_too_old": 1},
                      "skipped_truncated": 0, "stopped": None}
    assert sorted(tuple(r) for r in rows(env, "SELECT state, reason, replay_count FROM dead_letter")) == [
        ("new", "timestamp_too_old", 1), ("replayed", "internal_error", 1), ("replayed", "timestamp_too_old", 1)]
    (detail,), = rows(env, "SELECT detail FROM dead_letter WHERE state = 'new'")
    assert detail.endswith("older than 30 days")
    assert rows(env, "SELECT count(*) FROM message") == [(2,)]


def test_replaying_twice_is_harmless(env, capsys):
    """Replayed rows are not replayed again; a body already stored counts as a duplicate."""
    client = _client(env)
    body = envelope("waterers")
    assert post(client, body).status_code == 200
    client_strict = _client(env, max_clock_skew_seconds=0)
    future = payload_for("waterers", ts_ms=now_ms() + 60_000)
    post(client_strict, envelope("waterers", payload=future))
    assert main(["deadletters", "replay", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["accepted"] == 1
    assert main(["deadletters", "replay", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["accepted"] == 0


def test_truncated_bodies_are_not_replayed(env, capsys):
    """A body kept only in part cannot be judged again; it stays for the operator."""
    client = _client(env, max_body_bytes=512)
    post(client, envelope(payload=json.dumps(dict(payload_for("milk_meters"), session_id="s" * 60,
                                                  animal_id="a" * 30, timestamp=iso(now_ms())))))
    assert main(["deadletters", "replay", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["skipped_truncated"] == 1


def test_a_row_that_breaks_replay_is_relabelled_and_the_rest_still_replays(env, capsys, monkeypatch):
    """One body that raises inside replay is kept as internal_error; the rows after it are still replayed."""
    strict = _client(env, max_backfill_days=1)
    for path in ("gates", "waterers", "feeders"):
        post(strict, envelope(path, payload=payload_for(path, ts_ms=now_ms() - 3 * 86400_000)))
    real_accept = pipeline.accept

    def flaky(store, settings, stream, decoded):
        if decoded["device_path"] == "gates":
            raise OverflowError("date value out of range")
        return real_accept(store, settings, stream, decoded)

    monkeypatch.setattr(pipeline, "accept", flaky)
    assert main(["deadletters", "replay", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["result"]
    assert report["accepted"] == 2 and report["still_rejected"] == {"internal_error": 1}


def _three_dead_letters(env):
    """Two payload_not_json and one invalid_json dead letter; their ids, oldest first."""
    client = _client(env)
    post(client, envelope(payload="not json"))
    post(client, envelope(payload="still not json"))
    post(client, b"{oops")
    return [r[0] for r in rows(env, "SELECT id FROM dead_letter ORDER BY id")]


def _states(env):
    return [r[0] for r in rows(env, "SELECT state FROM dead_letter ORDER BY id")]


def test_discard_by_id_moves_only_those_out_of_list_and_replay(env, capsys):
    """discard --id: new -> discarded; list and replay no longer see them."""
    ids = _three_dead_letters(env)
    assert main(["deadletters", "discard", "--id", str(ids[0]), "--id", str(ids[2]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == {"discarded": 2}
    assert _states(env) == ["discarded", "new", "discarded"]
    assert main(["deadletters", "list", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["result"]["dead_letters"]] == [ids[1]]


def test_discard_by_reason_and_since_selects_through_the_store(env, capsys):
    """--reason (and --since) discard every new dead letter that matches, and only those."""
    _three_dead_letters(env)
    assert main(["deadletters", "discard", "--reason", "payload_not_json", "--since", "1h"]) == 0
    assert "discarded 2 dead letter(s)" in capsys.readouterr().out
    assert _states(env) == ["discarded", "discarded", "new"]
    assert main(["deadletters", "discard", "--reason", "payload_not_json", "--since", "2999-01-01T00:00Z"]) == 0
    assert "discarded 0" in capsys.readouterr().out


def test_discard_refuses_without_a_selector_and_reports_ids_it_could_not_move(env, capsys):
    """No selector: exit 2, nothing changes; an id that is not a new dead letter: exit 1, named."""
    ids = _three_dead_letters(env)
    assert main(["deadletters", "discard"]) == 2
    assert "--reason" in capsys.readouterr().err and _states(env) == ["new"] * 3
    assert main(["deadletters", "discard", "--id", str(ids[0])]) == 0
    assert main(["deadletters", "discard", "--id", str(ids[0]), "--id", str(ids[1])]) == 1
    assert "1 of the given ids are not new dead letters" in capsys.readouterr().err
    assert _states(env) == ["discarded", "discarded", "new"]
