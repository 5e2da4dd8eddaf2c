"""``sdiot bench ingest`` end to end, briefly: three real gunicorn servers on loopback, real PostgreSQL.

Figures are not asserted (this machine is noisy and a timed test proves nothing); what is checked
is that the benchmark runs what it says: the tier stores rows and dead letters, never errs, and the
report ends with the ratio line.
"""
from webhooks.tools.bench import ingest
from tests.conftest import PG_URL


def test_bench_ingest_runs_all_three_servers_and_ends_with_the_ratio(pg_available):
    lines = []
    result = ingest.run(PG_URL, seconds=1, concurrency=4, workers=1, out=lines.append, warmup=100)
    tier = result["tier"]
    assert set(tier.statuses) <= {200, 422} and tier.errors == 0, tier.statuses
    assert tier.statuses[200] > 0 and tier.statuses[422] > 0
    assert result["bare"].statuses and set(result["bare"].statuses) == {204}
    assert set(result["floor"].statuses) == {200}
    assert result["stored"] > 0 and result["dead_letters"] > 0
    assert [line.split()[0] for line in lines[2:5]] == ["bare", "floor", "tier"]
    assert lines[-2].startswith("floor/bare: ")
    assert lines[-1] == f"ratio tier/bare: {result['ratio']:.2f}"
